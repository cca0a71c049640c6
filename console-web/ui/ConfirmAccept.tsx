/**
 * "This chat will be assigned to you" (seed 000): asked before a waiting visitor's row in the grid,
 * or Next chat, takes a request. OK accepts it; the dialog closes by itself if someone else does.
 */
import type { ChatSummary } from '../../functions/protocol/events.js';
import { clock, shortUrl } from '../format.js';
import { queueStatus, summaryCounts } from '../routing.js';
import { type ConsoleStore, visitorLabel } from '../store.js';
import { useNow } from './hooks.js';
import { Modal } from './Popover.js';

export function ConfirmAccept({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const c = s.confirmAccept ? s.chats[s.confirmAccept] : undefined;
  if (c?.status !== 'queued') return null;
  return <Confirm store={store} c={c} />;
}

function Confirm({ store, c }: { store: ConsoleStore; c: ChatSummary }) {
  const s = store.state;
  const now = useNow(1000);
  const v = s.visitors[c.visitorId];
  const name = visitorLabel(v, c.visitorName);
  const status = queueStatus(c, s.me?.id, s.operators);
  const { mine } = summaryCounts(s.chats, s.me?.id, s.declined);
  return (
    <Modal title="Start this chat?" onClose={() => store.cancelAccept()} testid="confirm-accept">
      <div class="modal-body">
        <p class="confirm-lead">
          <strong>This chat will be assigned to you.</strong> {name} will be told you are with them
          {s.settings.dropAssignmentOnEnd ? '.' : ', and for 24 hours their next chats come to you first.'}
        </p>
        <dl class="confirm-facts">
          <dt>Visitor</dt>
          <dd>{name}</dd>
          {v && (
            <>
              <dt>Page</dt>
              <dd class="ellipsis" title={v.url}>
                {v.title || shortUrl(v.url)}
              </dd>
            </>
          )}
          <dt>Waiting</dt>
          <dd class="mono">{clock(now - c.createdAt)}</dd>
          <dt>Queue</dt>
          <dd>{status.label}</dd>
          <dt>Your chats</dt>
          <dd>
            {mine} of {store.chatLimit()}
          </dd>
        </dl>
      </div>
      <div class="modal-foot">
        <button type="button" class="btn btn-ghost" data-testid="confirm-cancel" onClick={() => store.cancelAccept()}>
          Cancel
        </button>
        <button
          type="button"
          class="btn btn-primary"
          data-testid="confirm-ok"
          data-autofocus
          onClick={() => store.accept(c.chatId)}
        >
          OK, start the chat
        </button>
      </div>
    </Modal>
  );
}
