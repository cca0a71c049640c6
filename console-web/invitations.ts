/**
 * Invitations in the console, without any UI: the invitation text as the visitor will read it,
 * what the grid says about a visitor's latest invitation, who may be invited, and the admin's
 * automatic-invitation rules as an editable form (validated with the same bounds as the server).
 */
import type { AutoInvitationRule, VisitorRow } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';

/** %name% (any case) is the inviting operator's name, as the server fills it in. */
export function fillInvitation(text: string, operatorName: string): string {
  return text.replace(/%name%/gi, operatorName);
}

export type InvitationOutcome = NonNullable<VisitorRow['invitation']>['outcome'];

export const OUTCOME_LABEL: Record<InvitationOutcome, string> = {
  pending: 'Invited',
  accepted: 'Accepted',
  declined: 'Declined',
};

/**
 * Why this visitor cannot be invited now, or undefined when they can. The server checks the same
 * (and more); this only keeps the button from offering what would be refused.
 */
export function inviteBlocker(v: VisitorRow, departed: boolean): string | undefined {
  if (departed || v.connections <= 0) return 'The visitor has left';
  if (v.tag === 'unwelcome') return 'Unwelcome visitors are never invited';
  if (v.chatId && v.chatStatus && v.chatStatus !== 'ended') return 'The visitor is already in a chat';
  return undefined;
}

// ---- automatic-invitation rules ----

/** A rule as the admin edits it: numbers and lists as typed. */
export interface RuleDraft {
  id: string;
  enabled: boolean;
  scope: 'site' | 'page';
  delaySeconds: string;
  urlPattern: string;
  /** '' any visitor, 'any' from any search engine, 'engines' from the listed ones. */
  search: '' | 'any' | 'engines';
  searchEngines: string;
  languages: string;
  /** '' either, 'yes' only returning, 'no' only first-time. */
  returning: '' | 'yes' | 'no';
  minPageViews: string;
  text: string;
  onlyWhenOperatorAvailable: boolean;
}

const list = (v: string) =>
  v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);

export function newRuleId(): string {
  const rnd = Math.random().toString(36).slice(2, 8);
  return `rule-${Date.now().toString(36)}-${rnd}`;
}

export function emptyRule(id = newRuleId()): RuleDraft {
  return {
    id,
    enabled: true,
    scope: 'site',
    delaySeconds: '30',
    urlPattern: '',
    search: '',
    searchEngines: '',
    languages: '',
    returning: '',
    minPageViews: '',
    text: "Hello! I'm %name%. Can I help you find what you are looking for?",
    onlyWhenOperatorAvailable: true,
  };
}

export function toRuleDraft(r: AutoInvitationRule): RuleDraft {
  return {
    id: r.id,
    enabled: r.enabled,
    scope: r.scope,
    delaySeconds: String(r.delaySeconds),
    urlPattern: r.urlPattern ?? '',
    search: r.searchEngines?.length ? 'engines' : r.fromSearch ? 'any' : '',
    searchEngines: (r.searchEngines ?? []).join(', '),
    languages: (r.languages ?? []).join(', '),
    returning: r.returning === undefined ? '' : r.returning ? 'yes' : 'no',
    minPageViews: r.minPageViews === undefined ? '' : String(r.minPageViews),
    text: r.text,
    onlyWhenOperatorAvailable: r.onlyWhenOperatorAvailable,
  };
}

/** Field → problem, for the messages shown beside the fields. */
export type RuleErrors = Partial<Record<keyof RuleDraft, string>>;

const int = (v: string) => (/^\d+$/.test(v.trim()) ? Number(v.trim()) : Number.NaN);

/**
 * The rule the API takes, with its priority (the first rule in the list is the highest), or the
 * problems with the draft.
 */
export function fromRuleDraft(
  d: RuleDraft,
  priority: number,
): { rule: AutoInvitationRule; errors?: undefined } | { rule?: undefined; errors: RuleErrors } {
  const errors: RuleErrors = {};
  const delay = int(d.delaySeconds);
  if (!(delay >= 0 && delay <= 86_400)) errors.delaySeconds = 'A delay between 0 and 86400 seconds.';
  const pattern = d.urlPattern.trim();
  if (d.scope === 'page' && !pattern) errors.urlPattern = 'Which pages? For example https://shop.example/products/*';
  if (pattern.length > LIMITS.url) errors.urlPattern = `At most ${LIMITS.url} characters.`;
  const engines = list(d.searchEngines);
  if (d.search === 'engines' && engines.length === 0) errors.searchEngines = 'Name at least one search engine.';
  if (engines.length > 30 || engines.some((e) => e.length > 40))
    errors.searchEngines = 'At most 30 names of 40 characters.';
  const languages = list(d.languages);
  if (languages.length > 30 || languages.some((l) => !/^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$/.test(l)))
    errors.languages = 'Language codes separated by commas, e.g. en, pl, de-AT.';
  const minViews = d.minPageViews.trim() === '' ? undefined : int(d.minPageViews);
  if (minViews !== undefined && !(minViews >= 0 && minViews <= 10_000))
    errors.minPageViews = 'A number of page views between 0 and 10000.';
  const text = d.text.trim();
  if (!text) errors.text = 'Write the invitation.';
  else if (text.length > LIMITS.chatText) errors.text = `At most ${LIMITS.chatText} characters.`;
  if (Object.keys(errors).length) return { errors };
  const rule: AutoInvitationRule = {
    id: d.id,
    enabled: d.enabled,
    priority: Math.max(0, Math.min(1000, priority)),
    delaySeconds: delay,
    scope: d.scope,
    text,
    onlyWhenOperatorAvailable: d.onlyWhenOperatorAvailable,
  };
  if (d.scope === 'page') rule.urlPattern = pattern;
  if (d.search) rule.fromSearch = true;
  if (d.search === 'engines') rule.searchEngines = engines;
  if (languages.length) rule.languages = languages;
  if (d.returning) rule.returning = d.returning === 'yes';
  if (minViews !== undefined && minViews > 0) rule.minPageViews = minViews;
  return { rule };
}

/** Rules in the order the admin sees them: highest priority first (ties keep their order). */
export function orderRules(rules: readonly AutoInvitationRule[]): AutoInvitationRule[] {
  return rules
    .map((r, i) => ({ r, i }))
    .sort((a, b) => b.r.priority - a.r.priority || a.i - b.i)
    .map((x) => x.r);
}

/** Every draft validated; priorities follow the list's order (the top one is tried first). */
export function rulesFromDrafts(
  drafts: readonly RuleDraft[],
): { rules: AutoInvitationRule[]; errors?: undefined } | { rules?: undefined; errors: Record<string, RuleErrors> } {
  const errors: Record<string, RuleErrors> = {};
  const rules: AutoInvitationRule[] = [];
  drafts.forEach((d, i) => {
    const r = fromRuleDraft(d, drafts.length - i);
    if (r.errors) errors[d.id] = r.errors;
    else rules.push(r.rule);
  });
  return Object.keys(errors).length ? { errors } : { rules };
}

/** The list with one item moved up (-1) or down (+1). */
export function move<T>(items: readonly T[], index: number, by: -1 | 1): T[] {
  const to = index + by;
  if (index < 0 || index >= items.length || to < 0 || to >= items.length) return [...items];
  const next = [...items];
  [next[index], next[to]] = [next[to]!, next[index]!];
  return next;
}

/** In words, for the list: "After 30 s on /products/*, from Google, en/pl, returning". */
export function describeRule(r: RuleDraft): string {
  const parts = [
    r.scope === 'page'
      ? `After ${r.delaySeconds || '?'} s on ${r.urlPattern || '(no pages)'}`
      : `After ${r.delaySeconds || '?'} s on the site`,
  ];
  if (r.search === 'any') parts.push('from a search engine');
  if (r.search === 'engines') parts.push(`from ${list(r.searchEngines).join(' or ') || '(no engines)'}`);
  if (r.languages.trim()) parts.push(list(r.languages).join('/'));
  if (r.returning) parts.push(r.returning === 'yes' ? 'returning visitors' : 'first-time visitors');
  if (r.minPageViews.trim() && r.minPageViews.trim() !== '0') parts.push(`≥ ${r.minPageViews.trim()} page views`);
  if (r.onlyWhenOperatorAvailable) parts.push('when an operator is available');
  return parts.join(', ');
}
