/**
 * Settings: the operator's own preferences (name, new-visitor sound) and, for admins, the site's
 * settings (GET/PUT /api/settings): chats, the site's name, typing previews, visitor monitoring.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ConsoleSettings } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { Api } from '../api.js';
import { askNotificationPermission, type NotificationPermissionState, notificationPermission } from '../notify.js';
import type { ConsoleStore } from '../store.js';
import { AutoInvitations } from './AutoInvitations.js';
import { CannedEditor } from './Canned.js';

interface Draft {
  graceSec: string;
  visibleMin: string;
  truncateIp: boolean;
  retentionDays: string;
  maxChats: string;
  queueSec: string;
  greeting: string;
  dropAssignment: boolean;
  invitationText: string;
  siteName: string;
  typingPreview: boolean;
  autoAwayMin: string;
}

const toDraft = (s: ConsoleSettings): Draft => ({
  graceSec: String(Math.round(s.departedGraceMs / 1000)),
  visibleMin: String(Math.round(s.departedVisibleMs / 60_000)),
  truncateIp: s.truncateIp,
  retentionDays: String(s.retentionDays),
  maxChats: String(s.maxChatsPerOperator),
  queueSec: String(Math.round(s.queueTimeoutMs / 1000)),
  greeting: s.acceptGreeting ?? '',
  dropAssignment: s.dropAssignmentOnEnd,
  invitationText: s.invitationText ?? '',
  siteName: s.siteName ?? '',
  typingPreview: s.typingPreview === true,
  autoAwayMin: String(Math.round((s.autoAwayMs ?? 0) / 60_000)),
});

/**
 * The draft over the site's current settings (fields this form does not edit are sent back as
 * they are), or the first problem with it (the server checks the same bounds).
 */
export function fromDraft(
  d: Pick<Draft, 'graceSec' | 'visibleMin' | 'truncateIp' | 'retentionDays'> & Partial<Draft>,
  base: ConsoleSettings,
): ConsoleSettings | string {
  const int = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : Number.NaN);
  const grace = int(d.graceSec);
  const visible = int(d.visibleMin);
  const days = int(d.retentionDays);
  if (!(grace >= 5 && grace <= 600)) return 'The grace period must be between 5 and 600 seconds.';
  if (!(visible >= 1 && visible <= 1440)) return 'Departed visitors stay visible between 1 and 1440 minutes.';
  if (!(days >= 1 && days <= 3650)) return 'Keep history between 1 and 3650 days.';
  const maxChats = d.maxChats === undefined ? base.maxChatsPerOperator : int(d.maxChats);
  const queueSec = d.queueSec === undefined ? Math.round(base.queueTimeoutMs / 1000) : int(d.queueSec);
  if (!(maxChats >= 1 && maxChats <= 50)) return 'Chats per operator must be between 1 and 50.';
  if (!(queueSec >= 10 && queueSec <= 3600)) return 'The queue wait must be between 10 and 3600 seconds.';
  const invitationText = d.invitationText === undefined ? base.invitationText : d.invitationText.trim();
  if (!invitationText) return 'Write the default invitation.';
  const autoAwayMin = d.autoAwayMin === undefined ? undefined : int(d.autoAwayMin);
  if (autoAwayMin !== undefined && !(autoAwayMin >= 0 && autoAwayMin <= 240))
    return 'Away after idle must be between 0 (never) and 240 minutes.';
  const siteName = (d.siteName ?? base.siteName ?? '').replace(/\s+/g, ' ').trim();
  if (siteName.length > 80) return 'The site name can be at most 80 characters.';
  return {
    ...base,
    maxChatsPerOperator: maxChats,
    queueTimeoutMs: queueSec * 1000,
    acceptGreeting: (d.greeting ?? base.acceptGreeting).slice(0, LIMITS.chatText),
    dropAssignmentOnEnd: d.dropAssignment ?? base.dropAssignmentOnEnd,
    invitationText: invitationText.slice(0, LIMITS.chatText),
    departedGraceMs: grace * 1000,
    departedVisibleMs: visible * 60_000,
    truncateIp: d.truncateIp,
    retentionDays: days,
    // Sent when the server has them (it always answers both) or the admin set them.
    ...(base.siteName !== undefined || siteName ? { siteName } : {}),
    ...(base.typingPreview !== undefined || d.typingPreview ? { typingPreview: d.typingPreview ?? false } : {}),
    ...(autoAwayMin !== undefined ? { autoAwayMs: autoAwayMin * 60_000 } : {}),
  };
}

/** A number setting: its title and help, the input with its bounds and its unit. */
function NumberRow(p: {
  title: string;
  help: string;
  min: number;
  max: number;
  unit: string;
  testid: string;
  disabled: boolean;
  value: string;
  onInput: (value: string) => void;
}) {
  return (
    <label class="set-row">
      <div>
        <strong>{p.title}</strong>
        <p class="muted">{p.help}</p>
      </div>
      <span class="unit-input">
        <input
          type="number"
          min={p.min}
          max={p.max}
          required
          disabled={p.disabled}
          data-testid={p.testid}
          value={p.value}
          onInput={(e) => p.onInput((e.currentTarget as HTMLInputElement).value)}
        />
        <span>{p.unit}</span>
      </span>
    </label>
  );
}

/** The operator's own display name (%name% in greetings and invitations), saved on its own. */
function MyName({ store, api }: { store: ConsoleStore; api: Api }) {
  const me = store.state.me;
  const [name, setName] = useState(me?.name ?? '');
  const [state, setState] = useState<'idle' | 'saving' | 'saved' | string>('idle');
  if (!me) return null;
  const clean = name.replace(/\s+/g, ' ').trim();
  const save = async () => {
    if (!clean) return setState('Write your name.');
    setState('saving');
    try {
      const profile = await api.savePreferences({ ...me.preferences, name: clean });
      store.setMe(profile);
      setName(profile.name);
      setState('saved');
    } catch (err) {
      setState(err instanceof Error ? err.message : String(err));
    }
  };
  return (
    <form
      class="set-row"
      data-testid="pref-name-form"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      <div>
        <label for="pref-name">
          <strong>Your name</strong>
        </label>
        <p class="muted">
          What visitors see, and <code>%name%</code> in greetings and invitations.
          {state === 'saved' && (
            <span class="form-ok" role="status" data-testid="pref-name-saved">
              {' '}
              Saved.
            </span>
          )}
          {state !== 'idle' && state !== 'saving' && state !== 'saved' && (
            <span class="form-error" role="alert">
              {' '}
              {state}
            </span>
          )}
        </p>
      </div>
      <span class="unit-input">
        <input
          id="pref-name"
          type="text"
          required
          maxLength={LIMITS.name}
          data-testid="pref-name"
          value={name}
          onInput={(e) => {
            setName((e.currentTarget as HTMLInputElement).value);
            setState('idle');
          }}
        />
        <button
          type="submit"
          class="btn btn-ghost btn-sm"
          data-testid="pref-name-save"
          disabled={state === 'saving' || clean === me.name}
        >
          Save
        </button>
      </span>
    </form>
  );
}

function Switch({
  checked,
  onChange,
  label,
  testid,
  disabled,
}: {
  checked: boolean;
  onChange: (v: boolean) => void;
  label: string;
  testid?: string;
  disabled?: boolean;
}) {
  return (
    <button
      type="button"
      role="switch"
      aria-checked={checked}
      aria-label={label}
      class={checked ? 'switch on' : 'switch'}
      data-testid={testid}
      disabled={disabled}
      onClick={() => onChange(!checked)}
    >
      <span class="switch-knob" />
    </button>
  );
}

export function Settings({ store, api }: { store: ConsoleStore; api: Api }) {
  const s = store.state;
  const me = s.me;
  const admin = me?.role === 'admin';
  const [draft, setDraft] = useState<Draft>(() => toDraft(s.settings));
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);
  /** The admin has typed into the form: the fresh copy fetched on opening must not overwrite it. */
  const edited = useRef(false);

  useEffect(() => {
    let live = true;
    api.settings().then(
      (fresh) => {
        if (!live) return;
        store.setSettings(fresh);
        if (!edited.current) setDraft(toDraft(fresh));
      },
      () => {
        /* the welcome's copy is shown */
      },
    );
    return () => {
      live = false;
    };
  }, [api, store]);

  const edit = (patch: Partial<Draft>) => {
    edited.current = true;
    setDraft((d) => ({ ...d, ...patch }));
    setSaved(false);
    setError(undefined);
  };

  const save = async () => {
    const parsed = fromDraft(draft, store.state.settings);
    if (typeof parsed === 'string') {
      setError(parsed);
      return;
    }
    setSaving(true);
    setError(undefined);
    try {
      // The widget's appearance is the embed screen's: leaving it out keeps what that screen saved.
      const { widget: _appearance, ...consoleOnly } = parsed as ConsoleSettings & { widget?: unknown };
      const result = await api.saveSettings(consoleOnly);
      store.setSettings(result);
      edited.current = false;
      setDraft(toDraft(result));
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const sound = me?.preferences?.newVisitorSound !== false;
  const [notify, setNotify] = useState<NotificationPermissionState>(notificationPermission);

  return (
    <div class="page settings" data-testid="settings">
      <div class="page-head">
        <div>
          <h1>Settings</h1>
          <p class="muted">Your own preferences, and how the site tracks its visitors.</p>
        </div>
      </div>

      <section class="card">
        <div class="card-head">
          <h3>Your preferences</h3>
        </div>
        <MyName store={store} api={api} />
        <div class="set-row">
          <div>
            <strong>Sound for new visitors</strong>
            <p class="muted">
              A short chime when someone arrives on the site (chat requests always ring the door-bell).
            </p>
          </div>
          <Switch
            checked={sound}
            label="Sound for new visitors"
            testid="pref-sound"
            disabled={!me}
            onChange={(v) => void store.setNewVisitorSound(v)}
          />
        </div>
        <div class="set-row">
          <div>
            <strong>Desktop notifications</strong>
            <p class="muted">
              A notification for each chat request offered to you while the console is in the background.
            </p>
          </div>
          {notify === 'granted' ? (
            <span class="set-state on" data-testid="pref-notify">
              On
            </span>
          ) : notify === 'denied' ? (
            <span class="set-state" data-testid="pref-notify" title="Allow notifications for this site in the browser">
              Blocked in the browser
            </span>
          ) : notify === 'unsupported' ? (
            <span class="set-state">Not supported</span>
          ) : (
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              data-testid="pref-notify"
              onClick={() => void askNotificationPermission(true).then(setNotify)}
            >
              Allow
            </button>
          )}
        </div>
      </section>

      <section class="card">
        <div class="card-head">
          <h3>Canned messages</h3>
        </div>
        <div class="card-body">
          <p class="card-note muted">
            Insert them in a chat with the ⚡ button, or type <code>/shortcut</code> and press Tab.{' '}
            {admin ? 'Shared ones are for the whole team.' : 'Administrators write the shared ones.'}
          </p>
          <CannedEditor store={store} />
        </div>
      </section>

      {admin && (
        <section class="card" data-testid="auto-invitations-card">
          <div class="card-head">
            <h3>Automatic invitations</h3>
          </div>
          <div class="card-body">
            <p class="card-note muted">
              Invite visitors after a delay, on the whole site or on some pages. The top rule that matches a visitor is
              used; a visitor is invited automatically at most once an hour, never during a chat.
            </p>
            <AutoInvitations api={api} />
          </div>
        </section>
      )}

      <section class="card">
        <div class="card-head">
          <h3>Chats and visitor monitoring</h3>
          {!admin && <span class="muted">Only administrators can change these.</span>}
        </div>
        <form
          class="set-form"
          data-testid="settings-form"
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <h4 class="set-sub">Chats</h4>
          <label class="set-row">
            <div>
              <strong>Site name</strong>
              <p class="muted">
                In e-mails to visitors (“Your chat with …”, “Re: your message to …”) and as the sender's name. Empty:
                the site id.
              </p>
            </div>
            <input
              type="text"
              maxLength={80}
              disabled={!admin}
              data-testid="set-site-name"
              value={draft.siteName}
              onInput={(e) => edit({ siteName: (e.currentTarget as HTMLInputElement).value })}
            />
          </label>
          <div class="set-row">
            <div>
              <strong>Show what visitors are typing</strong>
              <p class="muted">
                Operators see a visitor's message as it is typed, before it is sent. Off: only that they are typing.
              </p>
            </div>
            <Switch
              checked={draft.typingPreview}
              label="Show what visitors are typing"
              testid="set-typing-preview"
              disabled={!admin}
              onChange={(v) => edit({ typingPreview: v })}
            />
          </div>
          <NumberRow
            title="Chats per operator"
            help="How many chats an operator handles at once (2–3 is a good number)."
            min={1}
            max={50}
            unit="chats"
            testid="set-max-chats"
            disabled={!admin}
            value={draft.maxChats}
            onInput={(v) => edit({ maxChats: v })}
          />
          <NumberRow
            title="Offer a message after"
            help="A visitor waiting this long in the queue is offered to leave a message instead."
            min={10}
            max={3600}
            unit="seconds"
            testid="set-queue-wait"
            disabled={!admin}
            value={draft.queueSec}
            onInput={(v) => edit({ queueSec: v })}
          />
          <NumberRow
            title="Away when idle after"
            help="An online operator whose console sees no keyboard or mouse this long is set Away (Online again when they are back), so visitors are offered to leave a message. 0: never."
            min={0}
            max={240}
            unit="minutes"
            testid="set-auto-away"
            disabled={!admin}
            value={draft.autoAwayMin}
            onInput={(v) => edit({ autoAwayMin: v })}
          />
          <label class="set-row set-row-wide">
            <div>
              <strong>Greeting when a chat is accepted</strong>
              <p class="muted">
                Sent as the operator; <code>%name%</code> is their name, <code>%visitor%</code> the visitor’s. Empty:
                none.
              </p>
            </div>
            <textarea
              class="set-text"
              rows={2}
              maxLength={LIMITS.chatText}
              disabled={!admin}
              data-testid="set-greeting"
              placeholder="Hi %visitor%, I'm %name%. How can I help?"
              value={draft.greeting}
              onInput={(e) => edit({ greeting: (e.currentTarget as HTMLTextAreaElement).value })}
            />
          </label>
          <label class="set-row set-row-wide">
            <div>
              <strong>Default invitation</strong>
              <p class="muted">
                What an operator's Invite sends unless they write their own; <code>%name%</code> is their name.
              </p>
            </div>
            <textarea
              class="set-text"
              rows={2}
              maxLength={LIMITS.chatText}
              disabled={!admin}
              data-testid="set-invitation-text"
              value={draft.invitationText}
              onInput={(e) => edit({ invitationText: (e.currentTarget as HTMLTextAreaElement).value })}
            />
          </label>
          <div class="set-row">
            <div>
              <strong>Forget the operator when a chat ends</strong>
              <p class="muted">
                Otherwise a visitor who comes back within 24 hours goes to the same operator, if they are online.
              </p>
            </div>
            <Switch
              checked={draft.dropAssignment}
              label="Forget the operator when a chat ends"
              testid="set-drop-assignment"
              disabled={!admin}
              onChange={(v) => edit({ dropAssignment: v })}
            />
          </div>
          <h4 class="set-sub">Visitor monitoring</h4>
          <NumberRow
            title="Departed after"
            help="A visitor with no open page for this long is shown as departed."
            min={5}
            max={600}
            unit="seconds"
            testid="set-grace"
            disabled={!admin}
            value={draft.graceSec}
            onInput={(v) => edit({ graceSec: v })}
          />
          <NumberRow
            title="Keep departed visitors in the grid"
            help="After this, they leave the live grid (their history stays)."
            min={1}
            max={1440}
            unit="minutes"
            testid="set-visible"
            disabled={!admin}
            value={draft.visibleMin}
            onInput={(v) => edit({ visibleMin: v })}
          />
          <div class="set-row">
            <div>
              <strong>Truncate IP addresses</strong>
              <p class="muted">Keep only the network part of each visitor's IP address, never the full address.</p>
            </div>
            <Switch
              checked={draft.truncateIp}
              label="Truncate IP addresses"
              testid="set-truncate"
              disabled={!admin}
              onChange={(v) => edit({ truncateIp: v })}
            />
          </div>
          <NumberRow
            title="Keep page views and departed visitors"
            help="Older records expire automatically."
            min={1}
            max={3650}
            unit="days"
            testid="set-retention"
            disabled={!admin}
            value={draft.retentionDays}
            onInput={(v) => edit({ retentionDays: v })}
          />
          {admin && (
            <div class="set-actions">
              {error && (
                <p class="form-error" role="alert">
                  {error}
                </p>
              )}
              {saved && (
                <p class="form-ok" role="status" data-testid="settings-saved">
                  Saved.
                </p>
              )}
              <div class="spacer" />
              <button type="submit" class="btn btn-primary" data-testid="settings-save" disabled={saving}>
                {saving ? 'Saving…' : 'Save settings'}
              </button>
            </div>
          )}
        </form>
      </section>
    </div>
  );
}
