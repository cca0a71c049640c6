/**
 * What the table's change stream does, one batch at a time (up to a second of changes):
 * - coalesced grid updates: every visitor row that changed, in one `visitors` frame per console
 *   (a busy site does not flood consoles, or the API Gateway bill, with a frame per page view);
 * - report counters (pages, entry and exit pages, visitors, visits, page views per day), summed
 *   per batch and written once per counter;
 * - hostnames by reverse DNS, off every request path (the answer is stored, which streams again).
 */
import type { VisitorRow } from '../protocol/index.js';
import { deliver } from './delivery.js';
import type { Deps, ReportDelta } from './ports.js';
import { siteSettings } from './settings.js';
import type { ChatRecord, VisitorRecord } from './types.js';
import { visitorRow } from './views.js';

export interface ChangeRecord {
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  pk: string;
  sk: string;
  newImage?: Record<string, unknown>;
  oldImage?: Record<string, unknown>;
}

export interface HostnameResolver {
  lookup(ip: string): Promise<string | undefined>;
}

/** API Gateway frames are at most 32 KB: rows go out in frames well under that. */
const FRAME_BUDGET = 28 * 1024;

export const utcDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Reports count pages by origin and path: query strings (utm_…) and fragments would split them. */
export function pageKey(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`.slice(0, 500);
  } catch {
    return url.slice(0, 500);
  }
}

/** Counter changes from one change of a visitor profile or a new page view. */
export function reportDeltas(change: ChangeRecord): { siteId: string; deltas: ReportDelta[] } | undefined {
  const img = change.newImage;
  if (!img || change.eventName === 'REMOVE' || typeof img.siteId !== 'string') return undefined;
  const siteId = img.siteId;
  const deltas: ReportDelta[] = [];
  if (change.sk.startsWith('PV#')) {
    if (change.eventName !== 'INSERT') return undefined;
    const day = utcDay(Number(img.at));
    const page = pageKey(String(img.url));
    deltas.push({ day, key: `PAGE#${page}`, url: page, field: 'views', delta: 1 });
    deltas.push({ day, key: 'DAY', field: 'pageViews', delta: 1 });
    // Exit pages: the last page of each visit. A visit's first page is its exit so far; each
    // further page moves the exit along (counted on the day the visit began).
    const visitDay = utcDay(Number(img.visitStart ?? img.at));
    if (img.entry) {
      deltas.push({ day, key: `ENTRY#${page}`, url: page, field: 'visits', delta: 1 });
      deltas.push({ day, key: 'DAY', field: 'visits', delta: 1 });
      deltas.push({ day: visitDay, key: `EXIT#${page}`, url: page, field: 'visits', delta: 1 });
    } else if (typeof img.prevUrl === 'string' && pageKey(img.prevUrl) !== page) {
      const prev = pageKey(img.prevUrl);
      deltas.push({ day: visitDay, key: `EXIT#${prev}`, url: prev, field: 'visits', delta: -1 });
      deltas.push({ day: visitDay, key: `EXIT#${page}`, url: page, field: 'visits', delta: 1 });
    }
    return { siteId, deltas };
  }
  if (change.sk !== 'PROFILE') return undefined;
  const now = img as unknown as VisitorRecord;
  const before = change.oldImage as unknown as VisitorRecord | undefined;
  // A visitor counts once per day: on their first page view of that day.
  if (!before || utcDay(before.pageSince) !== utcDay(now.pageSince)) {
    deltas.push({ day: utcDay(now.pageSince), key: 'DAY', field: 'visitors', delta: 1 });
  }
  return deltas.length ? { siteId, deltas } : undefined;
}

/**
 * A chat change matters to the grid only if it changes a row: its status, its operators, or who
 * wrote last (the waiting-for-response statuses). A message that keeps the same writer does not.
 */
export function rowRelevant(c: ChangeRecord): boolean {
  if (!c.oldImage || !c.newImage) return true;
  const pick = (i: Record<string, unknown>) => JSON.stringify([i.status, i.lastFrom, i.operatorIds ?? i.operators]);
  return pick(c.oldImage) !== pick(c.newImage);
}

/** Rows into frames under the API Gateway frame size. */
export function rowFrames(rows: VisitorRow[]): VisitorRow[][] {
  const frames: VisitorRow[][] = [];
  let current: VisitorRow[] = [];
  let size = 0;
  for (const row of rows) {
    const bytes = Buffer.byteLength(JSON.stringify(row)) + 1;
    if (current.length && size + bytes > FRAME_BUDGET) {
      frames.push(current);
      current = [];
      size = 0;
    }
    current.push(row);
    size += bytes;
  }
  if (current.length) frames.push(current);
  return frames;
}

export async function processChanges(
  deps: Deps,
  changes: ChangeRecord[],
  batchId: string,
  dns?: HostnameResolver,
): Promise<void> {
  // Latest image of each changed visitor; chats whose visitor's row must be rebuilt.
  const visitors = new Map<string, VisitorRecord>();
  const changedChats = new Map<string, ChatRecord>();
  const counters = new Map<string, ReportDelta[]>();
  for (const c of changes) {
    const counted = reportDeltas(c);
    if (counted) counters.set(counted.siteId, [...(counters.get(counted.siteId) ?? []), ...counted.deltas]);
    if (c.sk === 'PROFILE' && c.pk.startsWith('VIS#') && c.newImage) {
      visitors.set(String(c.newImage.visitorId), c.newImage as unknown as VisitorRecord);
    } else if (c.sk === 'META' && c.pk.startsWith('CHAT#') && c.newImage && rowRelevant(c)) {
      changedChats.set(String(c.newImage.chatId), c.newImage as unknown as ChatRecord);
    }
  }

  const batchIdSafe = batchId.slice(0, 200);
  await Promise.all([...counters].map(([siteId, deltas]) => deps.store.addReportCounts(siteId, deltas, batchIdSafe)));

  // Visitors of changed chats whose profile did not change in this batch.
  const missing = [...changedChats.values()].map((c) => c.visitorId).filter((id) => !visitors.has(id));
  for (const v of await deps.store.getVisitors(missing)) visitors.set(v.visitorId, v);
  if (visitors.size === 0) return;
  const needChats = [...visitors.values()]
    .map((v) => v.openChatId)
    .filter((id): id is string => !!id && !changedChats.has(id));
  const chats = new Map(changedChats);
  for (const c of await deps.store.getChats(needChats)) chats.set(c.chatId, c);

  const bySite = new Map<string, VisitorRecord[]>();
  for (const v of visitors.values()) bySite.set(v.siteId, [...(bySite.get(v.siteId) ?? []), v]);
  const now = deps.clock.now();
  await Promise.all(
    [...bySite].map(async ([siteId, list]) => {
      const settings = await siteSettings(deps, siteId);
      const ctx = { now, graceMs: settings.console.departedGraceMs };
      const rows = list.map((v) => visitorRow(v, v.openChatId ? chats.get(v.openChatId) : undefined, ctx));
      const consoles = (await deps.store.operatorConnections(siteId)).map((c) => c.connectionId);
      for (const frame of rowFrames(rows)) await deliver(deps, consoles, { type: 'visitors', visitors: frame });
      if (dns && !settings.console.truncateIp) {
        await Promise.all(
          list
            .filter((v) => v.ip && !v.hostname && (v.connections ?? 0) > 0)
            .map(async (v) => {
              const hostname = await dns.lookup(v.ip!);
              if (hostname) await deps.store.setVisitorHostname(v.visitorId, v.ip!, hostname);
            }),
        );
      }
    }),
  );
}
