/**
 * Automatic invitations (admins): rules that invite a visitor after a delay on the site or on
 * matching pages, with optional conditions. The list's order is the priority (the top rule is
 * tried first); Save replaces the whole list (PUT /api/auto-invitations). Problems are shown beside
 * the fields, and the server's refusal above the Save button.
 */
import { useEffect, useState } from 'preact/hooks';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { Api } from '../api.js';
import {
  describeRule,
  emptyRule,
  move,
  orderRules,
  type RuleDraft,
  type RuleErrors,
  rulesFromDrafts,
  toRuleDraft,
} from '../invitations.js';

function Err({ e }: { e?: string }) {
  return e ? (
    <span class="rule-err" role="alert" data-testid="rule-error">
      {e}
    </span>
  ) : null;
}

function RuleEditor({
  d,
  errors,
  onChange,
}: {
  d: RuleDraft;
  errors?: RuleErrors;
  onChange: (patch: Partial<RuleDraft>) => void;
}) {
  const field = (name: keyof RuleDraft) => `rule-${name}`;
  return (
    <div class="rule-grid">
      <label>
        Where
        <select
          data-testid={field('scope')}
          value={d.scope}
          onChange={(e) => onChange({ scope: (e.currentTarget as HTMLSelectElement).value as RuleDraft['scope'] })}
        >
          <option value="site">Anywhere on the site (since the visit began)</option>
          <option value="page">On matching pages (since the page opened)</option>
        </select>
      </label>
      <label>
        Delay (seconds)
        <input
          type="number"
          min={0}
          max={86400}
          data-testid={field('delaySeconds')}
          value={d.delaySeconds}
          onInput={(e) => onChange({ delaySeconds: (e.currentTarget as HTMLInputElement).value })}
        />
        <Err e={errors?.delaySeconds} />
      </label>
      {d.scope === 'page' && (
        <label class="rule-wide">
          Page address (* matches anything)
          <input
            type="text"
            maxLength={LIMITS.url}
            placeholder="https://shop.example/products/*"
            data-testid={field('urlPattern')}
            value={d.urlPattern}
            onInput={(e) => onChange({ urlPattern: (e.currentTarget as HTMLInputElement).value })}
          />
          <Err e={errors?.urlPattern} />
        </label>
      )}
      <label>
        Came from
        <select
          data-testid={field('search')}
          value={d.search}
          onChange={(e) => onChange({ search: (e.currentTarget as HTMLSelectElement).value as RuleDraft['search'] })}
        >
          <option value="">Anywhere</option>
          <option value="any">Any search engine</option>
          <option value="engines">These search engines</option>
        </select>
      </label>
      {d.search === 'engines' && (
        <label>
          Search engines (comma-separated)
          <input
            type="text"
            placeholder="Google, Bing"
            data-testid={field('searchEngines')}
            value={d.searchEngines}
            onInput={(e) => onChange({ searchEngines: (e.currentTarget as HTMLInputElement).value })}
          />
          <Err e={errors?.searchEngines} />
        </label>
      )}
      <label>
        Languages (empty: any)
        <input
          type="text"
          placeholder="en, pl"
          data-testid={field('languages')}
          value={d.languages}
          onInput={(e) => onChange({ languages: (e.currentTarget as HTMLInputElement).value })}
        />
        <Err e={errors?.languages} />
      </label>
      <label>
        Visitors
        <select
          data-testid={field('returning')}
          value={d.returning}
          onChange={(e) =>
            onChange({ returning: (e.currentTarget as HTMLSelectElement).value as RuleDraft['returning'] })
          }
        >
          <option value="">New and returning</option>
          <option value="yes">Only returning visitors</option>
          <option value="no">Only first-time visitors</option>
        </select>
      </label>
      <label>
        At least this many page views
        <input
          type="number"
          min={0}
          max={10000}
          placeholder="any"
          data-testid={field('minPageViews')}
          value={d.minPageViews}
          onInput={(e) => onChange({ minPageViews: (e.currentTarget as HTMLInputElement).value })}
        />
        <Err e={errors?.minPageViews} />
      </label>
      <label class="rule-wide">
        Invitation (%name% is the operator's name)
        <textarea
          rows={2}
          maxLength={LIMITS.chatText}
          data-testid={field('text')}
          value={d.text}
          onInput={(e) => onChange({ text: (e.currentTarget as HTMLTextAreaElement).value })}
        />
        <Err e={errors?.text} />
      </label>
      <label class="rule-wide rule-check">
        <span>
          <input
            type="checkbox"
            data-testid={field('onlyWhenOperatorAvailable')}
            checked={d.onlyWhenOperatorAvailable}
            onChange={(e) => onChange({ onlyWhenOperatorAvailable: (e.currentTarget as HTMLInputElement).checked })}
          />{' '}
          Only when an operator is online and has room for a chat
        </span>
      </label>
    </div>
  );
}

export function AutoInvitations({ api }: { api: Api }) {
  const [drafts, setDrafts] = useState<RuleDraft[] | undefined>();
  const [open, setOpen] = useState<string | undefined>();
  const [errors, setErrors] = useState<Record<string, RuleErrors>>({});
  const [error, setError] = useState<string | undefined>();
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    api.autoInvitations().then(
      (rules) => live && setDrafts(orderRules(Array.isArray(rules) ? rules : []).map(toRuleDraft)),
      (err) => {
        if (!live) return;
        setDrafts([]);
        setError(`The rules could not be loaded: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
    return () => {
      live = false;
    };
  }, [api]);

  if (!drafts) return <p class="muted">Loading…</p>;

  const change = (next: RuleDraft[]) => {
    setDrafts(next);
    setSaved(false);
    setError(undefined);
  };
  const patch = (id: string, p: Partial<RuleDraft>) => {
    change(drafts.map((d) => (d.id === id ? { ...d, ...p } : d)));
    if (errors[id]) {
      const rest = { ...errors };
      delete rest[id];
      setErrors(rest);
    }
  };

  const save = async () => {
    const parsed = rulesFromDrafts(drafts);
    if (parsed.errors) {
      setErrors(parsed.errors);
      setOpen(Object.keys(parsed.errors)[0]);
      setError('Some rules need fixing (see the fields marked in red).');
      return;
    }
    setErrors({});
    setSaving(true);
    setError(undefined);
    try {
      const rules = await api.saveAutoInvitations(parsed.rules);
      setDrafts(orderRules(rules).map(toRuleDraft));
      setSaved(true);
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
    } finally {
      setSaving(false);
    }
  };

  return (
    <form
      class="rules"
      data-testid="auto-invitations"
      onSubmit={(e) => {
        e.preventDefault();
        void save();
      }}
    >
      {drafts.length === 0 && <p class="muted">No rules: nobody is invited automatically.</p>}
      {drafts.map((d, i) => (
        <div
          key={d.id}
          class={d.enabled ? 'rule' : 'rule rule-off'}
          data-testid="auto-rule"
          data-rule-id={d.id}
          data-priority={drafts.length - i}
        >
          <div class="rule-head">
            <input
              type="checkbox"
              aria-label="Enabled"
              title="Enabled"
              data-testid="rule-enabled"
              checked={d.enabled}
              onChange={(e) => patch(d.id, { enabled: (e.currentTarget as HTMLInputElement).checked })}
            />
            <span class="rule-sum">
              <strong>{i + 1}.</strong> {describeRule(d)}
              {errors[d.id] && <span class="rule-err"> · needs fixing</span>}
            </span>
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              aria-label="Higher priority"
              title="Higher priority"
              data-testid="rule-up"
              disabled={i === 0}
              onClick={() => change(move(drafts, i, -1))}
            >
              ↑
            </button>
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              aria-label="Lower priority"
              title="Lower priority"
              data-testid="rule-down"
              disabled={i === drafts.length - 1}
              onClick={() => change(move(drafts, i, 1))}
            >
              ↓
            </button>
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              aria-expanded={open === d.id}
              data-testid="rule-edit"
              onClick={() => setOpen(open === d.id ? undefined : d.id)}
            >
              {open === d.id ? 'Done' : 'Edit'}
            </button>
            <button
              type="button"
              class="btn btn-ghost btn-sm"
              data-testid="rule-delete"
              onClick={() => change(drafts.filter((x) => x.id !== d.id))}
            >
              Delete
            </button>
          </div>
          {(open === d.id || errors[d.id]) && (
            <RuleEditor d={d} errors={errors[d.id]} onChange={(p) => patch(d.id, p)} />
          )}
        </div>
      ))}
      <div class="set-actions">
        <button
          type="button"
          class="btn btn-ghost"
          data-testid="rule-add"
          disabled={drafts.length >= 50}
          onClick={() => {
            const d = emptyRule();
            change([...drafts, d]);
            setOpen(d.id);
          }}
        >
          Add a rule
        </button>
        {error && (
          <p class="form-error" role="alert" data-testid="rules-error">
            {error}
          </p>
        )}
        {saved && (
          <p class="form-ok" role="status" data-testid="rules-saved">
            Saved.
          </p>
        )}
        <div class="spacer" />
        <button type="submit" class="btn btn-primary" data-testid="rules-save" disabled={saving}>
          {saving ? 'Saving…' : 'Save rules'}
        </button>
      </div>
    </form>
  );
}
