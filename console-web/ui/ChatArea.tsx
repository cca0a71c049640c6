import { useEffect, useRef, useState } from 'preact/hooks';
import type { CannedMessage, ChatMessage, ChatSummary } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { PendingMessage } from '../../widget/core/thread.js';
import { type CannedVars, expandShortcut, fillCanned, insertAt, shortcutAt, shortcutMatches } from '../canned.js';
import { initials, shortUrl, timeOfDay } from '../format.js';
import { type ConsoleStore, isMine, visitorLabel } from '../store.js';
import { CannedManager, CannedPicker, ShortcutSuggestions } from './Canned.js';
import { ChatTools } from './ChatTools.js';
import { ListIcon, PauseIcon } from './icons.js';
import { Linkified } from './Linkified.js';

export function ChatArea({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const overview = s.overview && s.tabs.length > 0;
  const active = !overview && s.activeTab ? s.chats[s.activeTab] : undefined;
  const unreadTotal = s.tabs.reduce((n, id) => n + (s.threads[id]?.unread ?? 0), 0);
  return (
    <section class="panel chats" aria-label="Chats">
      <div class="tabs" role="tablist">
        {s.tabs.length === 0 && <span class="tabs-empty">Chats</span>}
        {s.tabs.length > 0 && (
          <div class={`tab tab-overview${overview ? ' on' : ''}`}>
            <button
              type="button"
              role="tab"
              aria-selected={overview}
              class="tab-btn"
              data-testid="chat-overview-tab"
              title="All your chats with their last message"
              onClick={() => store.showOverview()}
            >
              <ListIcon />
              <span>Overview</span>
              {!overview && unreadTotal > 0 ? <span class="badge badge-alert">{unreadTotal}</span> : null}
            </button>
          </div>
        )}
        {s.tabs.map((id) => {
          const c = s.chats[id];
          if (!c) return null;
          const t = s.threads[id];
          const mine = isMine(c, s.me);
          const selected = !overview && id === s.activeTab;
          return (
            <div key={id} class={`tab${selected ? ' on' : ''} tab-${c.status}${c.onHold ? ' tab-held' : ''}`}>
              <button
                type="button"
                role="tab"
                aria-selected={selected}
                class="tab-btn"
                data-testid="chat-tab"
                data-chat-id={id}
                data-held={c.onHold ? 'true' : undefined}
                onClick={() => store.activate(id)}
              >
                <span class={`dot dot-${c.onHold && c.status === 'active' ? 'held' : c.status}`} />
                <span class="ellipsis">{visitorLabel(s.visitors[c.visitorId], c.visitorName)}</span>
                {c.onHold && c.status === 'active' && (
                  <span class="tab-held-mark" title="On hold">
                    <PauseIcon size={11} />
                  </span>
                )}
                {!mine && c.status !== 'ended' && <span class="tab-ro">view</span>}
                {t?.unread ? (
                  <span class="badge badge-alert" data-testid="tab-unread">
                    {t.unread}
                  </span>
                ) : null}
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
      {overview ? (
        <ChatOverview store={store} />
      ) : active ? (
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

/** The chat overview (seed 002): every session in my tabs with its last message. */
function ChatOverview({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const rows = s.tabs
    .map((id) => s.chats[id])
    .filter((c): c is ChatSummary => !!c)
    .sort(
      (a, b) =>
        rank(a) - rank(b) || lastAt(s.threads[b.chatId]?.messages, b) - lastAt(s.threads[a.chatId]?.messages, a),
    );
  return (
    <ul class="overview" data-testid="chat-overview" aria-label="Your chats">
      {rows.map((c) => {
        const t = s.threads[c.chatId];
        const last = lastMessage(t?.messages);
        const v = s.visitors[c.visitorId];
        const name = visitorLabel(v, c.visitorName);
        const mine = isMine(c, s.me);
        const state =
          c.status === 'ended'
            ? 'Ended'
            : c.onHold
              ? 'On hold'
              : !mine
                ? 'Read only'
                : waitingOn(t?.messages, s.me?.id);
        return (
          <li key={c.chatId}>
            <button
              type="button"
              class={`ov-row${t?.unread ? ' unread' : ''}`}
              data-testid="overview-row"
              data-chat-id={c.chatId}
              onClick={() => store.activate(c.chatId)}
            >
              <span class="avatar avatar-md" aria-hidden="true">
                {initials(name)}
              </span>
              <span class="ov-main">
                <span class="ov-top">
                  <strong class="ellipsis">{name}</strong>
                  <span
                    class={`ov-state ov-${c.status === 'ended' ? 'ended' : c.onHold ? 'held' : !mine ? 'view' : state === 'Waiting for you' ? 'waiting' : 'active'}`}
                  >
                    {c.onHold && c.status === 'active' && <PauseIcon size={10} />}
                    {state}
                  </span>
                  {v && <span class="ov-page ellipsis muted">{v.title || shortUrl(v.url)}</span>}
                </span>
                <span class="ov-last ellipsis" data-testid="overview-last">
                  {last ? (
                    <>
                      <span class="ov-from">
                        {last.from.kind === 'operator' && last.from.id === s.me?.id ? 'You' : last.from.name}:
                      </span>{' '}
                      {last.text}
                    </>
                  ) : (
                    <span class="muted">No messages yet</span>
                  )}
                </span>
              </span>
              <span class="ov-side">
                <span class="mono muted">{last ? timeOfDay(last.at) : ''}</span>
                {t?.unread ? <span class="badge badge-alert">{t.unread}</span> : null}
              </span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

const rank = (c: ChatSummary) => (c.status === 'active' ? 0 : c.status === 'queued' ? 1 : 2);
const lastAt = (m: ChatMessage[] | undefined, c: ChatSummary) => lastMessage(m)?.at ?? c.acceptedAt ?? c.createdAt;
function lastMessage(messages: ChatMessage[] | undefined): ChatMessage | undefined {
  if (!messages) return undefined;
  for (let i = messages.length - 1; i >= 0; i--) if (messages[i]?.from.kind !== 'system') return messages[i];
  return messages[messages.length - 1];
}
function waitingOn(messages: ChatMessage[] | undefined, meId: string | undefined): string {
  const last = lastMessage(messages);
  if (!last || last.from.kind === 'system') return 'Active';
  return last.from.kind === 'visitor' ? 'Waiting for you' : last.from.id === meId ? 'Waiting for visitor' : 'Active';
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
  const [addedSeen, setAddedSeen] = useState(false);

  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [messages.length, pending.length, t?.typing]);

  const statusText =
    chat.status === 'ended'
      ? 'Chat ended'
      : chat.status === 'queued'
        ? 'Waiting in queue'
        : chat.onHold
          ? 'On hold'
          : mine
            ? 'Active'
            : `Active · ${chat.operators.map((o) => o.name).join(', ') || 'another operator'}`;
  const others = chat.operators.filter((o) => o.id !== s.me?.id);
  const addedForMe = mine && !ended && chat.addedOperator?.id === s.me?.id && !addedSeen;
  const addedBy =
    chat.addedOperator &&
    (s.operators.find((o) => o.id === chat.addedOperator?.by)?.name ??
      chat.operators.find((o) => o.id === chat.addedOperator?.by)?.name ??
      'Another operator');
  const name = visitorLabel(v, chat.visitorName);

  return (
    <div class="chat-pane" data-testid="chat-pane" data-chat-id={chat.chatId}>
      <div class="chat-head">
        <span class="avatar avatar-md avatar-indigo" aria-hidden="true">
          {initials(name)}
        </span>
        <div class="chat-who">
          <strong>{name}</strong>
          {v && (
            <span class="muted ellipsis" title={v.url}>
              on {v.title || 'a page'} · {shortUrl(v.url)}
            </span>
          )}
        </div>
        {mine && others.length > 0 && !ended && (
          <span
            class="chip chip-with"
            title={`Also in this chat: ${others.map((o) => o.name).join(', ')}`}
            data-testid="chat-with"
          >
            + {others.map((o) => o.name).join(', ')}
          </span>
        )}
        <span
          class={`chip chip-${chat.onHold && !ended ? 'held' : chat.status}${mine && !ended && !chat.onHold ? ' sr-only' : ''}`}
          data-testid="chat-status"
          data-held={chat.onHold ? 'true' : undefined}
        >
          {statusText}
        </span>
        {mine && <ChatTools store={store} chat={chat} />}
        {ended && (
          <button type="button" class="btn btn-ghost btn-sm" onClick={() => store.closeTab(chat.chatId)}>
            Close
          </button>
        )}
      </div>
      {addedForMe && (
        <div class="chat-banner banner-added" role="status" data-testid="added-notice">
          <strong>{addedBy} added you to this chat — it is meant for you.</strong>
          <span>You are in the conversation with {name}; they can leave it to you.</span>
          <button type="button" class="banner-x" aria-label="Dismiss" onClick={() => setAddedSeen(true)}>
            ×
          </button>
        </div>
      )}
      {mine && chat.onHold && !ended && (
        <div class="chat-banner banner-held" role="status" data-testid="held-notice">
          <PauseIcon />
          <span>
            <strong>On hold.</strong> {name} was told you will be right back.
          </span>
        </div>
      )}
      <ol class="thread" ref={listRef} role="log" aria-live="polite" aria-label="Messages">
        {messages.length === 0 && pending.length === 0 && <li class="thread-empty muted">No messages yet.</li>}
        {messages.map((m, i) => (
          <Message
            key={m.id}
            m={m}
            prev={messages[i - 1]}
            self={m.from.kind === 'operator' && m.from.id === s.me?.id}
            colleague={m.from.kind === 'operator' && m.from.id !== s.me?.id && mine}
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
        <Composer store={store} chat={chat} vars={{ name: s.me?.name || 'your operator', visitor: name }} />
      ) : (
        <div class="composer-note muted">
          {ended ? 'This chat has ended.' : 'Read-only: this chat is handled by another operator.'}
        </div>
      )}
    </div>
  );
}

function Composer({ store, chat, vars }: { store: ConsoleStore; chat: ChatSummary; vars: CannedVars }) {
  const s = store.state;
  const ended = chat.status === 'ended';
  const inputRef = useRef<HTMLTextAreaElement>(null);
  const [draft, setDraft] = useState('');
  const [caret, setCaret] = useState(0);
  const [pick, setPick] = useState(0);
  const [hidden, setHidden] = useState<string | undefined>();
  const [managing, setManaging] = useState(false);
  const caretAfter = useRef<number | undefined>(undefined);

  useEffect(() => {
    if (!ended) inputRef.current?.focus();
  }, [ended]);
  useEffect(() => {
    const el = inputRef.current;
    if (el && caretAfter.current !== undefined) {
      el.setSelectionRange(caretAfter.current, caretAfter.current);
      caretAfter.current = undefined;
    }
  }, [draft]);

  const at = shortcutAt(draft, caret);
  const suggestions = at && hidden !== draft ? shortcutMatches(s.canned, at.query) : [];
  const index = Math.min(pick, Math.max(0, suggestions.length - 1));

  const change = (value: string, nextCaret: number) => {
    caretAfter.current = nextCaret;
    setDraft(value);
    setCaret(nextCaret);
    setPick(0);
    store.draftChanged(chat.chatId, value);
  };
  const submit = () => {
    if (store.sendText(chat.chatId, draft)) {
      setDraft('');
      setCaret(0);
    }
  };
  const useCanned = (c: CannedMessage) => {
    const el = inputRef.current;
    const start = el?.selectionStart ?? draft.length;
    const end = el?.selectionEnd ?? draft.length;
    const next = insertAt(draft, start, end, fillCanned(c.text, vars));
    change(next.draft, next.caret);
    el?.focus();
  };
  const expand = (c?: CannedMessage) => {
    const r = expandShortcut(draft, caret, s.canned, vars, c);
    if (!r) return false;
    change(r.draft, r.caret);
    return true;
  };
  const track = (e: Event) => setCaret((e.currentTarget as HTMLTextAreaElement).selectionStart ?? 0);

  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <ShortcutSuggestions
        items={suggestions}
        index={index}
        onPick={(c) => {
          expand(c);
          inputRef.current?.focus();
        }}
      />
      <CannedPicker store={store} disabled={ended} onPick={useCanned} onManage={() => setManaging(true)} />
      <textarea
        ref={inputRef}
        data-testid="chat-input"
        rows={2}
        aria-label="Reply"
        placeholder={
          ended ? 'This chat has ended.' : 'Write a reply… (Enter sends, Shift+Enter a new line, / for canned messages)'
        }
        maxLength={LIMITS.chatText}
        value={draft}
        disabled={ended}
        onInput={(e) => {
          const el = e.currentTarget as HTMLTextAreaElement;
          setDraft(el.value);
          setCaret(el.selectionStart ?? el.value.length);
          setPick(0);
          store.draftChanged(chat.chatId, el.value);
        }}
        onKeyUp={track}
        onClick={track}
        onKeyDown={(e) => {
          if (e.isComposing) return;
          if (suggestions.length > 0) {
            if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
              e.preventDefault();
              const n = suggestions.length;
              setPick((index + (e.key === 'ArrowDown' ? 1 : n - 1)) % n);
              return;
            }
            if (e.key === 'Escape') {
              e.preventDefault();
              setHidden(draft);
              return;
            }
            if ((e.key === 'Tab' && !e.shiftKey) || (e.key === 'Enter' && !e.shiftKey)) {
              if (expand(suggestions[index])) {
                e.preventDefault();
                return;
              }
            }
          } else if (e.key === 'Tab' && !e.shiftKey && expand()) {
            e.preventDefault();
            return;
          }
          if (e.key === 'Enter' && !e.shiftKey) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <button type="submit" class="btn btn-primary" data-testid="chat-send" disabled={ended || !draft.trim()}>
        Send
      </button>
      {managing && <CannedManager store={store} onClose={() => setManaging(false)} />}
    </form>
  );
}

function Message({
  m,
  prev,
  self,
  colleague,
}: {
  m: ChatMessage;
  prev?: ChatMessage;
  self: boolean;
  /** Another operator's message in a chat I take part in (a transfer or a conference). */
  colleague?: boolean;
}) {
  const kind = m.from.kind;
  const side = kind === 'system' ? 'system' : kind === 'visitor' ? 'them' : colleague ? 'us m-colleague' : 'us';
  const showName = kind !== 'system' && (prev?.from.id !== m.from.id || prev?.from.kind !== kind);
  return (
    <li class={`m m-${side}`} data-testid="chat-message" data-seq={m.seq} data-from={kind} data-id={m.id}>
      {showName && (
        <span class="m-name">
          {self ? 'You' : m.from.name}
          <span class="m-time">{timeOfDay(m.at)}</span>
        </span>
      )}
      <span class="m-bubble">
        <Linkified text={m.text} />
      </span>
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
      <span class="m-bubble">
        <Linkified text={p.text} />
      </span>
      <span class="m-state">{p.failed ? 'Not sent' : 'Sending…'}</span>
    </li>
  );
}
