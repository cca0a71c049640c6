/**
 * What the table's change stream does, one batch at a time (up to a second of changes):
 * - coalesced grid updates: every visitor row that changed, in one `visitors` frame per console
 *   (a busy site does not flood consoles, or the API Gateway bill, with a frame per page view);
 * - the page-view history items, from what each page-view write recorded on the profile;
 * - the welcomes owed to sockets whose page view came with the connect, and what closing sockets
 *   entails;
 * - hostnames by reverse DNS, off every request path (the answer is stored, which streams again).
 */
import type { VisitorRow } from '../protocol/index.js';
import { type ClosedSockets, socketsClosed } from './connections.js';
import { consoleFollows, deliver } from './delivery.js';
import type { Deps, PageViewItem, ReportDelta } from './ports.js';
import { siteSettings } from './settings.js';
import { parseSocketElement } from './sockets.js';
import type { ChatRecord, Socket, VisitorRecord } from './types.js';
import { visitorRow } from './views.js';
import { welcomeFromStream } from './visitors.js';

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

/**
 * What a page view adds to the report counters. Everything about a page (views, the visits it
 * began, the visits it ended) is one counter item per page and day, so a batch writes each page it
 * saw once. Exits: a visit's latest page is its exit so far; each further page moves the exit on
 * (the previous page's `exits` down, this one's up).
 */
function pageDeltas(pv: { url: string; at: number; entry?: boolean; prevUrl?: string; prevAt?: number }) {
  const deltas: ReportDelta[] = [];
  const day = utcDay(pv.at);
  const page = pageKey(pv.url);
  deltas.push({ day, key: `PAGE#${page}`, url: page, field: 'views', delta: 1 });
  deltas.push({ day, key: `PAGE#${page}`, url: page, field: 'exits', delta: 1 });
  deltas.push({ day, key: 'DAY', field: 'pageViews', delta: 1 });
  if (pv.entry) {
    deltas.push({ day, key: `PAGE#${page}`, url: page, field: 'entries', delta: 1 });
    deltas.push({ day, key: 'DAY', field: 'visits', delta: 1 });
  } else if (typeof pv.prevUrl === 'string') {
    const prev = pageKey(pv.prevUrl);
    deltas.push({ day: utcDay(pv.prevAt ?? pv.at), key: `PAGE#${prev}`, url: prev, field: 'exits', delta: -1 });
  }
  return deltas;
}

/** The socket a change of a visitor profile owes a welcome (`welcomeSocket` changed), if any. */
export function welcomeOwedBy(
  change: ChangeRecord,
): { visitorId: string; connectionId: string; connectedAt: number; known?: string } | undefined {
  if (change.sk !== 'PROFILE' || !change.pk.startsWith('VIS#') || !change.newImage) return undefined;
  const owed = change.newImage.welcomeSocket;
  if (typeof owed !== 'string' || owed === change.oldImage?.welcomeSocket) return undefined;
  const socket = parseSocketElement(owed);
  const known = change.newImage.welcomeKnown;
  return socket
    ? { visitorId: String(change.newImage.visitorId), ...socket, ...(typeof known === 'string' ? { known } : {}) }
    : undefined;
}

/**
 * The page view a change of a visitor profile records, if it records one: the page-view write
 * counts `pageViews` up (a new visit also `visits`). The history item is built from it.
 */
export function pageViewOf(
  change: ChangeRecord,
): (Omit<PageViewItem, 'retentionDays'> & { prevAt?: number }) | undefined {
  if (change.sk !== 'PROFILE' || !change.pk.startsWith('VIS#') || !change.newImage) return undefined;
  const now = change.newImage as unknown as VisitorRecord;
  const before = change.oldImage as unknown as VisitorRecord | undefined;
  if (typeof now.pageViews !== 'number' || now.pageViews <= (before?.pageViews ?? 0)) return undefined;
  const entry = !before || (now.visits ?? 0) > (before.visits ?? 0);
  return {
    siteId: now.siteId,
    visitorId: now.visitorId,
    url: now.url,
    title: now.title ?? '',
    at: now.pageSince,
    entry,
    ...(entry && now.referrer ? { referrer: now.referrer } : {}),
    ...(!entry && before?.url ? { prevUrl: before.url, prevAt: before.pageSince } : {}),
    visitStart: now.visitStart ?? now.pageSince,
    n: now.pageViews,
  };
}

/** Counter changes from one change of a visitor profile (or a page-view item, as older tables stream). */
export function reportDeltas(change: ChangeRecord): { siteId: string; deltas: ReportDelta[] } | undefined {
  const img = change.newImage;
  if (!img || change.eventName === 'REMOVE' || typeof img.siteId !== 'string') return undefined;
  const siteId = img.siteId;
  if (change.sk.startsWith('PV#')) {
    if (change.eventName !== 'INSERT') return undefined;
    return {
      siteId,
      deltas: pageDeltas({
        url: String(img.url),
        at: Number(img.at),
        entry: !!img.entry,
        ...(typeof img.prevUrl === 'string' ? { prevUrl: img.prevUrl } : {}),
      }),
    };
  }
  if (change.sk !== 'PROFILE' || !change.pk.startsWith('VIS#')) return undefined;
  const now = img as unknown as VisitorRecord;
  const before = change.oldImage as unknown as VisitorRecord | undefined;
  const deltas: ReportDelta[] = [];
  const pv = pageViewOf(change);
  if (pv) deltas.push(...pageDeltas(pv));
  // A visitor counts once per day: on their first page view of that day.
  if (!before || utcDay(before.pageSince) !== utcDay(now.pageSince)) {
    deltas.push({ day: utcDay(now.pageSince), key: 'DAY', field: 'visitors', delta: 1 });
  }
  return deltas.length ? { siteId, deltas } : undefined;
}

/** Sockets that left a visitor's or operator's `connIds` in this change (closed, or expired). */
export function closedSocketsOf(change: ChangeRecord): ClosedSockets | undefined {
  if (change.sk !== 'PROFILE' || !change.oldImage || !change.newImage) return undefined;
  const role = change.pk.startsWith('VIS#') ? 'visitor' : change.pk.startsWith('OP#') ? 'operator' : undefined;
  if (!role) return undefined;
  const before = (change.oldImage.sockets as Socket[] | undefined) ?? [];
  const after = new Set(((change.newImage.sockets as Socket[] | undefined) ?? []).map((s) => s.connectionId));
  const closed = before.map((s) => s.connectionId).filter((id) => !after.has(id));
  if (closed.length === 0) return undefined;
  const img = change.newImage;
  return {
    role,
    siteId: String(img.siteId),
    ownerId: String(role === 'visitor' ? img.visitorId : img.operatorId),
    closed,
    remaining: after.size,
    ...(role === 'visitor' && typeof img.openChatId === 'string' ? { openChatId: img.openChatId } : {}),
    ...(role === 'operator' && typeof img.status === 'string' ? { status: img.status } : {}),
  };
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

export async function processChanges(deps: Deps, changes: ChangeRecord[], dns?: HostnameResolver): Promise<void> {
  // Latest image of each changed visitor; chats whose visitor's row must be rebuilt.
  const visitors = new Map<string, VisitorRecord>();
  const changedChats = new Map<string, ChatRecord>();
  const views: (Omit<PageViewItem, 'retentionDays'> & { prevAt?: number })[] = [];
  const closed: ClosedSockets[] = [];
  /** Sockets owed a welcome (their page view came with the connect), by visitor. */
  const welcomes = new Map<string, { visitorId: string; connectionId: string; connectedAt: number; known?: string }>();
  for (const c of changes) {
    const pv = pageViewOf(c);
    if (pv) views.push(pv);
    const gone = closedSocketsOf(c);
    if (gone) closed.push(gone);
    const owed = welcomeOwedBy(c);
    if (owed) welcomes.set(owed.connectionId, owed);
    if (c.sk === 'PROFILE' && c.pk.startsWith('VIS#') && c.newImage) {
      visitors.set(String(c.newImage.visitorId), c.newImage as unknown as VisitorRecord);
    } else if (c.sk === 'META' && c.pk.startsWith('CHAT#') && c.newImage && rowRelevant(c)) {
      changedChats.set(String(c.newImage.chatId), c.newImage as unknown as ChatRecord);
    }
  }

  // The page-view history: what the page-view write recorded, as items, 25 to a request (a
  // retried batch writes the same keys again, harmlessly).
  const retention = new Map<string, number>();
  for (const siteId of new Set(views.map((v) => v.siteId))) {
    retention.set(siteId, (await siteSettings(deps, siteId)).console.retentionDays);
  }
  // Welcomes first: a visitor's widget waits for its own. Sent with the visitor as the batch
  // leaves it, to sockets still open.
  const welcomed = [...welcomes.values()].flatMap(({ visitorId, known, ...socket }) => {
    const visitor = visitors.get(visitorId);
    const open = visitor?.sockets?.some((s) => s.connectionId === socket.connectionId);
    return visitor && open ? [welcomeFromStream(deps, visitor, socket, known)] : [];
  });
  await Promise.all([
    ...welcomed,
    views.length
      ? deps.store.putPageViews(views.map((v) => ({ ...v, retentionDays: retention.get(v.siteId) ?? 90 })))
      : undefined,
    socketsClosed(deps, closed),
  ]);

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
      const ctx = { now, graceMs: settings.console.departedGraceMs, truncateIp: settings.console.truncateIp };
      const chatOf = (v: VisitorRecord) => (v.openChatId ? chats.get(v.openChatId) : undefined);
      const rows = list.map((v) => visitorRow(v, chatOf(v), ctx));
      const conns = await deps.store.operatorConnections(siteId);
      const everyone = conns.filter((c) => !c.silent).map((c) => c.connectionId);
      for (const frame of rowFrames(rows)) await deliver(deps, everyone, { type: 'visitors', visitors: frame });
      // A silent department's console sees only the visitors of its own chats.
      for (const c of conns.filter((c) => c.silent)) {
        const own = rows.filter((_, i) => {
          const chat = chatOf(list[i]!);
          return chat !== undefined && consoleFollows(c, chat);
        });
        for (const frame of rowFrames(own))
          await deliver(deps, [c.connectionId], { type: 'visitors', visitors: frame });
      }
      if (dns && !settings.console.truncateIp) {
        await Promise.all(
          list
            // Unresolved, or resolved for an older address (hostIp absent: resolved before it was kept).
            .filter((v) => v.ip && (!v.hostname || (v.hostIp !== undefined && v.hostIp !== v.ip)))
            .filter((v) => (v.connections ?? 0) > 0)
            .map(async (v) => {
              const hostname = await dns.lookup(v.ip!);
              if (hostname) await deps.store.setVisitorHostname(v.visitorId, v.ip!, hostname);
            }),
        );
      }
    }),
  );
}
