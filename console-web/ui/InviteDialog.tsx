/**
 * "Invite" a browsing visitor to chat: the site's default invitation (with %name% shown as the
 * visitor will read it), or a canned message, edited freely; Send posts `invite` and the server's
 * refusal (the visitor left, is in a chat, is Unwelcome…) is shown in the dialog.
 */
import { useState } from 'preact/hooks';
import type { VisitorRow } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import { fillCanned } from '../canned.js';
import { fillInvitation, OUTCOME_LABEL } from '../invitations.js';
import { type ConsoleStore, visitorLabel } from '../store.js';
import { Modal } from './Popover.js';

export function InviteDialog({ store }: { store: ConsoleStore }) {
  const s = store.state;
  const id = s.inviting;
  const v = id ? s.visitors[id] : undefined;
  if (!id || !v) return null;
  return <InviteForm key={id} store={store} visitor={v} />;
}

function InviteForm({ store, visitor }: { store: ConsoleStore; visitor: VisitorRow }) {
  const s = store.state;
  const me = s.me?.name || 'Operator';
  const label = visitorLabel(visitor);
  const defaultText = fillInvitation(s.settings.invitationText || '', me);
  const [text, setText] = useState(defaultText);
  const [picked, setPicked] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [sending, setSending] = useState(false);
  const close = () => store.openInvite(undefined);

  const send = async () => {
    const body = text.trim();
    if (!body) {
      setError('Write the invitation, or pick one.');
      return;
    }
    setSending(true);
    setError(undefined);
    const r = await store.invite(visitor.visitorId, body);
    setSending(false);
    if (r.ok) {
      store.toast(`Invitation sent to ${label}`, 'info');
      close();
    } else setError(r.message || 'The invitation was not sent.');
  };

  return (
    <Modal title={`Invite ${label} to chat`} onClose={close} testid="invite-dialog">
      <form
        class="invite-form"
        onSubmit={(e) => {
          e.preventDefault();
          void send();
        }}
      >
        <div class="modal-body">
          {visitor.invitation && (
            <p class="muted invite-last">
              Last invitation: {OUTCOME_LABEL[visitor.invitation.outcome]} ({visitor.invitation.operatorName}
              {visitor.invitation.auto ? ', automatic' : ''})
            </p>
          )}
          <label class="invite-field">
            <span>Start from</span>
            <select
              data-testid="invite-template"
              value={picked}
              onChange={(e) => {
                const value = (e.currentTarget as HTMLSelectElement).value;
                setPicked(value);
                const c = s.canned.find((x) => x.id === value);
                setText(c ? fillCanned(c.text, { name: me, visitor: label }) : defaultText);
                setError(undefined);
              }}
            >
              <option value="">Default invitation</option>
              {s.canned.length > 0 && (
                <optgroup label="Canned messages">
                  {s.canned.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.title}
                    </option>
                  ))}
                </optgroup>
              )}
            </select>
          </label>
          <label class="invite-field">
            <span>Invitation</span>
            <textarea
              data-testid="invite-text"
              data-autofocus
              rows={4}
              maxLength={LIMITS.chatText}
              value={text}
              onInput={(e) => {
                setText((e.currentTarget as HTMLTextAreaElement).value);
                setError(undefined);
              }}
            />
          </label>
          <p class="muted invite-hint">The visitor sees this with your name, a door-bell and a Start Chat button.</p>
          {error && (
            <p class="form-error" role="alert" data-testid="invite-error">
              {error}
            </p>
          )}
        </div>
        <div class="modal-foot">
          <button type="button" class="btn btn-ghost" onClick={close}>
            Cancel
          </button>
          <button type="submit" class="btn btn-primary" data-testid="invite-send" disabled={sending}>
            {sending ? 'Sending…' : 'Send invitation'}
          </button>
        </div>
      </form>
    </Modal>
  );
}
