/**
 * The visitors grid without any UI: presence as of "now" (a visitor with no socket is departed
 * once the site's grace period has passed), the seed's four filters, the text search, sorting,
 * and which rows are new arrivals. Pure functions; the clock is always passed in.
 */
import type {
  ConsoleSettings,
  OperatorProfile,
  VisitorRow,
  VisitorStatus,
  VisitorTag,
} from '../functions/protocol/events.js';
import { VISITOR_TAGS } from '../functions/protocol/events.js';

export type Presence = VisitorRow['presence'];

/**
 * The seed's views: Show All (chatting, browsing, departed); Hide Other Operators Activity
 * (`mine`: only chatting visitors assigned to me); Show Only Chatting; Show Only Browsing
 * (browsing and chatting, not departed).
 */
export type GridFilter = 'all' | 'mine' | 'chatting' | 'browsing';
export const GRID_FILTERS: readonly GridFilter[] = ['all', 'mine', 'chatting', 'browsing'];

export type SortKey = 'status' | 'tag' | 'visitor' | 'page' | 'location' | 'time' | 'visits' | 'source' | 'client';
export interface GridSort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

/** Used until the welcome brings the site's own settings. */
export const DEFAULT_SETTINGS: ConsoleSettings = {
  maxChatsPerOperator: 3,
  dropAssignmentOnEnd: false,
  queueTimeoutMs: 120_000,
  acceptGreeting: '',
  operatorGraceMs: 60_000,
  invitationText: "Hello! I'm %name%. If you have any questions, I'm ready to help you. Just click Start Chat.",
  departedGraceMs: 30_000,
  departedVisibleMs: 30 * 60_000,
  truncateIp: false,
  retentionDays: 90,
  autoAwayMs: 10 * 60_000,
};

export const STATUS_ORDER: readonly VisitorStatus[] = [
  'waiting-for-chat',
  'waiting-for-response',
  'operator-waiting',
  'chatted-invited',
  'returning',
  'no-activity',
];

export const STATUS_LABEL: Record<VisitorStatus, string> = {
  'waiting-for-chat': 'Waiting for chat',
  'waiting-for-response': 'Waiting for response',
  'operator-waiting': 'Operator waiting for response',
  'chatted-invited': 'Chatted / invited',
  returning: 'Returning visitor',
  'no-activity': 'No chatting activity',
};

/** Short labels for the legend (the tooltip has the full one). */
export const STATUS_SHORT: Record<VisitorStatus, string> = {
  'waiting-for-chat': 'Waiting for chat',
  'waiting-for-response': 'Waiting for response',
  'operator-waiting': 'Operator waiting',
  'chatted-invited': 'Chatted / invited',
  returning: 'Returning',
  'no-activity': 'No activity',
};

export const STATUS_HINT: Record<VisitorStatus, string> = {
  'waiting-for-chat': 'Asked for a chat; no operator has taken it yet',
  'waiting-for-response': 'The visitor wrote last and waits for an operator',
  'operator-waiting': 'An operator wrote last and waits for the visitor',
  'chatted-invited': 'Has chatted or been invited on this visit',
  returning: 'Has been here before; no chat on this visit',
  'no-activity': 'Browsing, no chat activity',
};

export const TAG_LABEL: Record<VisitorTag, string> = {
  prospect: 'Prospect',
  customer: 'Customer',
  frequent: 'Frequent Visitor',
  subscriber: 'Subscriber',
  unwelcome: 'Unwelcome Visitor',
};

export const FILTER_LABEL: Record<GridFilter, string> = {
  all: 'Show All',
  mine: 'Hide Other Operators Activity',
  chatting: 'Show Only Chatting',
  browsing: 'Show Only Browsing',
};

/** Where the visitor is as of `now`: a row without sockets departs once the grace period has passed. */
export function presenceAt(v: VisitorRow, now: number, s: ConsoleSettings): Presence {
  if (v.presence === 'departed') return 'departed';
  if (typeof v.connections === 'number' && v.connections <= 0 && now - v.lastSeen >= s.departedGraceMs) {
    return 'departed';
  }
  return v.presence;
}

/** A departed row older than the site's visible time leaves the grid. */
export function isExpired(v: VisitorRow, now: number, s: ConsoleSettings): boolean {
  return presenceAt(v, now, s) === 'departed' && now - v.lastSeen > s.departedVisibleMs;
}

/** In a chat right now (queued or active), and still on the site. */
export function isChatting(v: VisitorRow, presence: Presence): boolean {
  if (presence === 'departed') return false;
  return presence === 'chatting' || v.chatStatus === 'queued' || v.chatStatus === 'active';
}

/** A silent department forces "Hide Other Operators Activity"; nobody else is forced. */
export function effectiveFilter(filter: GridFilter, me: Pick<OperatorProfile, 'silent'> | undefined): GridFilter {
  return me?.silent ? 'mine' : filter;
}

export function passesFilter(v: VisitorRow, presence: Presence, filter: GridFilter, meId: string | undefined): boolean {
  switch (filter) {
    case 'all':
      return true;
    case 'browsing':
      return presence !== 'departed';
    case 'chatting':
      return isChatting(v, presence);
    case 'mine':
      return isChatting(v, presence) && !!meId && (v.chatOperatorIds ?? []).includes(meId);
  }
}

let regionNames: Intl.DisplayNames | undefined | null;
/** "DE" → "Germany"; codes CloudFront uses for unknown places, and anything unknown, → undefined. */
export function countryName(code: string | undefined): string | undefined {
  if (!code || !/^[A-Za-z]{2}$/.test(code)) return undefined;
  const cc = code.toUpperCase();
  if (cc === 'ZZ' || cc === 'XX') return undefined;
  if (regionNames === undefined) {
    try {
      regionNames = new Intl.DisplayNames(['en'], { type: 'region' });
    } catch {
      regionNames = null;
    }
  }
  try {
    const name = regionNames?.of(cc);
    return name && name !== cc ? name : cc;
  } catch {
    return cc;
  }
}

/** The name shown for a visitor: their own, else "Visitor" and the end of the id. */
export function displayName(v: { visitorId: string; name?: string }): string {
  return v.name || `Visitor ${v.visitorId.slice(-5).toUpperCase()}`;
}

function searchable(v: VisitorRow): string {
  const g = v.geo ?? {};
  const c = v.client ?? {};
  const parts = [
    displayName(v),
    v.visitorId,
    v.url,
    v.title,
    g.city,
    g.region,
    g.country,
    countryName(g.country),
    v.referrer,
    v.searchEngine,
    v.searchQuery,
    v.ip,
    v.hostname,
    g.isp,
    c.browser,
    c.os,
    v.tag,
    v.tag ? TAG_LABEL[v.tag] : undefined,
  ];
  for (const [k, val] of Object.entries(v.custom ?? {})) parts.push(k, val);
  return parts.filter(Boolean).join('\n').toLowerCase();
}

/** Every whitespace-separated word of the query occurs in one of the row's fields (case-insensitive). */
export function matchesSearch(v: VisitorRow, query: string): boolean {
  const words = query.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const text = searchable(v);
  return words.every((w) => text.includes(w));
}

const PRESENCE_RANK: Record<Presence, number> = { chatting: 0, browsing: 1, departed: 2 };
const statusRank = (s: VisitorStatus | undefined) => {
  const i = s ? STATUS_ORDER.indexOf(s) : -1;
  return i < 0 ? STATUS_ORDER.length : i;
};

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

type SortValue = string | number | undefined;

function sortValue(v: VisitorRow, key: SortKey, now: number): SortValue {
  switch (key) {
    case 'status':
      return statusRank(v.status);
    case 'tag':
      return v.tag ? VISITOR_TAGS.indexOf(v.tag) : undefined;
    case 'visitor':
      return displayName(v).toLowerCase();
    case 'page':
      return (v.title || v.url || '').toLowerCase() || undefined;
    case 'location': {
      const country = countryName(v.geo?.country);
      const where = [country, v.geo?.city].filter(Boolean).join(' ').toLowerCase();
      return where || undefined;
    }
    case 'time':
      return now - (v.visitStart || v.firstSeen);
    case 'visits':
      return v.visits;
    case 'source':
      return (v.searchQuery || hostOf(v.referrer) || '').toLowerCase() || undefined;
    case 'client':
      return [v.client?.browser, v.client?.os].filter(Boolean).join(' ').toLowerCase() || undefined;
  }
}

function compareValues(a: SortValue, b: SortValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return String(a).localeCompare(String(b));
}

/** Default order: chatting first, then browsing, then departed; urgent statuses first; newest visits first. */
function defaultCompare(a: GridRow, b: GridRow): number {
  return (
    PRESENCE_RANK[a.presence] - PRESENCE_RANK[b.presence] ||
    (a.presence === 'chatting' ? statusRank(a.row.status) - statusRank(b.row.status) : 0) ||
    (b.row.visitStart || b.row.firstSeen) - (a.row.visitStart || a.row.firstSeen) ||
    (a.row.visitorId < b.row.visitorId ? -1 : a.row.visitorId > b.row.visitorId ? 1 : 0)
  );
}

export interface GridRow {
  row: VisitorRow;
  presence: Presence;
}

export interface GridQuery {
  now: number;
  settings: ConsoleSettings;
  filter: GridFilter;
  me?: Pick<OperatorProfile, 'id' | 'silent'>;
  search?: string;
  sort?: GridSort;
}

/** The rows the grid shows, in order. Empty values sort last in either direction. */
export function gridRows(visitors: Record<string, VisitorRow>, q: GridQuery): GridRow[] {
  const filter = effectiveFilter(q.filter, q.me);
  const out: GridRow[] = [];
  for (const row of Object.values(visitors)) {
    if (isExpired(row, q.now, q.settings)) continue;
    const presence = presenceAt(row, q.now, q.settings);
    if (!passesFilter(row, presence, filter, q.me?.id)) continue;
    if (q.search && !matchesSearch(row, q.search)) continue;
    out.push({ row, presence });
  }
  const sort = q.sort;
  if (!sort) return out.sort(defaultCompare);
  const sign = sort.dir === 'asc' ? 1 : -1;
  const values = new Map(out.map((r) => [r.row.visitorId, sortValue(r.row, sort.key, q.now)]));
  return out.sort((a, b) => {
    const va = values.get(a.row.visitorId);
    const vb = values.get(b.row.visitorId);
    if (va === undefined || vb === undefined) {
      if (va !== vb) return va === undefined ? 1 : -1;
      return defaultCompare(a, b);
    }
    return sign * compareValues(va, vb) || defaultCompare(a, b);
  });
}

/** How many rows each filter would show (for the counts beside the filter buttons). */
export function filterCounts(
  visitors: Record<string, VisitorRow>,
  now: number,
  settings: ConsoleSettings,
  meId: string | undefined,
): Record<GridFilter, number> {
  const counts: Record<GridFilter, number> = { all: 0, mine: 0, chatting: 0, browsing: 0 };
  for (const row of Object.values(visitors)) {
    if (isExpired(row, now, settings)) continue;
    const p = presenceAt(row, now, settings);
    for (const f of GRID_FILTERS) if (passesFilter(row, p, f, meId)) counts[f]++;
  }
  return counts;
}

/** Header click: a new column sorts ascending, the same column flips to descending, then back to default. */
export function nextSort(current: GridSort | undefined, key: SortKey): GridSort | undefined {
  if (!current || current.key !== key) return { key, dir: 'asc' };
  if (current.dir === 'asc') return { key, dir: 'desc' };
  return undefined;
}

/**
 * Visitors who arrived with these rows: not in the grid before, or departed before and live now.
 * (A page change inside the grace period is not an arrival.)
 */
export function arrivals(
  before: Record<string, VisitorRow>,
  incoming: readonly VisitorRow[],
  now: number,
  settings: ConsoleSettings,
): string[] {
  const out: string[] = [];
  for (const v of incoming) {
    if (presenceAt(v, now, settings) === 'departed') continue;
    const prev = before[v.visitorId];
    if (!prev || presenceAt(prev, now, settings) === 'departed') out.push(v.visitorId);
  }
  return out;
}

/** Drops rows that have been departed for longer than the visible time; the same object when none. */
export function pruneExpired(
  visitors: Record<string, VisitorRow>,
  now: number,
  settings: ConsoleSettings,
): Record<string, VisitorRow> {
  let out: Record<string, VisitorRow> | undefined;
  for (const [id, v] of Object.entries(visitors)) {
    if (!isExpired(v, now, settings)) continue;
    out ??= { ...visitors };
    delete out[id];
  }
  return out ?? visitors;
}
