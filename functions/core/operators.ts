/** The operator's session: tickets, hello snapshot, status. */
import type { ConsoleSettings, OperatorPreferences, OperatorProfile, OperatorWelcome } from '../protocol/index.js';
import type { SetStatusFrame } from '../protocol/schemas.js';
import { broadcastOperators } from './connections.js';
import { type Caller, withReqId } from './context.js';
import { deliver, deliverToOperators } from './delivery.js';
import { ForbiddenError } from './errors.js';
import { offlineCountFor } from './offline-messages.js';
import type { Deps } from './ports.js';
import { offerQueuedChats, operatorUnavailable } from './routing.js';
import { forgetSiteSettings, siteSettings } from './settings.js';
import type { ChatRecord, Identity, OperatorRecord } from './types.js';
import { chatSummary, operatorProfile, visitorRow } from './views.js';
import { forgetOperatorsOnline } from './visitors.js';

export const TICKET_TTL_MS = 60_000;

/** The claims the HTTP API's JWT authorizer hands over (Cognito ID token). */
export interface OperatorClaims {
  sub: string;
  email?: string;
  name?: string;
  groups: string[];
}

/**
 * Makes sure a signed-in Cognito user has an operator record (created on first sign-in from the
 * token's claims), and refuses a disabled one. Status and role live in Parley's table.
 */
export async function operatorFromClaims(
  deps: Pick<Deps, 'store'>,
  claims: OperatorClaims,
  siteId: string,
): Promise<OperatorRecord> {
  const op = await deps.store.ensureOperator({
    operatorId: claims.sub,
    siteId,
    name: claims.name || claims.email?.split('@')[0] || 'Operator',
    email: claims.email ?? '',
    role: claims.groups.includes('admin') ? 'admin' : 'operator',
    status: 'offline',
    disabled: false,
    connections: 0,
  });
  if (op.disabled) throw new ForbiddenError('this operator is disabled');
  return op;
}

/** A single-use ticket for the WebSocket `$connect`, so no Cognito token ever travels in a URL. */
export async function issueTicket(
  deps: Pick<Deps, 'store' | 'clock' | 'ids'>,
  op: OperatorRecord,
): Promise<{ ticket: string; expiresAt: number }> {
  const ticket = `${deps.ids.next()}${deps.ids.next()}`;
  const expiresAt = deps.clock.now() + TICKET_TTL_MS;
  await deps.store.putTicket(ticket, op.operatorId, op.siteId, expiresAt);
  return { ticket, expiresAt };
}

function requireOperator(identity: Identity) {
  if (identity.role !== 'operator') throw new ForbiddenError('only operators may do that');
  return identity;
}

export async function hello(deps: Deps, caller: Caller): Promise<void> {
  const identity = requireOperator(caller.identity);
  const op = await deps.store.getOperator(identity.operatorId);
  if (!op || op.disabled) throw new ForbiddenError('this operator is disabled');
  const now = deps.clock.now();
  const settings = await siteSettings(deps, identity.siteId);
  const [operators, visitors, queue, active] = await Promise.all([
    deps.store.siteOperators(identity.siteId),
    deps.store.recentVisitors(identity.siteId, now - settings.console.departedVisibleMs, 500),
    deps.store.chatsByStatus(identity.siteId, 'queued', 200),
    deps.store.chatsByStatus(identity.siteId, 'active', 500),
  ]);
  const mine = active.filter((c) => c.operators.some((o) => o.id === op.operatorId));
  await Promise.all(mine.map((c) => deps.store.attachConnections(c.chatId, { [caller.connectionId]: op.operatorId })));
  const chatsById = new Map([...queue, ...active].map((c) => [c.chatId, c]));
  const takesPart = (c: ChatRecord | undefined) => !!c?.operators.some((o) => o.id === op.operatorId);
  const rowContext = { now, graceMs: settings.console.departedGraceMs, truncateIp: settings.console.truncateIp };
  const welcome: OperatorWelcome = {
    type: 'welcome',
    role: 'operator',
    operator: operatorProfile(op),
    operatorsOnline: operators
      .filter((o) => o.status !== 'offline' && !o.disabled)
      .map((o) => ({ id: o.operatorId, name: o.name })),
    visitors: visitors
      // A silent department sees only the visitors of its own chats.
      .filter((v) => !op.silent || (v.openChatId !== undefined && takesPart(chatsById.get(v.openChatId))))
      .map((v) => visitorRow(v, v.openChatId ? chatsById.get(v.openChatId) : undefined, rowContext)),
    // A silent department is never offered chats.
    queue: op.silent
      ? []
      : queue.filter((c) => !c.declinedBy.includes(op.operatorId)).map((c, i) => chatSummary(c, i + 1)),
    chats: (op.silent ? mine : active).map((c) => chatSummary(c)),
    settings: settings.console,
  };
  const offlineNew = await offlineCountFor(deps, op);
  if (offlineNew !== undefined) welcome.offlineMessagesNew = offlineNew;
  await deliver(deps, [caller.connectionId], withReqId(welcome, caller.reqId));
}

export async function setStatus(deps: Deps, caller: Caller, frame: SetStatusFrame): Promise<void> {
  const identity = requireOperator(caller.identity);
  const { statusVersion } = await deps.store.setOperatorStatus(identity.operatorId, frame.status);
  forgetOperatorsOnline(identity.siteId);
  await broadcastOperators(deps, identity.siteId);
  // Online: the longest-waiting requests are offered to them. Away or offline: theirs move on.
  if (frame.status === 'online') await offerQueuedChats(deps, identity.siteId, identity.operatorId);
  else await operatorUnavailable(deps, identity.siteId, identity.operatorId);
  await broadcastQueue(deps, identity.siteId);
  await deliver(
    deps,
    [caller.connectionId],
    withReqId(
      { type: 'ack' as const, action: 'set-status', ...(statusVersion !== undefined ? { statusVersion } : {}) },
      caller.reqId,
    ),
  );
}

export async function broadcastQueue(deps: Deps, siteId: string): Promise<void> {
  const [queued, active, operators] = await Promise.all([
    deps.store.chatsByStatus(siteId, 'queued', 500),
    deps.store.chatsByStatus(siteId, 'active', 500),
    deps.store.siteOperators(siteId),
  ]);
  await deliverToOperators(deps, siteId, {
    type: 'queue',
    queued: queued.length,
    active: active.length,
    operatorsOnline: operators.filter((o) => o.status === 'online' && !o.disabled).length,
  });
}

/**
 * PUT /api/me/preferences: the operator's own preferences and display name (seed 001's "Operator
 * name", used for %name%). Parley's table is the source of truth for the name; colleagues'
 * consoles hear of it through the operators list.
 */
export async function updatePreferences(
  deps: Pick<Deps, 'store'> & Partial<Pick<Deps, 'notifier'>>,
  op: OperatorRecord,
  body: OperatorPreferences & { name?: string },
): Promise<OperatorProfile> {
  const { name, ...preferences } = body;
  const wanted = name?.replace(/\s+/g, ' ').trim();
  const rename = wanted && wanted !== op.name ? wanted : undefined;
  const updated = await deps.store.setOperatorPreferences(op.operatorId, preferences, rename);
  if (rename && deps.notifier) {
    forgetOperatorsOnline(op.siteId);
    await broadcastOperators({ store: deps.store, notifier: deps.notifier }, op.siteId).catch(() => undefined);
  }
  return operatorProfile(updated);
}

/** Admins change the site's console settings; everyone else may only read them. */
export async function updateConsoleSettings(
  deps: Pick<Deps, 'store' | 'clock'>,
  op: OperatorRecord,
  settings: ConsoleSettings,
): Promise<ConsoleSettings> {
  if (op.role !== 'admin') throw new ForbiddenError('only admins change settings');
  await deps.store.putConsoleSettings(op.siteId, settings);
  forgetSiteSettings(op.siteId);
  return (await siteSettings(deps, op.siteId)).console;
}
