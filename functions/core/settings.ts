/** Site settings with their defaults, read through a short per-instance cache (settings change rarely). */
import type { ConsoleSettings, WidgetSettings } from '../protocol/index.js';
import type { Clock, Store } from './ports.js';
import type { SiteSettings } from './types.js';

export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  greeting: 'Hi! How can we help you today?',
  color: '#2563eb',
  position: 'right',
  lang: 'en',
};

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
