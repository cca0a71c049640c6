/**
 * The visitor info panel (a drawer over the right-hand column): everything known about the
 * selected visitor, its tag, navigation history, visits, previous chats with transcripts, and
 * operator notes. Every visitor-supplied value is rendered as text; links only for http(s) URLs.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type ChatMessage,
  type ChatSummary,
  VISITOR_TAGS,
  type VisitorDetails,
  type VisitorRow,
  type VisitorTag,
} from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { Api } from '../api.js';
import { dateTime, duration, hostOf, hue, initials, safeHref, shortUrl, timeOfDay } from '../format.js';
import { countryName, presenceAt, STATUS_LABEL, TAG_LABEL } from '../grid.js';
import { inviteBlocker } from '../invitations.js';
import { type ConsoleStore, isMine } from '../store.js';
import { VisitorPrivacy } from './AdminPrivacy.js';
import { useEscapeLayer } from './escape-layers.js';
import { useNow } from './hooks.js';
import { CloseIcon, ExternalIcon, StatusIcon, WarnIcon } from './icons.js';
import { CountryCode, InvitationBadge, rowLabel } from './VisitorsGrid.js';

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err));

function Field({ label, children, testid }: { label: string; children: ComponentChildren; testid?: string }) {
  const empty = children === undefined || children === null || children === '';
  return (
    <>
      <dt>{label}</dt>
      <dd data-testid={testid} class={empty ? 'muted' : undefined}>
        {empty ? '—' : children}
      </dd>
    </>
  );
}

function Section({
  title,
  count,
  children,
  testid,
}: {
  title: string;
  count?: number;
  children: ComponentChildren;
  testid?: string;
}) {
  return (
    <section class="vi-sec" data-testid={testid}>
      <h3>
        {title}
        {count !== undefined && <span class="vi-count">{count}</span>}
      </h3>
      {children}
    </section>
  );
}

function Url({ url, title }: { url: string; title?: string }) {
  const href = safeHref(url);
  return (
    <span class="vi-url">
      {title !== undefined && <span class="vi-url-title">{title || '(untitled page)'}</span>}
      <span class="vi-url-href" title={url}>
        {shortUrl(url)}
        {href && (
          <a href={href} target="_blank" rel="noopener noreferrer" class="vi-ext" title="Open in a new tab">
            <ExternalIcon />
            <span class="sr-only">Open in a new tab</span>
          </a>
        )}
      </span>
    </span>
  );
}

export function VisitorInfo({ store, api, visitorId }: { store: ConsoleStore; api: Api; visitorId: string }) {
  const s = store.state;
  const v = s.visitors[visitorId];
  const now = useNow(1000);
  const [details, setDetails] = useState<VisitorDetails | undefined>();
  const [error, setError] = useState<string | undefined>();
  const ref = useRef<HTMLElement>(null);

  // Fetch on open, and again when the visitor moves on (page views), comes back or chats.
  useEffect(() => {
    let live = true;
    setError(undefined);
    api.visitor(visitorId).then(
      (d) => {
        if (!live) return;
        setDetails(d);
        store.mergeNotes(visitorId, d.notes || []);
      },
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [api, store, visitorId, v?.pageViews, v?.visits, v?.chatId, v?.chatStatus]);

  // Esc closes the panel from anywhere, once nothing opened over it (a dialog, a menu) is left.
  useEscapeLayer(true, () => store.select(undefined));

  const row: VisitorRow | undefined = v ?? details?.visitor;
  const close = () => store.select(undefined);
  if (!row) return null;

  const presence = presenceAt(row, now, s.settings);
  const chat = row.chatId ? s.chats[row.chatId] : undefined;
  const label = rowLabel(row, chat?.visitorName);
  const g = row.geo ?? {};
  const c = row.client ?? {};
  const custom = Object.entries(row.custom ?? {});

  return (
    <aside
      class="drawer"
      ref={ref}
      tabIndex={-1}
      aria-label={`Visitor information: ${label}`}
      data-testid="visitor-info"
      data-visitor-id={row.visitorId}
    >
      <header class="vi-head">
        <span
          class="avatar avatar-lg"
          style={{ background: `hsl(${hue(row.visitorId)} 60% 93%)`, color: `hsl(${hue(row.visitorId)} 45% 32%)` }}
          aria-hidden="true"
        >
          {row.name || chat?.visitorName ? initials(label) : '#'}
        </span>
        <div class="vi-who">
          <h2 data-testid="visitor-info-name">{label}</h2>
          <div class="vi-status">
            <StatusIcon status={row.status} departed={presence === 'departed'} />
            <span>{STATUS_LABEL[row.status]}</span>
            <span class={`pill pill-${presence}`}>{presence}</span>
            <InvitationBadge row={row} />
          </div>
        </div>
        <button
          type="button"
          class="icon-btn"
          aria-label="Close visitor information"
          title="Close (Esc)"
          onClick={close}
        >
          <CloseIcon />
        </button>
      </header>

      <div class="vi-bar">
        <label class="vi-tag">
          <span>Tag</span>
          <select
            data-testid="visitor-tag"
            value={row.tag ?? ''}
            class={row.tag ? `tg-select tg-${row.tag}` : 'tg-select'}
            onChange={(e) => {
              const t = (e.currentTarget as HTMLSelectElement).value;
              store.tagVisitor(row.visitorId, t ? (t as VisitorTag) : null);
            }}
          >
            <option value="">No tag</option>
            {VISITOR_TAGS.map((t) => (
              <option key={t} value={t}>
                {TAG_LABEL[t]}
              </option>
            ))}
          </select>
        </label>
        <div class="spacer" />
        {!s.me?.silent && !inviteBlocker(row, presence === 'departed') && (
          <button
            type="button"
            class="btn btn-ghost btn-sm"
            data-testid="vi-invite"
            onClick={() => store.openInvite(row.visitorId)}
          >
            Invite to chat
          </button>
        )}
        <ChatAction store={store} chat={chat} />
      </div>

      {row.tag === 'unwelcome' && (
        <div class="vi-warn" role="alert" data-testid="unwelcome-warning">
          <span class="vi-warn-ic">
            <WarnIcon />
          </span>
          <div>
            <strong>Unwelcome visitor.</strong> This visitor cannot start a chat and is never invited; the widget offers
            only the message form.
          </div>
        </div>
      )}

      <div class="vi-body">
        <Section title="Now">
          <dl class="kv">
            <Field label="Current page" testid="vi-current-page">
              <Url url={row.url} title={row.title} />
            </Field>
            <Field label="Visit time">
              <span class="mono">
                {duration((presence === 'departed' ? row.lastSeen : now) - (row.visitStart || row.firstSeen))}
              </span>{' '}
              <span class="muted">since {timeOfDay(row.visitStart || row.firstSeen)}</span>
            </Field>
            <Field label="On this page">
              <span class="mono">{duration((presence === 'departed' ? row.lastSeen : now) - row.pageSince)}</span>
            </Field>
            <Field label="Visits">
              {row.visits}
              <span class="muted"> · first seen {dateTime(row.firstSeen)}</span>
            </Field>
          </dl>
        </Section>

        <Section title="Location & network">
          <dl class="kv">
            <Field label="IP address" testid="vi-ip">
              {row.ip && <span class="mono">{row.ip}</span>}
            </Field>
            <Field label="Hostname">{row.hostname}</Field>
            <Field label="Country">
              {g.country && (
                <span class="loc">
                  <CountryCode code={g.country} />
                  {countryName(g.country) || `Unknown (${g.country})`}
                </span>
              )}
            </Field>
            <Field label="Region">{g.region}</Field>
            <Field label="City">{g.city}</Field>
            <Field label="Postal code">{g.postalCode}</Field>
            <Field label="Area / metro code">{g.metroCode}</Field>
            <Field label="Time zone">{g.timeZone}</Field>
            <Field label="ISP / ASN">
              {[g.isp, g.asn ? `AS${g.asn.replace(/^AS/i, '')}` : ''].filter(Boolean).join(' · ')}
            </Field>
          </dl>
        </Section>

        <Section title="Browser & computer">
          <dl class="kv">
            <Field label="Language">{row.lang}</Field>
            <Field label="Browser">{[c.browser, c.browserVersion].filter(Boolean).join(' ')}</Field>
            <Field label="Operating system">{[c.os, c.osVersion].filter(Boolean).join(' ')}</Field>
            <Field label="Device">
              {[c.device || (c.browser ? 'desktop' : ''), c.deviceVendor, c.deviceModel].filter(Boolean).join(' · ')}
            </Field>
            <Field label="Screen">{row.screen ? `${row.screen.w} × ${row.screen.h}` : ''}</Field>
          </dl>
        </Section>

        <Section title="Source">
          <dl class="kv">
            <Field label="Referrer" testid="vi-referrer">
              {row.referrer ? <Url url={row.referrer} /> : <span class="muted">Direct visit</span>}
            </Field>
            <Field label="Search engine">{row.searchEngine}</Field>
            <Field label="Search query" testid="vi-search-query">
              {row.searchQuery && <span class="q">“{row.searchQuery}”</span>}
            </Field>
          </dl>
        </Section>

        <Section title="Custom information" count={custom.length} testid="vi-custom">
          {custom.length === 0 ? (
            <p class="vi-empty">None. Sites pass it with data-* attributes on the script tag or parley('set', …).</p>
          ) : (
            <dl class="kv">
              {custom.map(([k, val]) => (
                <Field key={k} label={k}>
                  {val}
                </Field>
              ))}
            </dl>
          )}
        </Section>

        <Notes store={store} visitorId={row.visitorId} />

        <Section title="Navigation history" count={details?.pageViews.length} testid="vi-history">
          {error && !details ? (
            <p class="vi-error" role="alert">
              Could not load the history: {error}
            </p>
          ) : !details ? (
            <p class="vi-empty">Loading…</p>
          ) : (
            <History details={details} row={row} now={now} live={presence !== 'departed'} />
          )}
        </Section>

        <Section title="Previous visits" count={details ? Math.max(0, details.visits.length - 1) : undefined}>
          {details && <Visits details={details} />}
        </Section>

        <Section title="Chats" count={details?.chats.length} testid="vi-chats">
          {details && <Chats api={api} chats={details.chats} />}
        </Section>
        {s.me?.role === 'admin' && (
          <VisitorPrivacy api={api} visitorId={row.visitorId} label={label} onDeleted={close} />
        )}
      </div>
    </aside>
  );
}

function ChatAction({ store, chat }: { store: ConsoleStore; chat: ChatSummary | undefined }) {
  if (!chat || chat.status === 'ended') return null;
  if (chat.status === 'queued') {
    return (
      <button type="button" class="btn btn-primary btn-sm" onClick={() => store.accept(chat.chatId)}>
        Accept chat
      </button>
    );
  }
  return (
    <button type="button" class="btn btn-ghost btn-sm" onClick={() => store.openTab(chat.chatId)}>
      {isMine(chat, store.state.me) ? 'Open chat' : 'View chat'}
    </button>
  );
}

function History({
  details,
  row,
  now,
  live,
}: {
  details: VisitorDetails;
  row: VisitorRow;
  now: number;
  live: boolean;
}) {
  const views = details.pageViews;
  if (views.length === 0) return <p class="vi-empty">No page views recorded.</p>;
  const latest = views.reduce((a, b) => (b.at > a.at ? b : a), views[0]!);
  const ordered = [...views].sort((a, b) => b.at - a.at);
  const starts = new Set(details.visits.map((v) => v.start));
  const items: ComponentChildren[] = [];
  ordered.forEach((p, i) => {
    const prev = ordered[i - 1];
    // Newest first: after a visit's entry page come the pages of the visit before it.
    if (prev && starts.has(prev.at)) {
      items.push(
        <li key={`visit-${p.at}`} class="hist-visit" aria-hidden="true">
          <span>Earlier visit</span>
        </li>,
      );
    }
    const current = live && p === latest && p.url === row.url;
    const spent = current ? now - Math.max(p.at, row.pageSince || p.at) : p.durationMs;
    items.push(
      <li key={`${p.at}-${i}`} class={current ? 'hist-item hist-now' : 'hist-item'} data-testid="vi-history-item">
        <span class="hist-time mono" title={dateTime(p.at)}>
          {timeOfDay(p.at)}
        </span>
        <div class="hist-page">
          <span class="hist-title">{p.title || '(untitled page)'}</span>
          <span class="hist-url" title={p.url}>
            {shortUrl(p.url)}
          </span>
        </div>
        <span class="hist-dur mono" title="Time on page">
          {current ? <span class="now-dot" title="Here now" /> : null}
          {duration(spent)}
        </span>
      </li>,
    );
  });
  return (
    <ol class="hist" data-testid="vi-history-list">
      {items}
    </ol>
  );
}

function Visits({ details }: { details: VisitorDetails }) {
  const visits = [...details.visits].sort((a, b) => b.start - a.start).slice(1);
  if (visits.length === 0) return <p class="vi-empty">This is the first visit.</p>;
  return (
    <ul class="visits">
      {visits.map((v) => (
        <li key={v.start} class="visit-row">
          <div class="visits-main">
            <span>{dateTime(v.start)}</span>
            <span class="muted">
              {v.pages} {v.pages === 1 ? 'page' : 'pages'} · {duration(v.end - v.start)}
            </span>
          </div>
          <div class="visits-sub" title={v.entryUrl}>
            Entered on {shortUrl(v.entryUrl)}
            {v.referrer ? ` · from ${hostOf(v.referrer)}` : ''}
          </div>
        </li>
      ))}
    </ul>
  );
}

function Chats({ api, chats }: { api: Api; chats: ChatSummary[] }) {
  const [open, setOpen] = useState<string | undefined>();
  if (chats.length === 0) return <p class="vi-empty">No chats yet.</p>;
  const sorted = [...chats].sort((a, b) => b.createdAt - a.createdAt);
  return (
    <ul class="pchats">
      {sorted.map((c) => (
        <li key={c.chatId} class="pchat-row">
          <button
            type="button"
            class="pchat"
            aria-expanded={open === c.chatId}
            data-testid="vi-chat"
            onClick={() => setOpen(open === c.chatId ? undefined : c.chatId)}
          >
            <span class={`chip chip-${c.status}`}>
              {c.status === 'queued' ? 'Queued' : c.status === 'active' ? 'Active' : 'Ended'}
            </span>
            <span class="ellipsis">{c.operators.map((o) => o.name).join(', ') || 'No operator'}</span>
            <span class="muted mono">{dateTime(c.createdAt)}</span>
          </button>
          {open === c.chatId && <Transcript api={api} chatId={c.chatId} />}
        </li>
      ))}
    </ul>
  );
}

function Transcript({ api, chatId }: { api: Api; chatId: string }) {
  const [messages, setMessages] = useState<ChatMessage[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    let live = true;
    api.chatMessages(chatId).then(
      (r) => live && setMessages(r.messages || []),
      (err) => live && setError(errorText(err)),
    );
    return () => {
      live = false;
    };
  }, [api, chatId]);
  if (error) return <p class="vi-error">Could not load the transcript: {error}</p>;
  if (!messages) return <p class="vi-empty">Loading transcript…</p>;
  if (messages.length === 0) return <p class="vi-empty">No messages.</p>;
  return (
    <ol class="transcript" data-testid="vi-transcript">
      {messages.map((m) => (
        <li key={m.id} class={`tr tr-${m.from.kind}`}>
          {m.from.kind !== 'system' && (
            <span class="tr-who">
              {m.from.name} <span class="muted">{timeOfDay(m.at)}</span>
            </span>
          )}
          <span class="tr-text">{m.text}</span>
        </li>
      ))}
    </ol>
  );
}

function Notes({ store, visitorId }: { store: ConsoleStore; visitorId: string }) {
  const notes = store.state.notes[visitorId] ?? [];
  const [draft, setDraft] = useState('');
  const submit = () => {
    if (store.addNote(visitorId, draft)) setDraft('');
  };
  return (
    <Section title="Operator notes" count={notes.length} testid="vi-notes">
      {notes.length > 0 && (
        <ul class="notes" data-testid="vi-notes-list">
          {notes.map((n) => (
            <li key={n.id} class="note" data-testid="vi-note">
              <div class="note-meta">
                <strong>{n.operatorName}</strong>
                <span class="muted">{dateTime(n.at)}</span>
              </div>
              <p class="note-text">{n.text}</p>
            </li>
          ))}
        </ul>
      )}
      <form
        class="note-form"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          data-testid="vi-note-input"
          rows={2}
          maxLength={LIMITS.note}
          placeholder="Add a note for the team…"
          aria-label="New note"
          value={draft}
          onInput={(e) => setDraft((e.currentTarget as HTMLTextAreaElement).value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="btn btn-ghost btn-sm" data-testid="vi-note-add" disabled={!draft.trim()}>
          Add note
        </button>
      </form>
    </Section>
  );
}
