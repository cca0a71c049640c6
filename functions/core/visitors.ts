/**
 * Visitors: page views and what is known about a visitor, the welcome, custom information,
 * tags and notes, and the details an operator opens. Grid rows reach operator consoles through
 * the table's stream (grid-stream.ts), coalesced, never from here.
 */
import type { VisitorDetails, VisitorNote, VisitorWelcome, VisitSummary } from '../protocol/index.js';
import { LIMITS } from '../protocol/limits.js';
import type { NoteVisitorFrame, PageViewFrame, TagVisitorFrame, VisitorInfoFrame } from '../protocol/schemas.js';
import { welcomeDigest } from '../protocol/welcome-digest.js';
import { type Caller, withReqId } from './context.js';
import { deliver } from './delivery.js';
import { BadRequestError, ForbiddenError, NotFoundError } from './errors.js';
import { scheduleAutoInvitation } from './invitations.js';
import { truncateIp } from './ip.js';
import { forVisitor } from './offline-messages.js';
import { silentMaySee } from './permissions.js';
import type { Deps } from './ports.js';
import { isAvailable } from './routing.js';
import { searchFromReferrer } from './search-referrer.js';
import { siteSettings } from './settings.js';
import { socketElement } from './sockets.js';
import type { Identity, OperatorRecord, SiteSettings, Socket, VisitorRecord } from './types.js';
import { chatSummary, visitorRow } from './views.js';

/** A visitor seen again after this long starts a new visit. */
export const VISIT_GAP_MS = 30 * 60 * 1000;
/** At most this many messages travel in a welcome; the widget fills older gaps with `sync`. */
export const WELCOME_MESSAGES = 200;

function hostOf(url: string | undefined): string | undefined {
  if (!url) return undefined;
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * Operators available for chat, for the widget's button ("Live Help" or "Leave a message"). Every
 * full page load asks, so each function instance keeps the answer for a few seconds.
 */
const ONLINE_CACHE_MS = 5_000;
const onlineCache = new Map<string, { at: number; count: number; departments: string[] }>();
async function operatorsSnapshot(
  deps: Pick<Deps, 'store' | 'clock'>,
  siteId: string,
): Promise<{ count: number; departments: string[] }> {
  const now = deps.clock.now();
  const hit = onlineCache.get(siteId);
  if (hit && now - hit.at < ONLINE_CACHE_MS) return hit;
  const operators = await deps.store.siteOperators(siteId);
  const count = operators.filter(isAvailable).length;
  const departments = await visitorDepartments(deps, siteId, operators);
  onlineCache.set(siteId, { at: now, count, departments });
  return { count, departments };
}

/**
 * The departments a visitor may choose (welcome, leave-message, chat-request): the site's
 * department items that are not silent (a silent department is never shown to visitors) and have
 * an enabled operator. Without department items (test stubs), non-silent operators' departments.
 */
export async function visitorDepartments(
  deps: Pick<Deps, 'store'>,
  siteId: string,
  operators: OperatorRecord[],
): Promise<string[]> {
  const enabled = operators.filter((o) => !o.disabled);
  const staffed = new Set(enabled.flatMap((o) => o.departments ?? []));
  const items = deps.store.siteDepartments
    ? await deps.store.siteDepartments(siteId)
    : [...new Set(enabled.filter((o) => !o.silent).flatMap((o) => o.departments ?? []))].map((name) => ({
        name,
        silent: false,
      }));
  return [...new Set(items.filter((d) => !d.silent && staffed.has(d.name)).map((d) => d.name))].sort();
}

/** The visitor's department choice, when given, must be one of visitorDepartments (cached a few seconds). */
export async function assertVisitorDepartment(
  deps: Pick<Deps, 'store' | 'clock'>,
  siteId: string,
  department: string | undefined,
): Promise<void> {
  if (department === undefined) return;
  if (!(await operatorsSnapshot(deps, siteId)).departments.includes(department)) {
    throw new BadRequestError('department: no such department');
  }
}
export async function operatorsOnlineCount(deps: Pick<Deps, 'store' | 'clock'>, siteId: string): Promise<number> {
  return (await operatorsSnapshot(deps, siteId)).count;
}

/** After a status change in this instance (other instances catch up within ONLINE_CACHE_MS). */
export function forgetOperatorsOnline(siteId: string): void {
  onlineCache.delete(siteId);
}

/**
 * Connections that sent a page view to this instance: their next view is almost surely not a
 * visit's first, which picks the write to try first (a wrong guess costs one refused write).
 */
const seenSockets = new Set<string>();
const SEEN_MAX = 10_000;

/**
 * A page view, from a `page-view` frame or (`atConnect`) from the connect request's `pv`
 * parameter, recorded by the `$connect` authorizer before the socket opens: the view is one
 * write either way, but at connect nobody can be answered yet, so the write marks the socket as
 * owed a welcome and the table stream sends it (welcomeFromStream). That saves a full page load
 * its second Lambda invocation and an inbound WebSocket message.
 */
export async function recordPageView(
  deps: Deps,
  caller: Caller,
  frame: PageViewFrame,
  options: { atConnect?: boolean } = {},
): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors send page views');
  const now = deps.clock.now();
  const socket = socketElement(caller.connectedAt ?? 0, caller.connectionId);
  const settings = await siteSettings(deps, identity.siteId);
  const retentionDays = settings.console.retentionDays;
  const atConnect = options.atConnect === true;
  // A socket reopened on the same page (network blip, idle timeout): present again, no new view.
  if (frame.resume && !atConnect && !seenSockets.has(socket)) {
    remember(socket);
    const resumed = await deps.store.resumeSocket(identity.visitorId, socket, now);
    if (resumed) return welcomeVisitor(deps, caller, resumed, settings);
  }
  // The visit's referrer is the external page that brought the visitor, not our own previous page.
  const external = frame.referrer && hostOf(frame.referrer) !== hostOf(frame.url) ? frame.referrer : undefined;
  const search = searchFromReferrer(external);
  // With IP truncation on, the full address is never stored.
  let enrichment = caller.enrichment;
  if (enrichment?.ip && settings.console.truncateIp) enrichment = { ...enrichment, ip: truncateIp(enrichment.ip) };
  const tracked = await deps.store.trackPageView({
    siteId: identity.siteId,
    visitorId: identity.visitorId,
    url: frame.url,
    title: frame.title,
    ...(frame.lang ? { lang: frame.lang } : {}),
    ...(frame.screen ? { screen: frame.screen } : {}),
    ...(frame.custom ? { custom: frame.custom } : {}),
    at: now,
    socket,
    ...(enrichment ? { enrichment } : {}),
    retentionDays,
    visitGapMs: VISIT_GAP_MS,
    visit: { ...(external ? { referrer: external } : {}), ...(search ? { search } : {}) },
    // A visitor without a valid token is new: their first view begins a visit.
    guessNewVisit: !identity.returning && (atConnect || !seenSockets.has(socket)),
    ...(atConnect ? { pushWelcome: true, ...(frame.known ? { knownWelcome: frame.known } : {}) } : {}),
  });
  if (!atConnect) remember(socket);
  // The page-view history item and the report counters follow from this write on the stream.
  const counted = tracked.after;
  await scheduleAutoInvitation(deps, counted, settings.autoInvitations).catch(() => 'none');
  if (!tracked.first || atConnect) return;
  await welcomeVisitor(deps, caller, counted, settings);
}

/**
 * The welcome a view recorded at connect is owed (the stream saw `welcomeSocket` change): the
 * same answer a `page-view` frame gets, to that socket. A retried stream batch welcomes again,
 * which the widget takes as a refresh.
 */
export async function welcomeFromStream(
  deps: Deps,
  visitor: VisitorRecord,
  socket: Socket,
  known?: string,
): Promise<void> {
  const settings = await siteSettings(deps, visitor.siteId);
  const caller: Caller = {
    identity: {
      role: 'visitor',
      siteId: visitor.siteId,
      visitorId: visitor.visitorId,
      returning: visitor.visits > 1 || visitor.pageViews > 1,
    },
    connectionId: socket.connectionId,
    ...(socket.connectedAt ? { connectedAt: socket.connectedAt } : {}),
  };
  await welcomeVisitor(deps, caller, visitor, settings, known);
}

function remember(socket: string): void {
  if (seenSockets.size >= SEEN_MAX) seenSockets.clear();
  seenSockets.add(socket);
}

/** The answer to a socket's first page view: identity, the open chat, and the widget's settings. */
async function welcomeVisitor(
  deps: Deps,
  caller: Caller,
  counted: VisitorRecord,
  settings: SiteSettings,
  known?: string,
): Promise<void> {
  const identity = caller.identity as Extract<Identity, { role: 'visitor' }>;
  const chat = counted.openChatId ? await deps.store.getChat(counted.openChatId) : undefined;
  const openChat = chat && chat.status !== 'ended' ? chat : undefined;
  if (openChat) await deps.store.attachConnections(openChat.chatId, { [caller.connectionId]: 'v' });
  const [operatorsOnline, messages] = await Promise.all([
    operatorsOnlineCount(deps, identity.siteId),
    openChat
      ? deps.store.messagesAfter(openChat.chatId, Math.max(0, openChat.seq - WELCOME_MESSAGES), WELCOME_MESSAGES)
      : [],
  ]);
  const { departments } = await operatorsSnapshot(deps, identity.siteId); // cached by the count above
  const welcome: VisitorWelcome = {
    type: 'welcome',
    role: 'visitor',
    visitorId: identity.visitorId,
    visitorToken: deps.tokens.sign(identity.siteId, identity.visitorId),
    returning: counted.visits > 1 || identity.returning,
    operatorsOnline,
    ...(openChat
      ? { chat: { ...forVisitor(chatSummary(openChat), openChat, settings, deps.clock.now()), messages } }
      : {}),
    widget: settings.widget,
    chatBlocked: counted.tag === 'unwelcome',
    ...(departments.length > 1 ? { departments } : {}),
  };
  // The widget holds this very welcome from its previous page, and there is no chat to restore.
  if (known && !welcome.chat && welcomeDigest(welcome) === known) return;
  await deliver(deps, [caller.connectionId], withReqId(welcome, caller.reqId));
}

/** `parley('set', {...})`: merged into the visitor's custom information, within the limits. */
export async function updateVisitorInfo(deps: Deps, caller: Caller, frame: VisitorInfoFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors send visitor-info');
  const visitor = await deps.store.getVisitor(identity.visitorId);
  if (!visitor) throw new BadRequestError('send a page-view first');
  const merged = { ...visitor.custom, ...frame.custom };
  if (Object.keys(merged).length > LIMITS.customFields) {
    throw new BadRequestError(`at most ${LIMITS.customFields} custom fields per visitor`);
  }
  await deps.store.setVisitorCustom(identity.visitorId, merged);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'ack' as const, action: 'visitor-info' }, caller.reqId));
}

/** An operator of the site, enabled; the visitor must belong to the same site. */
async function operatorAndVisitor(
  deps: Deps,
  identity: Identity,
  visitorId: string,
): Promise<{ op: OperatorRecord; visitor: VisitorRecord }> {
  if (identity.role !== 'operator') throw new ForbiddenError('only operators may do that');
  const [op, visitor] = await Promise.all([
    deps.store.getOperator(identity.operatorId),
    deps.store.getVisitor(visitorId),
  ]);
  if (!op || op.disabled) throw new ForbiddenError('this operator is disabled');
  if (!visitor || visitor.siteId !== identity.siteId) throw new NotFoundError('no such visitor');
  if (!(await silentMaySeeVisitor(deps, op, visitor))) throw new NotFoundError('no such visitor');
  return { op, visitor };
}

/** A silent-department operator sees only the visitors of the chats they take part in. */
async function silentMaySeeVisitor(deps: Deps, op: OperatorRecord, visitor: VisitorRecord): Promise<boolean> {
  if (!op.silent) return true;
  return silentMaySee(op, visitor.openChatId ? await deps.store.getChat(visitor.openChatId) : undefined);
}

export async function tagVisitor(deps: Deps, caller: Caller, frame: TagVisitorFrame): Promise<void> {
  await operatorAndVisitor(deps, caller.identity, frame.visitorId);
  await deps.store.setVisitorTag(frame.visitorId, frame.tag);
  // Every console sees the new tag through the stream's coalesced row update.
  await deliver(deps, [caller.connectionId], withReqId({ type: 'ack' as const, action: 'tag-visitor' }, caller.reqId));
}

export async function noteVisitor(deps: Deps, caller: Caller, frame: NoteVisitorFrame): Promise<void> {
  const { op } = await operatorAndVisitor(deps, caller.identity, frame.visitorId);
  const note: VisitorNote = {
    id: deps.ids.next(),
    visitorId: frame.visitorId,
    text: frame.text.trim(),
    operatorId: op.operatorId,
    operatorName: op.name,
    at: deps.clock.now(),
  };
  await deps.store.addNote(note);
  const others = (await deps.store.operatorConnections(op.siteId))
    .map((c) => c.connectionId)
    .filter((id) => id !== caller.connectionId);
  await deliver(deps, others, { type: 'visitor-note', note });
  await deliver(deps, [caller.connectionId], withReqId({ type: 'visitor-note' as const, note }, caller.reqId));
}

/** Page views grouped into visits: a gap of VISIT_GAP_MS or more starts a new one. */
export function groupVisits(
  views: { url: string; referrer?: string; at: number; durationMs: number }[],
): VisitSummary[] {
  const visits: VisitSummary[] = [];
  let current: VisitSummary | undefined;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const v of views) {
    if (!current || v.at - lastEnd >= VISIT_GAP_MS) {
      current = { start: v.at, end: v.at, pages: 0, entryUrl: v.url, ...(v.referrer ? { referrer: v.referrer } : {}) };
      visits.push(current);
    }
    current.pages += 1;
    current.end = v.at + v.durationMs;
    lastEnd = current.end;
  }
  return visits;
}

export const DETAIL_PAGE_VIEWS = 500;

/** Everything known about one visitor, for the console's info panel. */
export async function visitorDetails(deps: Deps, op: OperatorRecord, visitorId: string): Promise<VisitorDetails> {
  const visitor = await deps.store.getVisitor(visitorId);
  if (!visitor || visitor.siteId !== op.siteId) throw new NotFoundError('no such visitor');
  if (!(await silentMaySeeVisitor(deps, op, visitor))) throw new NotFoundError('no such visitor');
  const [settings, stored, chats, notes] = await Promise.all([
    siteSettings(deps, op.siteId),
    deps.store.pageViews(visitorId, DETAIL_PAGE_VIEWS),
    deps.store.visitorChats(visitorId, 100),
    deps.store.notes(visitorId, 200),
  ]);
  const now = deps.clock.now();
  const ordered = [...stored].sort((a, b) => a.at - b.at);
  const pageViews = ordered.map((pv, i) => {
    const next = ordered[i + 1];
    // Time on a page: until the next view in the same visit, else until the visitor was last seen.
    const end =
      next && next.at - pv.at < VISIT_GAP_MS
        ? next.at
        : Math.max(pv.at, i === ordered.length - 1 ? visitor.lastSeen : pv.at);
    return {
      url: pv.url,
      title: pv.title,
      ...(pv.referrer ? { referrer: pv.referrer } : {}),
      at: pv.at,
      durationMs: end - pv.at,
    };
  });
  const open = chats.find((c) => c.chatId === visitor.openChatId);
  return {
    visitor: visitorRow(visitor, open, {
      now,
      graceMs: settings.console.departedGraceMs,
      truncateIp: settings.console.truncateIp,
    }),
    pageViews,
    visits: groupVisits(pageViews),
    chats: chats.map((c) => chatSummary(c)),
    notes,
  };
}
