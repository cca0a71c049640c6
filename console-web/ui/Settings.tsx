/**
 * Settings: the operator's own preferences (new-visitor sound) and, for admins, the site's
 * visitor-monitoring settings (GET/PUT /api/settings).
 */
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleSettings } from '../../functions/protocol/events.js';
import type { Api } from '../api.js';
import type { ConsoleStore } from '../store.js';

interface Draft {
  graceSec: string;
  visibleMin: string;
  truncateIp: boolean;
  retentionDays: string;
}

const toDraft = (s: ConsoleSettings): Draft => ({
  graceSec: String(Math.round(s.departedGraceMs / 1000)),
  visibleMin: String(Math.round(s.departedVisibleMs / 60_000)),
  truncateIp: s.truncateIp,
  retentionDays: String(s.retentionDays),
});

/**
 * The draft over the site's current settings (fields this form does not edit are sent back as
 * they are), or the first problem with it (the server checks the same bounds).
 */
export function fromDraft(d: Draft, base: ConsoleSettings): ConsoleSettings | string {
  const int = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v) : Number.NaN);
  const grace = int(d.graceSec);
  const visible = int(d.visibleMin);
  const days = int(d.retentionDays);
  if (!(grace >= 5 && grace <= 600)) return 'The grace period must be between 5 and 600 seconds.';
  if (!(visible >= 1 && visible <= 1440)) return 'Departed visitors stay visible between 1 and 1440 minutes.';
  if (!(days >= 1 && days <= 3650)) return 'Keep history between 1 and 3650 days.';
  return {
    ...base,
    departedGraceMs: grace * 1000,
    departedVisibleMs: visible * 60_000,
    truncateIp: d.truncateIp,
    retentionDays: days,
  };
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

  useEffect(() => {
    let live = true;
    api.settings().then(
      (fresh) => {
        if (!live) return;
        store.setSettings(fresh);
        setDraft(toDraft(fresh));
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
    setDraft({ ...draft, ...patch });
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
      const result = await api.saveSettings(parsed);
      store.setSettings(result);
      setDraft(toDraft(result));
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  const sound = me?.preferences?.newVisitorSound !== false;

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
      </section>

      <section class="card">
        <div class="card-head">
          <h3>Visitor monitoring</h3>
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
          <label class="set-row">
            <div>
              <strong>Departed after</strong>
              <p class="muted">A visitor with no open page for this long is shown as departed.</p>
            </div>
            <span class="unit-input">
              <input
                type="number"
                min={5}
                max={600}
                required
                disabled={!admin}
                data-testid="set-grace"
                value={draft.graceSec}
                onInput={(e) => edit({ graceSec: (e.currentTarget as HTMLInputElement).value })}
              />
              <span>seconds</span>
            </span>
          </label>
          <label class="set-row">
            <div>
              <strong>Keep departed visitors in the grid</strong>
              <p class="muted">After this, they leave the live grid (their history stays).</p>
            </div>
            <span class="unit-input">
              <input
                type="number"
                min={1}
                max={1440}
                required
                disabled={!admin}
                data-testid="set-visible"
                value={draft.visibleMin}
                onInput={(e) => edit({ visibleMin: (e.currentTarget as HTMLInputElement).value })}
              />
              <span>minutes</span>
            </span>
          </label>
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
          <label class="set-row">
            <div>
              <strong>Keep page views and departed visitors</strong>
              <p class="muted">Older records expire automatically.</p>
            </div>
            <span class="unit-input">
              <input
                type="number"
                min={1}
                max={3650}
                required
                disabled={!admin}
                data-testid="set-retention"
                value={draft.retentionDays}
                onInput={(e) => edit({ retentionDays: (e.currentTarget as HTMLInputElement).value })}
              />
              <span>days</span>
            </span>
          </label>
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
