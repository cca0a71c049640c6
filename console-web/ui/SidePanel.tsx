import { clock, shortUrl } from '../format.js';
import { type ConsoleStore, isMine, visitorLabel } from '../store.js';
import { useNow } from './hooks.js';

export function SidePanel({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const now = useNow(1000);
  const queue = store.queue();
  const active = store.activeChats();

  return (
    <aside class="side">
      <section class="panel queue" aria-labelledby="queue-h">
        <div class="panel-head">
          <h2 id="queue-h">Incoming requests</h2>
          {queue.length > 0 && <span class="badge badge-alert">{queue.length}</span>}
        </div>
        <div class="queue-list">
          {queue.length === 0 && (
            <p class="empty">
              No one is waiting.
              <br />
              New requests ring a bell.
            </p>
          )}
          {queue.map((c) => {
            const v = s.visitors[c.visitorId];
            return (
              <article key={c.chatId} class="queue-item" data-testid="queue-item" data-chat-id={c.chatId}>
                <div class="qi-top">
                  <span class="qi-pos" title="Position in the queue">
                    {c.queuePosition ?? '·'}
                  </span>
                  <div class="qi-who">
                    <strong>{visitorLabel(v, c.visitorName)}</strong>
                    {v && (
                      <span class="qi-page" title={v.url}>
                        {v.title || shortUrl(v.url)}
                      </span>
                    )}
                  </div>
                  <span class="qi-wait mono" title="Waiting">
                    {clock(now - c.createdAt)}
                  </span>
                </div>
                <div class="qi-actions">
                  <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="accept-chat"
                    onClick={() => store.accept(c.chatId)}
                  >
                    Accept
                  </button>
                  <button
                    type="button"
                    class="btn btn-ghost"
                    data-testid="decline-chat"
                    onClick={() => store.decline(c.chatId)}
                  >
                    Decline
                  </button>
                </div>
              </article>
            );
          })}
        </div>
      </section>

      <section class="panel ongoing" aria-labelledby="ongoing-h">
        <div class="panel-head">
          <h2 id="ongoing-h">Active chats</h2>
          <span class="count">{active.length}</span>
        </div>
        <ul class="plain-list">
          {active.length === 0 && <li class="empty">None right now.</li>}
          {active.map((c) => (
            <li key={c.chatId}>
              <button type="button" class="row-btn" onClick={() => store.openTab(c.chatId)}>
                <span class={isMine(c, s.me) ? 'dot dot-mine' : 'dot'} />
                <span class="ellipsis">{visitorLabel(s.visitors[c.visitorId], c.visitorName)}</span>
                <span class="muted ellipsis">{c.operators.map((o) => o.name).join(', ')}</span>
                <span class="mono muted">{clock(now - (c.acceptedAt ?? c.createdAt))}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section class="panel team" aria-labelledby="team-h">
        <div class="panel-head">
          <h2 id="team-h">Operators</h2>
        </div>
        <ul class="plain-list">
          {s.operators.map((o) => (
            <li key={o.id} class="op">
              <span class={`status-dot status-${o.status}`} />
              <span class="ellipsis">
                {o.name}
                {o.id === s.me?.id ? ' (you)' : ''}
              </span>
              <span class="muted">{o.status}</span>
            </li>
          ))}
        </ul>
      </section>
    </aside>
  );
}
