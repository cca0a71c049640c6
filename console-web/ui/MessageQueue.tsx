/**
 * Message Queue: the messages visitors left when nobody could chat. New / handled (who handled it
 * and when), live as they arrive; reply by e-mail (SES, through the mail function) or mark handled.
 * Visitor text is rendered as text.
 */
import { useEffect, useState } from 'preact/hooks';
import type { OfflineMessage, OfflineMessageStatus } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import { dateTime } from '../format.js';
import type { OfflineInbox } from '../offline-inbox.js';

export function useInbox(inbox: OfflineInbox): OfflineInbox['state'] {
  const [, setTick] = useState(0);
  useEffect(() => inbox.subscribe(() => setTick((n) => n + 1)), [inbox]);
  return inbox.state;
}

export function MessageQueue({ inbox }: { inbox: OfflineInbox }) {
  const s = useInbox(inbox);
  const [status, setStatus] = useState<OfflineMessageStatus>('new');

  useEffect(() => {
    void inbox.load(status);
  }, [inbox, status]);
  useEffect(() => () => inbox.seen(), [inbox]);

  const list = s.lists[status];
  return (
    <div class="page mq" data-testid="message-queue">
      <div class="page-head">
        <div>
          <h1>Message Queue</h1>
          <p class="muted">Messages visitors left while nobody could chat. Reply by e-mail, or mark them handled.</p>
        </div>
        <div class="spacer" />
        <div class="seg" role="tablist" aria-label="Status">
          {(['new', 'handled'] as const).map((st) => (
            <button
              type="button"
              key={st}
              role="tab"
              aria-selected={status === st}
              class={status === st ? 'on' : ''}
              data-testid={`mq-tab-${st}`}
              onClick={() => setStatus(st)}
            >
              {st === 'new' ? 'New' : 'Handled'}
              {st === 'new' && <span class="seg-n">{s.newCount}</span>}
            </button>
          ))}
        </div>
      </div>
      {s.error && (
        <p class="form-error" role="alert">
          {s.error}
        </p>
      )}
      {list.length === 0 ? (
        <p class="empty card" data-testid="mq-empty">
          {s.loading ? 'Loading…' : status === 'new' ? 'No new messages.' : 'No handled messages yet.'}
        </p>
      ) : (
        <ul class="mq-list">
          {list.map((m) => (
            <MessageCard key={m.id} m={m} inbox={inbox} fresh={s.fresh.includes(m.id)} />
          ))}
        </ul>
      )}
      {s.next[status] && (
        <button type="button" class="btn btn-ghost" disabled={s.loading} onClick={() => void inbox.load(status, true)}>
          Older messages
        </button>
      )}
    </div>
  );
}

function MessageCard({ m, inbox, fresh }: { m: OfflineMessage; inbox: OfflineInbox; fresh: boolean }) {
  const [replying, setReplying] = useState(false);
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const run = async (fn: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await fn();
      return true;
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      return false;
    } finally {
      setBusy(false);
    }
  };

  return (
    <li
      class={fresh ? 'card mq-item fresh' : 'card mq-item'}
      data-testid="mq-item"
      data-id={m.id}
      data-status={m.status}
    >
      <div class="mq-head">
        <strong data-testid="mq-name">{m.name}</strong>
        <a class="mq-email" href={`mailto:${m.email}`}>
          {m.email}
        </a>
        {m.department && <span class="chip">{m.department}</span>}
        <span class={m.status === 'new' ? 'chip chip-queued' : 'chip chip-ended'} data-testid="mq-status">
          {m.status === 'new' ? 'New' : 'Handled'}
        </span>
        <div class="spacer" />
        <span class="muted">{dateTime(m.createdAt)}</span>
      </div>
      <p class="mq-text" data-testid="mq-text">
        {m.text}
      </p>
      {m.replies.length > 0 && (
        <ul class="mq-replies">
          {m.replies.map((r) => (
            <li key={r.id}>
              <span class="muted">
                {r.by.name} replied {dateTime(r.at)}
                {r.sentAt ? '' : ' · sending…'}
              </span>
              <p>{r.text}</p>
            </li>
          ))}
        </ul>
      )}
      {m.status === 'handled' && (
        <p class="muted mq-handled" data-testid="mq-handled">
          Handled by {m.handledBy?.name || 'an operator'}
          {m.handledAt ? ` · ${dateTime(m.handledAt)}` : ''}
        </p>
      )}
      {replying ? (
        <form
          class="mq-reply"
          onSubmit={async (e) => {
            e.preventDefault();
            if (!text.trim()) return;
            if (await run(() => inbox.reply(m.id, text.trim()))) {
              setText('');
              setReplying(false);
            }
          }}
        >
          <label class="sr-only" for={`mq-reply-${m.id}`}>
            Reply to {m.name}
          </label>
          <textarea
            id={`mq-reply-${m.id}`}
            rows={4}
            maxLength={LIMITS.offlineReply}
            data-testid="mq-reply-text"
            placeholder={`Write to ${m.email}…`}
            value={text}
            onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
          />
          <div class="mq-actions">
            <button type="button" class="btn btn-ghost btn-sm" onClick={() => setReplying(false)}>
              Cancel
            </button>
            <button
              type="submit"
              class="btn btn-primary btn-sm"
              data-testid="mq-reply-send"
              disabled={busy || !text.trim()}
            >
              {busy ? 'Sending…' : 'Send e-mail'}
            </button>
          </div>
        </form>
      ) : (
        <div class="mq-actions">
          <button type="button" class="btn btn-ghost btn-sm" data-testid="mq-reply" onClick={() => setReplying(true)}>
            Reply by e-mail
          </button>
          {m.status === 'new' && (
            <button
              type="button"
              class="btn btn-primary btn-sm"
              data-testid="mq-mark-handled"
              disabled={busy}
              onClick={() => void run(() => inbox.markHandled(m.id))}
            >
              Mark handled
            </button>
          )}
        </div>
      )}
      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
