/** Site settings with their defaults, read through a short per-instance cache (settings change rarely). */
import type { ConsoleSettings, WidgetSettings } from '../protocol/index.js';
import { ForbiddenError } from './errors.js';
import type { Clock, Store } from './ports.js';
import type { OperatorRecord, SiteSettings } from './types.js';

/** '' texts and language mean the widget's own words in the page's language. */
export const DEFAULT_WIDGET_SETTINGS: Required<WidgetSettings> = {
  greeting: '',
  color: '#2563eb',
  textColor: '#ffffff',
  buttonText: '',
  position: 'right',
  vertical: 'bottom',
  lang: '',
};

/** What GET and PUT /api/settings answer: the console settings and the widget's appearance. */
export type SettingsView = ConsoleSettings & { widget: WidgetSettings };

export async function settingsView(deps: { store: Store; clock: Clock }, siteId: string): Promise<SettingsView> {
  const s = await siteSettings(deps, siteId);
  return { ...s.console, widget: s.widget };
}

/** PUT /api/settings: admins only; the widget's appearance only when the body carries it. */
export async function updateSettings(
  deps: { store: Store; clock: Clock },
  op: Pick<OperatorRecord, 'role' | 'siteId'>,
  body: ConsoleSettings & { widget?: WidgetSettings },
): Promise<SettingsView> {
  if (op.role !== 'admin') throw new ForbiddenError('only admins change settings');
  const { widget, ...given } = body;
  // Fields a client may omit (older consoles) keep their current value.
  const current = (await siteSettings(deps, op.siteId)).console;
  const console: ConsoleSettings = {
    ...given,
    siteName: (given.siteName ?? current.siteName ?? '').trim(),
    typingPreview: given.typingPreview ?? current.typingPreview ?? false,
    autoAwayMs: given.autoAwayMs ?? current.autoAwayMs ?? DEFAULT_CONSOLE_SETTINGS.autoAwayMs,
  };
  await deps.store.putConsoleSettings(op.siteId, console);
  if (widget) await deps.store.putWidgetSettings(op.siteId, widget);
  forgetSiteSettings(op.siteId);
  return settingsView(deps, op.siteId);
}

export const DEFAULT_CONSOLE_SETTINGS: ConsoleSettings = {
  maxChatsPerOperator: 3,
  dropAssignmentOnEnd: false,
  queueTimeoutMs: 2 * 60_000,
  // Off until an admin writes one, e.g. 'Hello, I am %name%. How can I help you, %visitor%?'
  acceptGreeting: '',
  operatorGraceMs: 60_000,
  invitationText: "Hello! I'm %name%. If you have any questions, I'm ready to help you. Just click Start Chat.",
  departedGraceMs: 30_000,
  departedVisibleMs: 30 * 60_000,
  truncateIp: false,
  retentionDays: 90,
  // '' means the site id (transcripts.ts siteNameOf).
  siteName: '',
  // Privacy first: operators see typed text only once it is sent, unless an admin allows previews.
  typingPreview: false,
  // Ten minutes without keyboard or mouse: Away, so visitors are not left waiting on nobody.
  autoAwayMs: 10 * 60_000,
};

const CACHE_MS = 30_000;
const cache = new Map<string, { at: number; value: SiteSettings }>();

export async function siteSettings(deps: { store: Store; clock: Clock }, siteId: string): Promise<SiteSettings> {
  const hit = cache.get(siteId);
  const now = deps.clock.now();
  if (hit && now - hit.at < CACHE_MS) return hit.value;
  const saved = await deps.store.getSettings(siteId);
  const value: SiteSettings = {
    widget: { ...DEFAULT_WIDGET_SETTINGS, ...saved.widget },
    console: { ...DEFAULT_CONSOLE_SETTINGS, ...saved.console },
    autoInvitations: saved.autoInvitations ?? [],
  };
  cache.set(siteId, { at: now, value });
  return value;
}

/** After a change in this instance; other instances catch up within CACHE_MS. */
export function forgetSiteSettings(siteId: string): void {
  cache.delete(siteId);
}
