/**
 * chat.js — the chat window, loaded lazily by parley.js and rendered with Preact inside the
 * loader's shadow root. All visitor and operator text is rendered as Preact text nodes.
 */
import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import css from './chat.css';
import { VisitorChat } from './chat-controller.js';
import type { PendingMessage } from './core/thread.js';
import type { ChatHost, ChatWindow } from './host.js';
import type { Labels } from './i18n.js';

export function mount(host: ChatHost): ChatWindow {
  const style = document.createElement('style');
  style.textContent = css;
  host.root.append(style);
  const ctl = new VisitorChat(host);
  host.listen((e) => ctl.handle(e));
  render(<ChatApp ctl={ctl} labels={host.labels} />, host.slot);
  return { open: () => ctl.open() };
}

const time = (at: number) => {
  try {
    return new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
  } catch {
    return '';
  }
};

function ChatApp({ ctl, labels: L }: { ctl: VisitorChat; labels: Labels }) {
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
  };

  return (
    <section
      ref={winRef}
      class="win"
      role="dialog"
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
      {s.step === 'prechat' ? <PreChat ctl={ctl} L={L} /> : <ChatBody ctl={ctl} L={L} />}
      {s.notice && (
        <div class="notice" role="alert">
          {s.notice.text}
        </div>
      )}
    </section>
  );
}

function PreChat({ ctl, L }: { ctl: VisitorChat; L: Labels }) {
  const s = ctl.state;
  const [name, setName] = useState('');
  if (s.chatBlocked) {
    return (
      <div class="pre">
        <div class="greet" data-testid="parley-unavailable" data-autofocus tabIndex={-1}>
          {L.chatUnavailable}
        </div>
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
          ctl.start(name);
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
        <button type="submit" class="primary" data-testid="parley-start" disabled={!s.connected}>
          {L.startChat}
        </button>
      </form>
    </div>
  );
}

function StatusLine({ ctl, L }: { ctl: VisitorChat; L: Labels }) {
  const { chat, requesting } = ctl.state;
  const status = requesting || !chat ? 'requesting' : chat.status;
  const operator = chat?.operators?.[0]?.name || L.operator;
  return (
    <div class="status" data-testid="parley-status" data-state={status} role="status">
      <div class="status-row">
        <span class="status-text">
          {status === 'active' ? (
            L.chattingWith(operator)
          ) : status === 'ended' ? (
            L.ended
          ) : (
            <>
              <strong>{L.routing}</strong>{' '}
              {status === 'queued' && chat?.queuePosition ? L.queuePosition(chat.queuePosition) : ''}
            </>
          )}
        </span>
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
      {(status === 'queued' || status === 'requesting') && (
        <div class="progress" aria-hidden="true">
          <span />
        </div>
      )}
    </div>
  );
}

function Message({ m, prev, L }: { m: ChatMessage; prev?: ChatMessage; L: Labels }) {
  const kind = m.from.kind;
  const showName = kind === 'operator' && (prev?.from.kind !== 'operator' || prev.from.id !== m.from.id);
  return (
    <li class={`msg ${kind}`} data-testid="parley-message" data-seq={m.seq} data-from={kind} data-id={m.id}>
      {showName && <span class="who">{m.from.name || L.operator}</span>}
      <span class="bubble">{m.text}</span>
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
      <span class="bubble">{p.text}</span>
      <span class="meta">{p.failed ? L.notSent : L.sending}</span>
    </li>
  );
}

function ChatBody({ ctl, L }: { ctl: VisitorChat; L: Labels }) {
  const s = ctl.state;
  const listRef = useRef<HTMLOListElement>(null);
  const [draft, setDraft] = useState('');
  const ended = s.chat?.status === 'ended';
  const canWrite = !!s.chat && !ended;
  const pending = s.pending.filter((p) => p.chatId === s.chat?.chatId);

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [s.messages.length, pending.length, s.typing]);

  const submit = () => {
    if (ctl.sendText(draft)) setDraft('');
  };

  return (
    <>
      <StatusLine ctl={ctl} L={L} />
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
