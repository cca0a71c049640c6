import type { VisitorRow } from '../../functions/protocol/events.js';
import { duration, hue, initials, shortUrl } from '../format.js';
import { type ConsoleStore, type VisitorFilter, visitorLabel } from '../store.js';
import { useNow } from './hooks.js';

const PRESENCE_ORDER = { chatting: 0, browsing: 1, departed: 2 } as const;
const CHAT_LABEL = { queued: 'Waiting', active: 'Chatting', ended: 'Ended' } as const;

function visible(v: VisitorRow, filter: VisitorFilter): boolean {
  if (filter === 'chatting') return v.presence === 'chatting' || v.chatStatus === 'queued' || v.chatStatus === 'active';
  if (filter === 'browsing') return v.presence !== 'departed';
  return true;
}

export function VisitorsGrid({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const now = useNow(1000);
  const all = Object.values(s.visitors);
  const rows = all
    .filter((v) => visible(v, s.filter))
    .sort((a, b) => PRESENCE_ORDER[a.presence] - PRESENCE_ORDER[b.presence] || b.lastSeen - a.lastSeen);
  const online = all.filter((v) => v.presence !== 'departed').length;

  return (
    <section class="panel visitors" aria-labelledby="visitors-h">
      <div class="panel-head">
        <h2 id="visitors-h">Visitors</h2>
        <span class="count" title="On the site now">
          {online} online
        </span>
        <div class="spacer" />
        <fieldset class="seg">
          <legend class="sr-only">Show visitors</legend>
          {(['all', 'browsing', 'chatting'] as const).map((f) => (
            <button
              type="button"
              key={f}
              class={s.filter === f ? 'on' : ''}
              aria-pressed={s.filter === f}
              onClick={() => store.setFilter(f)}
            >
              {f === 'all' ? 'All' : f === 'browsing' ? 'Browsing' : 'Chatting'}
            </button>
          ))}
        </fieldset>
      </div>
      <div class="table-wrap">
        <table class="grid" data-testid="visitors-grid">
          <thead>
            <tr>
              <th>Visitor</th>
              <th>Status</th>
              <th>Current page</th>
              <th class="num">On site</th>
              <th class="num">Visits</th>
              <th>Chat</th>
            </tr>
          </thead>
          <tbody>
            {rows.length === 0 && (
              <tr class="empty-row">
                <td colSpan={6}>
                  No visitors on the site right now. They appear here live as soon as they open a page.
                </td>
              </tr>
            )}
            {rows.map((v) => {
              const chat = v.chatId ? s.chats[v.chatId] : undefined;
              const label = visitorLabel(v, chat?.visitorName);
              const chatStatus = chat?.status || v.chatStatus;
              const open = () => v.chatId && chatStatus !== 'queued' && store.openTab(v.chatId);
              return (
                <tr
                  key={v.visitorId}
                  data-testid="visitor-row"
                  data-visitor-id={v.visitorId}
                  class={`presence-${v.presence}${v.chatId && chatStatus !== 'queued' ? ' clickable' : ''}`}
                  onClick={open}
                >
                  <td>
                    <div class="who">
                      <span
                        class="avatar avatar-sm"
                        style={{
                          background: `hsl(${hue(v.visitorId)} 55% 92%)`,
                          color: `hsl(${hue(v.visitorId)} 45% 32%)`,
                        }}
                        aria-hidden="true"
                      >
                        {v.name || chat?.visitorName ? initials(label) : '#'}
                      </span>
                      <span class="who-name" title={v.visitorId}>
                        {label}
                      </span>
                      {v.returning && <span class="tag">Returning</span>}
                    </div>
                  </td>
                  <td>
                    <span class={`pill pill-${v.presence}`}>{v.presence}</span>
                  </td>
                  <td class="page" data-testid="visitor-page">
                    <span class="page-title">{v.title || '(untitled page)'}</span>
                    <span class="page-url" title={v.url}>
                      {shortUrl(v.url)}
                    </span>
                  </td>
                  <td class="num mono">{duration(now - v.firstSeen)}</td>
                  <td class="num mono">{v.visits}</td>
                  <td>
                    {chatStatus ? (
                      <span class={`chip chip-${chatStatus}`}>{CHAT_LABEL[chatStatus]}</span>
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
    </section>
  );
}
