/**
 * The live visitors grid: the seed's six status icons, tags, where each visitor is and came from,
 * the four views of the seed, a text search and sortable columns. Every visitor-supplied value is
 * rendered as text.
 */
import type { ComponentChildren } from 'preact';
import type { VisitorRow, VisitorTag } from '../../functions/protocol/events.js';
import { duration, hostOf, shortUrl } from '../format.js';
import {
  countryName,
  displayName,
  effectiveFilter,
  FILTER_LABEL,
  filterCounts,
  GRID_FILTERS,
  type GridFilter,
  gridRows,
  nextSort,
  type SortKey,
  STATUS_ORDER,
  STATUS_SHORT,
  TAG_LABEL,
} from '../grid.js';
import { inviteBlocker, OUTCOME_LABEL } from '../invitations.js';
import { type ConsoleStore, FRESH_MS } from '../store.js';
import { useNow } from './hooks.js';
import { DeviceIcon, SearchIcon, SortIcon, SoundIcon, StatusIcon } from './icons.js';

const FILTER_SHORT: Record<GridFilter, string> = {
  all: 'All',
  mine: 'Only mine',
  chatting: 'Chatting',
  browsing: 'Browsing',
};
const FILTER_HINT: Record<GridFilter, string> = {
  all: 'Chatting, browsing and departed visitors',
  mine: 'Only chatting visitors assigned to you: no unassigned requests, no browsing or departed visitors',
  chatting: 'Every chatting visitor',
  browsing: 'Browsing and chatting visitors, not departed',
};
export const TAG_SHORT: Record<VisitorTag, string> = {
  prospect: 'Prospect',
  customer: 'Customer',
  frequent: 'Frequent',
  subscriber: 'Subscriber',
  unwelcome: 'Unwelcome',
};

const COLUMNS: { key: SortKey; label: string; cls: string; srOnly?: boolean; title?: string }[] = [
  { key: 'status', label: 'Status', cls: 'c-st', srOnly: true },
  { key: 'tag', label: 'Tag', cls: 'c-tag' },
  { key: 'visitor', label: 'Visitor', cls: 'c-who' },
  { key: 'page', label: 'Current page', cls: 'c-page' },
  { key: 'location', label: 'Location', cls: 'c-loc' },
  { key: 'time', label: 'On site', cls: 'c-time' },
  { key: 'visits', label: 'Visits', cls: 'c-visits' },
  { key: 'source', label: 'Source', cls: 'c-src', title: 'referrer or search query' },
  { key: 'client', label: 'Browser / OS', cls: 'c-client' },
];

export function CountryCode({ code }: { code?: string }) {
  const name = countryName(code);
  if (!name || !code) return <span class="cc cc-none" title="Unknown country" aria-hidden="true" />;
  return (
    <span class="cc" title={name}>
      {code.toUpperCase()}
    </span>
  );
}

export function TagBadge({ tag, long }: { tag?: VisitorTag; long?: boolean }) {
  if (!tag) return null;
  return (
    <span class={`tg tg-${tag}`} title={TAG_LABEL[tag]} data-testid="visitor-tag-badge" data-tag={tag}>
      {long ? TAG_LABEL[tag] : TAG_SHORT[tag]}
    </span>
  );
}

function Two({ main, sub, title }: { main: ComponentChildren; sub?: ComponentChildren; title?: string }) {
  return (
    <div class="two" title={title}>
      <span class="two-main">{main}</span>
      {sub ? <span class="two-sub">{sub}</span> : null}
    </div>
  );
}

function emptyText(filter: GridFilter, search: string): string {
  if (search.trim()) return `No visitor matches “${search.trim()}”.`;
  switch (filter) {
    case 'mine':
      return 'No chatting visitor is assigned to you right now.';
    case 'chatting':
      return 'Nobody is chatting right now.';
    case 'browsing':
      return 'No visitors on the site right now. They appear here live as soon as they open a page.';
    default:
      return 'No visitors yet. They appear here live as soon as they open a page.';
  }
}

export function VisitorsGrid({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const now = useNow(1000);
  const me = s.me;
  const forced = !!me?.silent;
  const filter = effectiveFilter(s.filter, me);
  const rows = gridRows(s.visitors, {
    now,
    settings: s.settings,
    filter: s.filter,
    me,
    search: s.search,
    sort: s.sort,
  });
  const counts = filterCounts(s.visitors, now, s.settings, me?.id);
  const sound = me?.preferences?.newVisitorSound !== false;

  const onRowKey = (e: KeyboardEvent, id: string, waitingChat?: string) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      if (waitingChat) {
        store.select(id);
        store.askAccept(waitingChat);
        return;
      }
      store.select(s.selected === id ? undefined : id);
    } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
      e.preventDefault();
      const tr = e.currentTarget as HTMLElement;
      const next = (e.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling) as HTMLElement | null;
      next?.focus();
    }
  };

  return (
    <section class="panel visitors" aria-labelledby="visitors-h">
      <div class="panel-head">
        <h2 id="visitors-h">Visitors</h2>
        <span class="count" title="On the site now" data-testid="visitors-online">
          {counts.browsing} online
        </span>
        <fieldset class="seg" data-testid="visitor-filters">
          <legend class="sr-only">Show visitors</legend>
          {GRID_FILTERS.map((f) => {
            const disabled = forced && f !== 'mine';
            return (
              <button
                type="button"
                key={f}
                class={filter === f ? 'on' : ''}
                aria-pressed={filter === f}
                disabled={disabled}
                data-testid={`filter-${f}`}
                title={`${FILTER_LABEL[f]}: ${FILTER_HINT[f]}${disabled ? ' (your department is silent: this view is fixed)' : ''}`}
                onClick={() => store.setFilter(f)}
              >
                {FILTER_SHORT[f]}
                <span class="seg-n">{counts[f]}</span>
              </button>
            );
          })}
        </fieldset>
        {forced && (
          <span
            class="forced"
            data-testid="filter-forced"
            title="Operators of a silent department see only their own chats"
          >
            Silent department
          </span>
        )}
        <div class="spacer" />
        <label class="search">
          <SearchIcon />
          <span class="sr-only">Search visitors</span>
          <input
            type="search"
            data-testid="visitor-search"
            placeholder="Search name, page, place, IP…"
            value={s.search}
            onInput={(e) => store.setSearch((e.currentTarget as HTMLInputElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Escape' && s.search) {
                e.preventDefault();
                store.setSearch('');
              }
            }}
          />
        </label>
        <button
          type="button"
          class={`icon-btn${sound ? ' on' : ''}`}
          aria-pressed={sound}
          data-testid="sound-toggle"
          disabled={!me}
          title={sound ? 'Sound for new visitors: on' : 'Sound for new visitors: off'}
          onClick={() => void store.setNewVisitorSound(!sound)}
        >
          <SoundIcon on={sound} />
          <span class="sr-only">Sound for new visitors</span>
        </button>
      </div>
      <div class="table-wrap">
        <table class="grid" data-testid="visitors-grid" aria-rowcount={rows.length}>
          <thead>
            <tr>
              {COLUMNS.map((c) => {
                const dir = s.sort?.key === c.key ? s.sort.dir : undefined;
                return (
                  <th
                    key={c.key}
                    class={c.cls}
                    scope="col"
                    aria-sort={dir === 'asc' ? 'ascending' : dir === 'desc' ? 'descending' : 'none'}
                  >
                    <button
                      type="button"
                      class="th-btn"
                      data-testid={`sort-${c.key}`}
                      title={`Sort by ${c.title || c.label.toLowerCase()}`}
                      onClick={() => store.setSort(nextSort(s.sort, c.key))}
                    >
                      {c.srOnly ? <span class="sr-only">{c.label}</span> : c.label}
                      <SortIcon dir={dir} />
                    </button>
                  </th>
                );
              })}
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr class="empty-row">
                <td class="empty-cell" colSpan={COLUMNS.length}>
                  {emptyText(filter, s.search)}
                </td>
              </tr>
            )}
            {rows.map(({ row: v, presence }) => {
              const chat = v.chatId ? s.chats[v.chatId] : undefined;
              const label = rowLabel(v, chat?.visitorName);
              const selected = s.selected === v.visitorId;
              const fresh = (s.fresh[v.visitorId] ?? -Infinity) > now - FRESH_MS;
              const departed = presence === 'departed';
              const waiting = !departed && chat?.status === 'queued' && !s.declined[chat.chatId];
              const cls = [
                `presence-${presence}`,
                selected ? 'sel' : '',
                fresh ? 'row-new' : '',
                v.tag === 'unwelcome' ? 'unwelcome' : '',
                waiting ? 'row-waiting' : '',
              ]
                .filter(Boolean)
                .join(' ');
              return (
                <tr
                  key={v.visitorId}
                  data-testid="visitor-row"
                  data-visitor-id={v.visitorId}
                  data-presence={presence}
                  data-status={v.status}
                  data-waiting={waiting ? 'true' : undefined}
                  title={waiting ? 'Waiting for a chat: click to take it' : undefined}
                  class={cls}
                  tabIndex={0}
                  aria-selected={selected}
                  onClick={() => {
                    // A visitor waiting for a chat: "This chat will be assigned to you", then accept.
                    if (waiting && chat) {
                      store.select(v.visitorId);
                      store.askAccept(chat.chatId);
                      return;
                    }
                    store.select(selected ? undefined : v.visitorId);
                  }}
                  onKeyDown={(e) => onRowKey(e, v.visitorId, waiting ? chat?.chatId : undefined)}
                >
                  <td class="c-st">
                    <StatusIcon status={v.status} departed={departed} />
                  </td>
                  <td class="c-tag">
                    <TagBadge tag={v.tag} />
                  </td>
                  <td class="c-who">
                    <Two
                      title={v.visitorId}
                      main={
                        <span class="who-line">
                          <span class="who-name" data-testid="visitor-name">
                            {label}
                          </span>
                          {!forced && !inviteBlocker(v, departed) && (
                            <button
                              type="button"
                              class="inv-btn"
                              data-testid="invite-open"
                              aria-label={`Invite ${label} to chat`}
                              title={`Invite ${label} to chat`}
                              onClick={(e) => {
                                e.stopPropagation();
                                store.openInvite(v.visitorId);
                              }}
                              onKeyDown={(e) => e.stopPropagation()}
                            >
                              <svg viewBox="0 0 24 24" aria-hidden="true">
                                <path d="M4 12l16-8-6 16-2.5-6.5L4 12z" />
                              </svg>
                            </button>
                          )}
                        </span>
                      }
                      sub={
                        <>
                          <InvitationBadge row={v} />
                          {departed
                            ? 'Departed'
                            : chat && chat.status !== 'ended'
                              ? chat.status === 'queued'
                                ? 'Waiting for an operator'
                                : `Chat · ${chat.operators.map((o) => o.name).join(', ') || 'operator'}`
                              : v.returning
                                ? 'Returning'
                                : v.ip || 'New visitor'}
                        </>
                      }
                    />
                  </td>
                  <td class="c-page" data-testid="visitor-page">
                    <Two title={v.url} main={v.title || '(untitled page)'} sub={shortUrl(v.url)} />
                  </td>
                  <td class="c-loc">
                    <div class="loc">
                      <CountryCode code={v.geo?.country} />
                      <Two
                        main={v.geo?.city || countryName(v.geo?.country) || 'Unknown'}
                        sub={v.geo?.city ? countryName(v.geo?.country) || v.geo?.region : v.geo?.region}
                      />
                    </div>
                  </td>
                  <td
                    class="c-time mono"
                    title={`On this page for ${duration((departed ? v.lastSeen : now) - v.pageSince)}`}
                  >
                    {duration((departed ? v.lastSeen : now) - (v.visitStart || v.firstSeen))}
                  </td>
                  <td class="c-visits mono">{v.visits}</td>
                  <td class="c-src">
                    {v.searchQuery ? (
                      <Two
                        title={`${v.searchEngine || 'Search'}: ${v.searchQuery}`}
                        main={<span class="q">“{v.searchQuery}”</span>}
                        sub={v.searchEngine || hostOf(v.referrer)}
                      />
                    ) : v.referrer ? (
                      <Two
                        title={v.referrer}
                        main={hostOf(v.referrer).replace(/^www\./, '')}
                        sub={v.searchEngine || 'Referral'}
                      />
                    ) : (
                      <span class="muted">Direct</span>
                    )}
                  </td>
                  <td class="c-client">
                    {v.client?.browser || v.client?.os ? (
                      <div class="client">
                        <DeviceIcon device={v.client?.device} />
                        <Two
                          main={[v.client?.browser, v.client?.browserVersion?.split('.')[0]].filter(Boolean).join(' ')}
                          sub={[v.client?.os, v.client?.osVersion].filter(Boolean).join(' ')}
                        />
                      </div>
                    ) : (
                      <span class="muted">—</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ul class="legend" data-testid="status-legend" aria-label="Status icons">
        {STATUS_ORDER.map((st) => (
          <li key={st}>
            <StatusIcon status={st} />
            {STATUS_SHORT[st]}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The visitor's latest invitation and what became of it (live: the row updates). */
export function InvitationBadge({ row }: { row: VisitorRow }) {
  const inv = row.invitation;
  if (!inv) return null;
  const who = `${inv.auto ? 'Automatic invitation' : 'Invited by'} ${inv.operatorName}`;
  return (
    <span
      class={`inv-st inv-${inv.outcome}`}
      data-testid="invitation-status"
      data-outcome={inv.outcome}
      title={`${who}: ${OUTCOME_LABEL[inv.outcome].toLowerCase()}`}
    >
      {OUTCOME_LABEL[inv.outcome]}
    </span>
  );
}

/** The visitor's name as the console shows it (their own, the chat's, or "Visitor" + short id). */
export function rowLabel(v: VisitorRow, chatName?: string): string {
  return displayName({ visitorId: v.visitorId, name: v.name || chatName });
}
