/**
 * The "Incoming chat request" dialog (seed 001): a request offered to me, with Accept, Decline
 * and Queue (it closes and the request stays in the communication queue). It floats in a corner
 * and never takes the keyboard: an operator typing in another chat keeps typing.
 */
import type { ChatSummary } from '../../functions/protocol/events.js';
import { clock, initials, shortUrl } from '../format.js';
import { queueStatus } from '../routing.js';
import { type ConsoleStore, visitorLabel } from '../store.js';
import { useNow } from './hooks.js';
import { BellIcon } from './icons.js';

export function IncomingDialog({ store }: { store: ConsoleStore }) {
  const offers = store.offers();
  const c = offers[0];
  if (!c || !store.state.me) return null;
  return <Offer store={store} c={c} more={offers.length - 1} />;
}

function Offer({ store, c, more }: { store: ConsoleStore; c: ChatSummary; more: number }) {
  const s = store.state;
  const now = useNow(1000);
  const v = s.visitors[c.visitorId];
  const name = visitorLabel(v, c.visitorName);
  const status = queueStatus(c, s.me?.id, s.operators);
  const accepting = store.isAccepting(c.chatId);
  return (
    <section
      class="incoming"
      role="dialog"
      aria-modal="false"
      aria-live="assertive"
      aria-labelledby="incoming-h"
      aria-describedby="incoming-who"
      data-testid="incoming-dialog"
      data-chat-id={c.chatId}
    >
      <header class="incoming-head">
        <span class="incoming-bell" aria-hidden="true">
          <BellIcon size={15} />
        </span>
        <h2 id="incoming-h">Incoming chat request</h2>
        {more > 0 && (
          <span class="incoming-more" title="More requests are offered to you">
            +{more} more
          </span>
        )}
      </header>
      <div class="incoming-body" id="incoming-who">
        <span class="avatar avatar-md avatar-amber" aria-hidden="true">
          {initials(name)}
        </span>
        <div class="incoming-who">
          <strong data-testid="incoming-name">{name}</strong>
          {v ? (
            <span class="incoming-page" title={v.url}>
              {v.title || 'Untitled page'}
              <span class="muted"> · {shortUrl(v.url)}</span>
            </span>
          ) : (
            <span class="incoming-page muted">Page unknown</span>
          )}
          <span class="incoming-meta">
            <span class={`qs qs-${status.kind}`}>{status.label}</span>
            {v?.returning && <span class="qs qs-returning">Returning visitor</span>}
          </span>
        </div>
        <div class="incoming-wait" title="Waiting for">
          <span class="mono" data-testid="incoming-wait">
            {clock(now - c.createdAt)}
          </span>
          <span class="incoming-wait-l">waiting</span>
        </div>
      </div>
      <div class="incoming-actions">
        <button
          type="button"
          class="btn btn-primary btn-accept"
          data-testid="incoming-accept"
          disabled={accepting}
          onClick={() => store.accept(c.chatId)}
        >
          {accepting ? 'Accepting…' : 'Accept'}
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          data-testid="incoming-decline"
          disabled={accepting}
          title="Not for me: offer it to the other operators"
          onClick={() => store.decline(c.chatId)}
        >
          Decline
        </button>
        <button
          type="button"
          class="btn btn-ghost"
          data-testid="incoming-queue"
          disabled={accepting}
          title="Later: it waits in the communication queue (no second reminder)"
          onClick={() => store.park(c.chatId)}
        >
          Queue
        </button>
      </div>
    </section>
  );
}
