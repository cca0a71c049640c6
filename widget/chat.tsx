/**
 * chat.js — the chat window, loaded lazily by parley.js and rendered with Preact inside the
 * loader's shadow root. All visitor and operator text is rendered as Preact text nodes.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import css from './chat.css';
import { queueWait, VisitorChat } from './chat-controller.js';
import type { TextPart } from './core/links.js';
import type { PendingMessage } from './core/thread.js';
import { ringDoorbell } from './doorbell.js';
import type { ChatHost, ChatWindow, LoaderHost } from './host.js';
import { type Labels, pickLabels } from './i18n.js';
import { LeaveMessage } from './leave-message.js';
import { DepartmentSelect, OfflineForm, useLeaveMessage } from './offline-form.js';

/**
 * Links in messages: linkifyjs is most of its weight in its list of top-level domains, so it comes
 * as its own chunk, fetched as soon as the window mounts; until it is there, messages are plain text.
 */
let linkParts: ((text: string) => TextPart[]) | undefined;
const linkWaiters = new Set<() => void>();
function loadLinks(): void {
  import('./core/links.js').then(
    (m) => {
      linkParts = m.linkParts;
      for (const fn of linkWaiters) fn();
      linkWaiters.clear();
    },
    () => {
      /* no links, the text stays text */
    },
  );
}

function Linkified({ text }: { text: string }) {
  const [, setReady] = useState(0);
  useEffect(() => {
    if (linkParts) return;
    const bump = () => setReady(1);
    linkWaiters.add(bump);
    return () => {
      linkWaiters.delete(bump);
    };
  }, []);
  const parts = linkParts ? linkParts(text) : undefined;
  if (!parts || (parts.length === 1 && !parts[0]?.href)) return <>{text}</>;
  return (
    <>
      {parts.map((p, i) =>
        p.href ? (
          <a key={i} href={p.href} target="_blank" rel="noopener noreferrer">
            {p.text}
          </a>
        ) : (
          p.text
        ),
      )}
    </>
  );
}

function useNow(on: boolean): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!on) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [on]);
  return now;
}

const clock = (ms: number) => {
  const s = Math.max(0, Math.floor(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};

export function mount(loader: LoaderHost): ChatWindow {
  // The loader carries only the button's words; the window's come with chat.js.
  const host: ChatHost = Object.create(loader, { labels: { get: () => pickLabels(loader.lang) } });
  host.addStyle(css);
  loadLinks();
  const ctl = new VisitorChat(host);
  const lm = new LeaveMessage(host);
  host.listen((e) => {
    lm.handle(e);
    ctl.handle(e);
  });
  render(<ChatApp ctl={ctl} lm={lm} labels={host.labels} />, host.slot);
  return { open: () => ctl.open() };
}

const time = (at: number) => {
  try {
    return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
};

/** Tab and Shift+Tab stay inside the open window (a modal dialog for keyboard users). */
function trapFocus(e: KeyboardEvent, win: HTMLElement | null): void {
  if (e.key !== 'Tab' || !win) return;
  const items = Array.prototype.filter.call(
    win.querySelectorAll<HTMLElement>('button, input, select, textarea, a[href], [tabindex]:not([tabindex="-1"])'),
    (el: HTMLElement) => !(el as HTMLButtonElement).disabled && el.offsetParent !== null,
  ) as HTMLElement[];
  if (!items.length) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const active = (win.getRootNode() as ShadowRoot).activeElement;
  if (e.shiftKey && (active === first || !win.contains(active))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (active === last || !win.contains(active))) {
    e.preventDefault();
    first.focus();
  }
}

function ChatApp({ ctl, lm, labels: L }: { ctl: VisitorChat; lm: LeaveMessage; labels: Labels }) {
  const [, setTick] = useState(0);
  useEffect(() => {
    const bump = () => setTick((n) => n + 1);
    const off = ctl.subscribe(bump);
    bump(); // catch up with changes made between the first render and this effect
    return off;
  }, [ctl]);
  const s = ctl.state;
  const winRef = useRef<HTMLElement>(null);

  useEffect(() => {
    if (!s.visible || !winRef.current) return;
    const target = winRef.current.querySelector<HTMLElement>('textarea:not([disabled]), input, [data-autofocus]');
    target?.focus();
  }, [s.visible, s.step]);

  const online = s.operatorsOnline > 0 && !s.chatBlocked;
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'Escape') ctl.minimise();
    else trapFocus(e, winRef.current);
  };

  return (
    <>
      <section
        ref={winRef}
        class="win"
        role="dialog"
        aria-modal="true"
        aria-label={L.windowTitle}
        data-testid="parley-window"
        hidden={!s.visible}
        onKeyDown={onKeyDown}
      >
        <header class="hd">
          <div class="avatar">
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M12 3C6.5 3 2 6.9 2 11.7c0 2.4 1.1 4.5 2.9 6.1L4 21.4l4.4-1.8c1.1.4 2.3.6 3.6.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z" />
            </svg>
          </div>
          <div class="hd-text">
            <h2>{L.windowTitle}</h2>
            <p class={online ? 'sub on' : 'sub'}>
              <span class="dot" />
              {online ? L.online : L.offline}
            </p>
          </div>
          <button type="button" class="icon" aria-label={L.minimise} title={L.minimise} onClick={() => ctl.minimise()}>
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 9l6 6 6-6" />
            </svg>
          </button>
        </header>
        {!s.connected && <div class="conn">{L.reconnecting}</div>}
        {s.step === 'prechat' ? <PreChat ctl={ctl} lm={lm} L={L} /> : <ChatBody ctl={ctl} lm={lm} L={L} />}
        {s.notice && (
          <div class="notice" role="alert">
            {s.notice.text}
          </div>
        )}
      </section>
      <Invitation ctl={ctl} L={L} />
    </>
  );
}

/**
 * An operator's invitation: who, their words (as text), Start Chat (then an optional name) and
 * close (a decline). A door-bell rings when it appears; `data-bell` on the popup says whether the
 * browser let it play (`blocked` by an autoplay policy: it rings at the visitor's next gesture). The announcement region exists before the invitation is put in it, so
 * screen readers read it out; focus stays where the visitor is.
 */
function Invitation({ ctl, L }: { ctl: VisitorChat; L: Labels }) {
  const inv = ctl.state.invitation;
  const [bell, setBell] = useState<{ id: string; result: string } | undefined>();
  const [said, setSaid] = useState('');
  const [name, setName] = useState('');
  const nameRef = useRef<HTMLInputElement>(null);
  const popupRef = useRef<HTMLDivElement>(null);
  const id = inv?.inviteId;

  useEffect(() => {
    if (!id) return;
    let live = true;
    let retry: ((e: Event) => void) | undefined;
    const stopRetry = () => {
      if (!retry) return;
      document.removeEventListener('pointerdown', retry, true);
      document.removeEventListener('keydown', retry, true);
      retry = undefined;
    };
    setName('');
    setBell(undefined);
    // One brought along from the previous page rang there already.
    if (inv?.restored) setBell({ id, result: 'restored' });
    else
      void ringDoorbell().then((result) => {
        if (!live) return;
        setBell({ id, result });
        if (result !== 'blocked') return;
        // The browser wants a gesture first: ring on the visitor's next one elsewhere on the page
        // (one on the popup itself means they have already seen it).
        retry = (e: Event) => {
          if (popupRef.current && e.composedPath().includes(popupRef.current)) return;
          stopRetry();
          void ringDoorbell().then((again) => live && setBell({ id, result: again }));
        };
        document.addEventListener('pointerdown', retry, true);
        document.addEventListener('keydown', retry, true);
      });
    const t = setTimeout(
      () => live && setSaid(inv ? `${L.invitationAnnounce(inv.operatorName)}: ${inv.text}` : ''),
      50,
    );
    return () => {
      live = false;
      stopRetry();
      clearTimeout(t);
      setSaid('');
    };
  }, [id]);

  useEffect(() => {
    if (inv?.askName) nameRef.current?.focus();
  }, [inv?.askName]);

  return (
    <div class="inv-live">
      <p class="sr" aria-live="assertive">
        {said}
      </p>
      {inv && (
        <div
          ref={popupRef}
          class="inv"
          role="dialog"
          aria-labelledby="parley-inv-who"
          aria-describedby="parley-inv-text"
          data-testid="parley-invitation"
          data-invite-id={inv.inviteId}
          data-auto={inv.auto ? 'true' : 'false'}
          data-bell={bell?.id === inv.inviteId ? bell.result : 'pending'}
          onKeyDown={(e) => {
            if (e.key === 'Escape') ctl.declineInvitation();
          }}
        >
          <button
            type="button"
            class="icon inv-x"
            aria-label={L.invitationClose}
            title={L.invitationClose}
            data-testid="parley-invitation-close"
            onClick={() => ctl.declineInvitation()}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <path d="M6 6l12 12M18 6L6 18" />
            </svg>
          </button>
          <div class="inv-who">
            <span class="avatar" aria-hidden="true">
              {(inv.operatorName.trim()[0] || '?').toUpperCase()}
            </span>
            <span>
              <strong id="parley-inv-who" data-testid="parley-invitation-operator">
                {inv.operatorName}
              </strong>
              <small>{L.invitationTeam}</small>
            </span>
          </div>
          <p id="parley-inv-text" class="inv-text" data-testid="parley-invitation-text">
            {inv.text}
          </p>
          {inv.askName ? (
            <form
              class="inv-form"
              onSubmit={(e) => {
                e.preventDefault();
                ctl.acceptInvitation(name);
              }}
            >
              <label for="parley-inv-name">{L.invitationNameHint}</label>
              <input
                id="parley-inv-name"
                ref={nameRef}
                data-testid="parley-invitation-name"
                type="text"
                autocomplete="name"
                maxLength={LIMITS.name}
                placeholder={L.namePlaceholder}
                value={name}
                onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
              />
              <button type="submit" class="inv-go" data-testid="parley-invitation-start">
                {L.invitationStart}
              </button>
            </form>
          ) : (
            <button
              type="button"
              class="inv-go"
              data-testid="parley-invitation-accept"
              onClick={() => ctl.askInvitationName()}
            >
              {L.invitationStart}
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function PreChat({ ctl, lm, L }: { ctl: VisitorChat; lm: LeaveMessage; L: Labels }) {
  const s = ctl.state;
  const [name, setName] = useState('');
  const [dept, setDept] = useState('');
  const [wait, setWait] = useState(false);
  if (s.chatBlocked) {
    return (
      <div class="pre">
        <div class="greet" data-testid="parley-unavailable" data-autofocus tabIndex={-1}>
          {L.chatUnavailable}
        </div>
        <OfflineForm lm={lm} L={L} intro={null} />
      </div>
    );
  }
  // Nobody online: leaving a message comes first; a chat can still wait for the first operator.
  if (s.operatorsOnline <= 0 && !wait) {
    return (
      <div class="pre">
        <OfflineForm lm={lm} L={L} />
        <button type="button" class="link off-wait" data-testid="parley-offline-wait" onClick={() => setWait(true)}>
          {L.offlineWait}
        </button>
      </div>
    );
  }
  return (
    <div class="pre">
      <div class="greet">{s.greeting || L.greeting}</div>
      {s.operatorsOnline <= 0 && <p class="note">{L.offlineNotice}</p>}
      <form
        class="pre-form"
        onSubmit={(e) => {
          e.preventDefault();
          ctl.start(name, dept);
        }}
      >
        <label for="parley-name">{L.nameLabel}</label>
        <input
          id="parley-name"
          data-testid="parley-name"
          type="text"
          autocomplete="name"
          maxLength={LIMITS.name}
          placeholder={L.namePlaceholder}
          value={name}
          onInput={(e) => setName((e.currentTarget as HTMLInputElement).value)}
        />
        <DepartmentSelect id="dept" list={lm.state.departments} value={dept} set={setDept} L={L} />
        <button type="submit" class="primary" data-testid="parley-start" disabled={!s.connected}>
          {L.startChat}
        </button>
      </form>
    </div>
  );
}

function StatusLine({
  ctl,
  lm,
  L,
  mail,
  onMail,
  onLeave,
}: {
  ctl: VisitorChat;
  lm: LeaveMessage;
  L: Labels;
  mail: boolean;
  onMail: () => void;
  onLeave: () => void;
}) {
  useLeaveMessage(lm);
  const { chat, requesting } = ctl.state;
  const status = requesting || !chat ? 'requesting' : chat.status;
  const names = (chat?.operators ?? []).map((o) => o.name).filter(Boolean);
  const queued = status === 'queued' && !!chat;
  const now = useNow(queued);
  const waited = queueWait(chat, now);
  // The server's hint (the site's own queue timeout) when it gave one, else the default.
  const offerAt = lm.state.offerAt;
  const wait = { ...waited, tooLong: offerAt === undefined ? waited.tooLong : now >= offerAt };
  return (
    <div class="status" data-testid="parley-status" data-state={status} role="status">
      <div class="status-row">
        <span class="status-text">
          {status === 'active' ? (
            L.chattingWith(names.length ? names : [L.operator])
          ) : status === 'ended' ? (
            L.ended
          ) : (
            <>
              <strong>{L.routing}</strong>{' '}
              {queued && chat?.queuePosition ? (
                <span data-testid="parley-queue-position">{L.queuePosition(chat.queuePosition)}</span>
              ) : (
                ''
              )}
            </>
          )}
        </span>
        {chat && status === 'active' && (
          <button
            type="button"
            class={mail ? 'link link-mail on' : 'link link-mail'}
            data-testid="parley-transcript-open"
            aria-expanded={mail}
            title={L.transcriptTitle}
            aria-label={L.transcriptTitle}
            onClick={onMail}
          >
            <svg viewBox="0 0 24 24" aria-hidden="true">
              <rect x="3" y="5.5" width="18" height="13" rx="2" />
              <path d="M3.5 7l8.5 6 8.5-6" />
            </svg>
          </button>
        )}
        {chat && status !== 'ended' && (
          <button type="button" class="link" data-testid="parley-end" onClick={() => ctl.end()}>
            {L.endChat}
          </button>
        )}
        {status === 'ended' && (
          <button type="button" class="link link-new" data-autofocus onClick={() => ctl.newChat()}>
            {L.newChat}
          </button>
        )}
      </div>
      {queued && (
        <div class="wait" data-testid="parley-wait">
          {L.waitingFor(clock(wait.waitedMs))}
        </div>
      )}
      {(status === 'queued' || status === 'requesting') && (
        <div class="progress" aria-hidden="true">
          <span />
        </div>
      )}
      {/* Seeds 001/002: while queued, the visitor may leave a message instead, at any time. */}
      {queued && (
        <div
          class={wait.tooLong ? 'too-long' : 'wait'}
          data-testid={wait.tooLong ? 'parley-queue-too-long' : undefined}
        >
          {wait.tooLong && (
            <>
              <strong>{L.queueTooLong}</strong> {L.leaveMessageHint}{' '}
            </>
          )}
          <button type="button" class="link" data-testid="parley-queue-leave-message" onClick={onLeave}>
            {L.leaveMessage}
          </button>
        </div>
      )}
    </div>
  );
}

/** "E-mail me this transcript": during the chat (from the status line) and after it ended. */
function TranscriptForm({ ctl, L }: { ctl: VisitorChat; L: Labels }) {
  const t = ctl.state.transcript;
  const [email, setEmail] = useState(t?.email ?? '');
  if (t?.state === 'sent') {
    return (
      <div class="tr tr-done" data-testid="parley-transcript-state" data-state="sent" role="status">
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d="M5 12.5l4.5 4.5L19 7.5" />
        </svg>
        {L.transcriptSent(t.email)}
      </div>
    );
  }
  return (
    <form
      class="tr"
      data-testid="parley-transcript"
      onSubmit={(e) => {
        e.preventDefault();
        ctl.sendTranscript(email);
      }}
    >
      <label for="parley-tr-email">{L.transcriptTitle}</label>
      <div class="tr-row">
        <input
          id="parley-tr-email"
          type="email"
          required
          autocomplete="email"
          maxLength={LIMITS.email}
          placeholder={L.emailPlaceholder}
          aria-label={L.emailLabel}
          data-testid="parley-transcript-email"
          value={email}
          onInput={(e) => setEmail((e.currentTarget as HTMLInputElement).value)}
        />
        <button
          type="submit"
          class="primary"
          data-testid="parley-transcript-send"
          disabled={!email.trim() || t?.state === 'sending' || !ctl.state.connected}
        >
          {t?.state === 'sending' ? L.transcriptSending : L.transcriptSend}
        </button>
      </div>
      {(t?.state === 'already' || t?.state === 'error') && (
        <p class="tr-msg" data-testid="parley-transcript-state" data-state={t.state} role="alert">
          {t.state === 'already' ? L.transcriptAlready : L.transcriptError}
        </p>
      )}
    </form>
  );
}

function Message({ m, prev, L }: { m: ChatMessage; prev?: ChatMessage; L: Labels }) {
  const kind = m.from.kind;
  const showName = kind === 'operator' && (prev?.from.kind !== 'operator' || prev.from.id !== m.from.id);
  return (
    <li class={`msg ${kind}`} data-testid="parley-message" data-seq={m.seq} data-from={kind} data-id={m.id}>
      {showName && <span class="who">{m.from.name || L.operator}</span>}
      <span class="bubble">
        <Linkified text={m.text} />
      </span>
      {kind !== 'system' && <span class="meta">{time(m.at)}</span>}
    </li>
  );
}

function Pending({ p, L }: { p: PendingMessage; L: Labels }) {
  return (
    <li
      class={p.failed ? 'msg visitor pending failed' : 'msg visitor pending'}
      data-testid="parley-message"
      data-from="visitor"
      data-pending="true"
    >
      <span class="bubble">
        <Linkified text={p.text} />
      </span>
      <span class="meta">{p.failed ? L.notSent : L.sending}</span>
    </li>
  );
}

function ChatBody({ ctl, lm, L }: { ctl: VisitorChat; lm: LeaveMessage; L: Labels }) {
  const s = ctl.state;
  const listRef = useRef<HTMLOListElement>(null);
  const [draft, setDraft] = useState('');
  const [mail, setMail] = useState(false);
  /** The visitor waited too long and chose to leave a message instead. */
  const [leaving, setLeaving] = useState(false);
  useLeaveMessage(lm);
  const leftMessage = leaving && lm.state.phase === 'sent';
  // Nobody can take the chat (the server said so at once): the form comes up; the chat stays queued.
  const nobody = s.chat?.status === 'queued' && lm.state.offerAt !== undefined && lm.state.offerAt <= Date.now();
  useEffect(() => {
    if (nobody && s.operatorsOnline <= 0) setLeaving(true);
  }, [s.chat?.chatId, nobody]);
  // The message is sent: the queued chat is no longer needed (the message queue has it).
  useEffect(() => {
    if (leftMessage && s.chat?.status === 'queued') ctl.end();
  }, [leftMessage]);
  const ended = s.chat?.status === 'ended';
  const canWrite = !!s.chat && !ended;
  const pending = s.pending.filter((p) => p.chatId === s.chat?.chatId);

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [s.messages.length, pending.length, s.typing, ended, s.chat?.onHold, mail]);

  const submit = () => {
    if (ctl.sendText(draft)) setDraft('');
  };

  return (
    <>
      <StatusLine ctl={ctl} lm={lm} L={L} mail={mail} onMail={() => setMail(!mail)} onLeave={() => setLeaving(true)} />
      {leaving && (s.chat?.status === 'queued' || leftMessage) && (
        <div class="off-drop">
          <OfflineForm lm={lm} L={L} onBack={() => setLeaving(false)} />
        </div>
      )}
      {s.chat?.onHold && !ended && (
        <div class="hold" data-testid="parley-hold" role="status">
          <strong>{L.onHold}</strong>
          <span>{L.onHoldSub}</span>
        </div>
      )}
      {mail && !ended && s.chat && (
        <div class="tr-drop">
          <TranscriptForm ctl={ctl} L={L} />
        </div>
      )}
      <ol
        class="msgs"
        data-testid="parley-messages"
        role="log"
        aria-live="polite"
        aria-label={L.messagesLabel}
        ref={listRef}
      >
        {s.messages.map((m, i) => (
          <Message key={m.id} m={m} prev={s.messages[i - 1]} L={L} />
        ))}
        {pending.map((p) => (
          <Pending key={p.clientMsgId} p={p} L={L} />
        ))}
        {s.messages.length === 0 && pending.length === 0 && s.chat?.status === 'queued' && (
          <li class="hint">{L.waitHint}</li>
        )}
      </ol>
      {s.typing && (
        <div class="typing" data-testid="parley-typing">
          <span class="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {L.isTyping(s.typing.name)}
        </div>
      )}
      {ended && s.chat && (
        <div class="after">
          <TranscriptForm ctl={ctl} L={L} />
        </div>
      )}
      <form
        class="composer"
        onSubmit={(e) => {
          e.preventDefault();
          submit();
        }}
      >
        <textarea
          data-testid="parley-input"
          rows={1}
          aria-label={L.inputLabel}
          placeholder={ended ? L.ended : L.inputPlaceholder}
          maxLength={LIMITS.chatText}
          value={draft}
          disabled={!canWrite}
          onInput={(e) => {
            const el = e.currentTarget as HTMLTextAreaElement;
            setDraft(el.value);
            ctl.draftChanged(el.value);
            el.style.height = 'auto';
            el.style.height = `${Math.min(el.scrollHeight, 120)}px`;
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
              (e.currentTarget as HTMLTextAreaElement).style.height = 'auto';
            }
          }}
        />
        <button
          type="submit"
          class="send"
          data-testid="parley-send"
          aria-label={L.send}
          title={L.send}
          disabled={!canWrite || !draft.trim()}
        >
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d="M3.4 20.4l17.5-7.5c.8-.4.8-1.5 0-1.8L3.4 3.6c-.7-.3-1.4.3-1.2 1l1.6 6.1 9.2 1.3-9.2 1.3-1.6 6.1c-.2.7.5 1.3 1.2 1z" />
          </svg>
        </button>
      </form>
    </>
  );
}
