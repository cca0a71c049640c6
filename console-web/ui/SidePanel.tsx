/**
 * The side column: the communication queue (every waiting visitor, how long and for whom; any of
 * them can be started, not only the first), the chats in progress on the site, and the team with
 * each operator's status and chats.
 */
import { clock, shortUrl } from '../format.js';
import { activeChatsByOperator, queueStatus } from '../routing.js';
import { type ConsoleStore, isMine, visitorLabel } from '../store.js';
import { useNow } from './hooks.js';
import { PauseIcon } from './icons.js';

const STATUS_WORD = { online: 'Online', away: 'Away', offline: 'Offline' } as const;

export function SidePanel({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const now = useNow(1000);
  const queue = store.queue();
  const active = store.activeChats();
  const perOperator = activeChatsByOperator(s.chats);
  const team = [...s.operators].sort(
    (a, b) =>
      Number(a.status === 'offline') - Number(b.status === 'offline') ||
      Number(b.id === s.me?.id) - Number(a.id === s.me?.id) ||
      a.name.localeCompare(b.name),
  );

  return (
    <aside class="side">
      <section class="panel queue" aria-labelledby="queue-h" data-testid="queue-panel">
        <div class="panel-head">
          <h2 id="queue-h">Communication queue</h2>
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
          {queue.map((c, i) => {
            const v = s.visitors[c.visitorId];
            const st = queueStatus(c, s.me?.id, s.operators);
            const accepting = store.isAccepting(c.chatId);
            return (
              <article
                key={c.chatId}
                class={`queue-item${st.offeredToMe ? ' offered' : ''}`}
                data-testid="queue-item"
                data-chat-id={c.chatId}
                data-status={st.kind}
              >
                <div class="qi-top">
                  <span class="qi-pos" title="Position in the queue">
                    {i + 1}
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
                <div class="qi-status">
                  <span class={`qs qs-${st.kind}`} data-testid="queue-status">
                    {st.label}
                  </span>
                  <span class="qi-offer muted">
                    {st.offeredToMe
                      ? s.parked[c.chatId]
                        ? 'Queued by you'
                        : 'Offered to you'
                      : st.offeredCount > 0
                        ? `Offered to ${st.offeredCount} ${st.offeredCount === 1 ? 'operator' : 'operators'}`
                        : 'No operator free'}
                  </span>
                </div>
                <div class="qi-actions">
                  <button
                    type="button"
                    class="btn btn-primary"
                    data-testid="accept-chat"
                    disabled={accepting}
                    onClick={() => store.accept(c.chatId)}
                  >
                    {accepting ? 'Accepting…' : 'Accept'}
                  </button>
                  <button
                    type="button"
                    class="btn btn-ghost"
                    data-testid="decline-chat"
                    disabled={accepting}
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
          <h2 id="ongoing-h">Chats in progress</h2>
          <span class="count">{active.length}</span>
        </div>
        <ul class="plain-list">
          {active.length === 0 && <li class="empty">None right now.</li>}
          {active.map((c) => (
            <li key={c.chatId}>
              <button
                type="button"
                class="row-btn"
                data-testid="active-chat"
                data-chat-id={c.chatId}
                title={isMine(c, s.me) ? 'Open your chat' : 'Follow this chat (read only)'}
                onClick={() => store.openTab(c.chatId)}
              >
                <span class={c.onHold ? 'dot dot-held' : isMine(c, s.me) ? 'dot dot-mine' : 'dot'} />
                <span class="ellipsis">
                  {visitorLabel(s.visitors[c.visitorId], c.visitorName)}
                  {c.onHold && (
                    <span class="held-mark" title="On hold">
                      <PauseIcon size={11} />
                    </span>
                  )}
                </span>
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
          <span class="count">{team.filter((o) => o.status === 'online').length} online</span>
        </div>
        <ul class="plain-list" data-testid="operators-list">
          {team.map((o) => {
            const chats = perOperator.get(o.id) ?? 0;
            return (
              <li key={o.id} class="op" data-testid="operator" data-operator-id={o.id} data-status={o.status}>
                <span class={`status-dot status-${o.status}`} title={STATUS_WORD[o.status]} />
                <span class="ellipsis">
                  {o.name}
                  {o.id === s.me?.id ? <span class="muted"> (you)</span> : ''}
                </span>
                <span class="op-meta">
                  <span class={`op-status op-${o.status}`}>{STATUS_WORD[o.status]}</span>
                  <span class="op-chats" title="Chats in progress" data-testid="operator-chats">
                    {chats} {chats === 1 ? 'chat' : 'chats'}
                  </span>
                </span>
              </li>
            );
          })}
        </ul>
      </section>
    </aside>
  );
}
