/**
 * The communication summary (seed 002): always at the bottom of the console, whatever the view.
 * In progress (my chats / all chats, on hold) and the queues (chats, offline messages) with their
 * Next buttons. It rolls up to the queues only.
 */
import { useState } from 'preact/hooks';
import { nextChat, summaryCounts } from '../routing.js';
import type { ConsoleStore } from '../store.js';
import { ChevronIcon } from './icons.js';

const KEY = 'parley:summary-collapsed';

function loadCollapsed(): boolean {
  try {
    return localStorage.getItem(KEY) === '1';
  } catch {
    return false;
  }
}

export function SummaryBar({
  store,
  onOpenChats,
  newMessages = 0,
  onOpenMessages,
}: {
  store: ConsoleStore;
  onOpenChats: () => void;
  /** New offline messages this operator may see, and the way to the Message Queue. */
  newMessages?: number;
  onOpenMessages?: () => void;
}) {
  const s = store.state;
  const [collapsed, setCollapsed] = useState(loadCollapsed);
  const counts = summaryCounts(s.chats, s.me?.id, s.declined);
  const next = nextChat(s.chats, s.me?.id, s.declined);
  const limit = store.chatLimit();
  const toggle = () => {
    const v = !collapsed;
    setCollapsed(v);
    try {
      localStorage.setItem(KEY, v ? '1' : '0');
    } catch {
      /* not remembered */
    }
  };
  const online = s.operators.filter((o) => o.status === 'online').length;

  return (
    <section
      class={collapsed ? 'summary collapsed' : 'summary'}
      aria-label="Communication summary"
      data-testid="summary-bar"
    >
      <button
        type="button"
        class="summary-toggle"
        aria-expanded={!collapsed}
        title={collapsed ? 'Show the whole summary' : 'Roll up to the queues'}
        data-testid="summary-toggle"
        onClick={toggle}
      >
        <ChevronIcon up={collapsed} />
        <span class="summary-title">Communication summary</span>
      </button>
      {!collapsed && (
        <div class="summary-group">
          <span class="summary-label">In progress</span>
          <button
            type="button"
            class="summary-stat"
            title={`Your chats (at most ${limit} at a time)`}
            data-testid="summary-mine"
            data-count={counts.mine}
            onClick={onOpenChats}
          >
            <span class="summary-n">{counts.mine}</span>
            <span class="summary-of">/ {limit}</span> mine
          </button>
          <span class="summary-stat" title="Active chats on the site" data-testid="summary-all" data-count={counts.all}>
            <span class="summary-n">{counts.all}</span> all
          </span>
          <span class={`summary-stat${counts.held ? ' held' : ''}`} title="Your chats on hold" data-count={counts.held}>
            <span class="summary-n">{counts.held}</span> on hold
          </span>
        </div>
      )}
      <div class="summary-group">
        <span class="summary-label">Queues</span>
        <span
          class={`summary-stat${counts.waiting ? ' alert' : ''}`}
          title={counts.offered ? `${counts.offered} offered to you` : 'Chats waiting for an operator'}
          data-testid="summary-waiting"
          data-count={counts.waiting}
        >
          <span class="summary-n">{counts.waiting}</span> {counts.waiting === 1 ? 'chat' : 'chats'}
        </span>
        <button
          type="button"
          class="btn btn-primary btn-xs"
          data-testid="summary-next-chat"
          disabled={!next}
          title={next ? 'Take the visitor who has waited longest' : 'Nobody is waiting'}
          onClick={() => next && store.askAccept(next.chatId)}
        >
          Next chat
        </button>
        <span class="summary-stat" title="Offline messages waiting for an answer" data-testid="summary-messages">
          <span class="summary-n">{newMessages}</span> {newMessages === 1 ? 'message' : 'messages'}
        </span>
        <button
          type="button"
          class="btn btn-ghost btn-xs"
          data-testid="summary-next-message"
          disabled={newMessages <= 0 || !onOpenMessages}
          title={newMessages > 0 ? 'Open the Message Queue' : 'No offline messages are waiting'}
          onClick={() => onOpenMessages?.()}
        >
          Next message
        </button>
      </div>
      {!collapsed && (
        <div class="summary-group summary-team">
          <span class="status-dot status-online" aria-hidden="true" />
          <span>
            {online} {online === 1 ? 'operator' : 'operators'} online
          </span>
        </div>
      )}
    </section>
  );
}
