import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChatMessage, ChatSummary } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { PendingMessage } from '../../widget/core/thread.js';
import { shortUrl, timeOfDay } from '../format.js';
import { type ConsoleStore, isMine, visitorLabel } from '../store.js';

export function ChatArea({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const active = s.activeTab ? s.chats[s.activeTab] : undefined;
  return (
    <section class="panel chats" aria-label="Chats">
      <div class="tabs" role="tablist">
        {s.tabs.length === 0 && <span class="tabs-empty">Chats</span>}
        {s.tabs.map((id) => {
          const c = s.chats[id];
          if (!c) return null;
          const t = s.threads[id];
          const mine = isMine(c, s.me);
          const selected = id === s.activeTab;
          return (
            <div key={id} class={`tab${selected ? ' on' : ''} tab-${c.status}`}>
              <button
                type="button"
                role="tab"
                aria-selected={selected}
                class="tab-btn"
                data-testid="chat-tab"
                data-chat-id={id}
                onClick={() => store.activate(id)}
              >
                <span class={`dot dot-${c.status}`} />
                <span class="ellipsis">{visitorLabel(s.visitors[c.visitorId], c.visitorName)}</span>
                {!mine && c.status !== 'ended' && <span class="tab-ro">view</span>}
                {t?.unread ? <span class="badge badge-alert">{t.unread}</span> : null}
              </button>
              {(c.status === 'ended' || !mine) && (
                <button
                  type="button"
                  class="tab-x"
                  aria-label="Close tab"
                  title="Close"
                  onClick={() => store.closeTab(id)}
                >
                  ×
                </button>
              )}
            </div>
          );
        })}
      </div>
      {active ? (
        <ChatPane key={active.chatId} store={store} chat={active} />
      ) : (
        <div class="chat-empty">
          <svg class="chat-empty-icon" viewBox="0 0 24 24" aria-hidden="true">
            <path d="M12 3C6.5 3 2 6.9 2 11.7c0 2.4 1.1 4.5 2.9 6.1L4 21.4l4.4-1.8c1.1.4 2.3.6 3.6.6 5.5 0 10-3.9 10-8.6S17.5 3 12 3z" />
          </svg>
          <p>
            <strong>No chat open</strong>
          </p>
          <p class="muted">Accept a request from the queue, or pick an active chat to follow it.</p>
        </div>
      )}
    </section>
  );
}

function ChatPane({ store, chat }: { store: ConsoleStore; chat: ChatSummary }) {
  const s = store.state;
  const t = s.threads[chat.chatId];
  const messages = t?.messages || [];
  const pending = t?.pending || [];
  const mine = isMine(chat, s.me);
  const ended = chat.status === 'ended';
  const v = s.visitors[chat.visitorId];
  const listRef = useRef<HTMLOListElement>(null);
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const [draft, setDraft] = useState('');

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, pending.length, t?.typing]);
  useEffect(() => {
    if (mine && !ended) inputRef.current?.focus();
  }, [mine, ended]);

  const statusText =
    chat.status === 'ended'
      ? 'Chat ended'
      : chat.status === 'queued'
        ? 'Waiting in queue'
        : mine
          ? 'Active'
          : `Active · ${chat.operators.map((o) => o.name).join(', ') || 'another operator'}`;

  const submit = () => {
    if (store.sendText(chat.chatId, draft)) setDraft('');
  };

  return (
    <div class="chat-pane" data-testid="chat-pane" data-chat-id={chat.chatId}>
      <div class="chat-head">
        <div class="chat-who">
          <strong>{visitorLabel(v, chat.visitorName)}</strong>
          {v && (
            <span class="muted ellipsis" title={v.url}>
              on {v.title || 'a page'} · {shortUrl(v.url)}
            </span>
          )}
        </div>
        <span class={`chip chip-${chat.status}`} data-testid="chat-status">
          {statusText}
        </span>
        {mine && !ended && (
          <button
            type="button"
            class="btn btn-danger-ghost"
            data-testid="chat-end"
            onClick={() => store.endChat(chat.chatId)}
          >
            End chat
          </button>
        )}
        {ended && (
          <button type="button" class="btn btn-ghost" onClick={() => store.closeTab(chat.chatId)}>
            Close
          </button>
        )}
      </div>
      <ol class="thread" ref={listRef} role="log" aria-live="polite" aria-label="Messages">
        {messages.length === 0 && pending.length === 0 && <li class="thread-empty muted">No messages yet.</li>}
        {messages.map((m, i) => (
          <Message
            key={m.id}
            m={m}
            prev={messages[i - 1]}
            self={m.from.kind === 'operator' && m.from.id === s.me?.id}
          />
        ))}
        {pending.map((p) => (
          <Pending key={p.clientMsgId} p={p} />
        ))}
      </ol>
      {t?.typing && (
        <div class="typing" data-testid="chat-typing">
          <span class="dots" aria-hidden="true">
            <i />
            <i />
            <i />
          </span>
          {t.typing.name} is typing…
        </div>
      )}
      {mine ? (
        <form
          class="composer"
          onSubmit={(e) => {
            e.preventDefault();
            submit();
          }}
        >
          <textarea
            ref={inputRef}
            data-testid="chat-input"
            rows={2}
            aria-label="Reply"
            placeholder={ended ? 'This chat has ended.' : 'Write a reply… (Enter sends, Shift+Enter for a new line)'}
            maxLength={LIMITS.chatText}
            value={draft}
            disabled={ended}
            onInput={(e) => {
              const value = (e.currentTarget as HTMLTextAreaElement).value;
              setDraft(value);
              store.draftChanged(chat.chatId, value);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
                e.preventDefault();
                submit();
              }
            }}
          />
          <button type="submit" class="btn btn-primary" data-testid="chat-send" disabled={ended || !draft.trim()}>
            Send
          </button>
        </form>
      ) : (
        <div class="composer-note muted">
          {ended ? 'This chat has ended.' : 'Read-only: this chat is handled by another operator.'}
        </div>
      )}
    </div>
  );
}

function Message({ m, prev, self }: { m: ChatMessage; prev?: ChatMessage; self: boolean }) {
  const kind = m.from.kind;
  const side = kind === 'system' ? 'system' : kind === 'visitor' ? 'them' : 'us';
  const showName = kind !== 'system' && (prev?.from.id !== m.from.id || prev?.from.kind !== kind);
  return (
    <li class={`m m-${side}`} data-testid="chat-message" data-seq={m.seq} data-from={kind} data-id={m.id}>
      {showName && (
        <span class="m-name">
          {self ? 'You' : m.from.name}
          <span class="m-time">{timeOfDay(m.at)}</span>
        </span>
      )}
      <span class="m-bubble">{m.text}</span>
    </li>
  );
}

function Pending({ p }: { p: PendingMessage }) {
  return (
    <li
      class={`m m-us m-pending${p.failed ? ' m-failed' : ''}`}
      data-testid="chat-message"
      data-from="operator"
      data-pending="true"
    >
      <span class="m-bubble">{p.text}</span>
      <span class="m-state">{p.failed ? 'Not sent' : 'Sending…'}</span>
    </li>
  );
}
