/** Connecting and disconnecting: who a socket belongs to, and the bookkeeping when it goes. */

import { deliverToOperators } from './delivery.js';
import { ForbiddenError } from './errors.js';
import { truncateIp } from './ip.js';
import type { Deps } from './ports.js';
import { operatorUnavailable } from './routing.js';
import { siteSettings } from './settings.js';
import type { Enrichment, Identity } from './types.js';
import { forgetOperatorsOnline } from './visitors.js';

/** How long a WebSocket connection record may live: API Gateway closes connections after 2 hours. */
export const CONNECTION_TTL_MS = 3 * 60 * 60 * 1000;

export interface ConnectQuery {
  role?: string;
  site?: string;
  vt?: string;
  ticket?: string;
}

const SITE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Decides who a new socket is. A visitor without a valid token is a new visitor; an operator
 * needs an unused, unexpired ticket of an enabled operator. Throws ForbiddenError to refuse.
 */
export async function authorizeConnect(
  deps: Pick<Deps, 'store' | 'clock' | 'ids' | 'tokens'>,
  query: ConnectQuery,
): Promise<Identity> {
  if (query.role === 'visitor') {
    if (!query.site || !SITE_ID.test(query.site)) throw new ForbiddenError('a valid site is required');
    const known = query.vt ? deps.tokens.verify(query.site, query.vt) : undefined;
    return { role: 'visitor', siteId: query.site, visitorId: known ?? deps.ids.next(), returning: known !== undefined };
  }
  if (query.role === 'operator') {
    if (!query.ticket || query.ticket.length > 128) throw new ForbiddenError('a ticket is required');
    const ticket = await deps.store.consumeTicket(query.ticket, deps.clock.now());
    if (!ticket) throw new ForbiddenError('the ticket is invalid, used or expired');
    const op = await deps.store.getOperator(ticket.operatorId);
    if (!op || op.disabled) throw new ForbiddenError('this operator may not sign in');
    return { role: 'operator', siteId: ticket.siteId, operatorId: op.operatorId };
  }
  throw new ForbiddenError('role must be visitor or operator');
}

/**
 * Records an admitted socket. A visitor's connect request is the only one that carries headers, so
 * what they tell (address, place, browser) is kept on the connection for its first page view;
 * with IP truncation on, the full address is never stored.
 */
export async function connect(
  deps: Pick<Deps, 'store' | 'clock'>,
  identity: Identity,
  connectionId: string,
  enrichment?: Enrichment,
) {
  let kept = enrichment;
  if (enrichment?.ip && identity.role === 'visitor') {
    const settings = await siteSettings(deps, identity.siteId);
    if (settings.console.truncateIp) kept = { ...enrichment, ip: truncateIp(enrichment.ip) };
  }
  await deps.store.putConnection({
    connectionId,
    role: identity.role,
    siteId: identity.siteId,
    ...(identity.role === 'visitor' ? { visitorId: identity.visitorId } : { operatorId: identity.operatorId }),
    connectedAt: deps.clock.now(),
    views: 0,
    ...(kept && identity.role === 'visitor' ? { enrichment: kept } : {}),
  });
  if (identity.role === 'operator') {
    await deps.store.changeOperatorConnections(identity.operatorId, 1);
    forgetOperatorsOnline(identity.siteId);
  }
}

export async function disconnect(deps: Deps, identity: Identity, connectionId: string): Promise<void> {
  const conn = await deps.store.deleteConnection(connectionId);
  if (identity.role === 'visitor') {
    // A socket that never sent a page view was never counted as present.
    if (!conn || conn.views === 0) return;
    // The grid learns of it through the stream; the visitor is departed after the grace period.
    const visitor = await deps.store.changeVisitorConnections(identity.visitorId, -1, deps.clock.now());
    if (visitor?.openChatId) await deps.store.detachConnections(visitor.openChatId, [connectionId]);
    return;
  }
  const op = await deps.store.changeOperatorConnections(identity.operatorId, -1);
  const open = await deps.store.chatsByStatus(identity.siteId, 'active', 500);
  await Promise.all(
    open
      .filter((c) => c.conns[connectionId] !== undefined)
      .map((c) => deps.store.detachConnections(c.chatId, [connectionId])),
  );
  if (op && op.connections <= 0 && op.status !== 'offline') {
    const settings = await siteSettings(deps, identity.siteId);
    if (deps.scheduler) {
      // The last console closed: a reload or a flaky network comes back within the grace period;
      // otherwise the presence check takes the operator offline and moves their queue on.
      const at = deps.clock.now() + settings.console.operatorGraceMs;
      await deps.scheduler.scheduleOnce({
        name: `presence-${op.operatorId}-${at}`,
        at: new Date(at),
        target: 'operator-presence',
        payload: { operatorId: op.operatorId, siteId: identity.siteId },
      });
    } else {
      await operatorGone(deps, identity.siteId, op.operatorId);
    }
  }
}

/** The grace period passed with no console open: offline, and their queue moves on. */
export async function operatorGone(deps: Deps, siteId: string, operatorId: string): Promise<void> {
  const op = await deps.store.getOperator(operatorId);
  if (!op || op.connections > 0 || op.status === 'offline') return;
  await deps.store.setOperatorStatus(operatorId, 'offline');
  forgetOperatorsOnline(siteId);
  await broadcastOperators(deps, siteId);
  await operatorUnavailable(deps, siteId, operatorId);
}

export async function broadcastOperators(deps: Pick<Deps, 'store' | 'notifier'>, siteId: string): Promise<void> {
  const ops = await deps.store.siteOperators(siteId);
  await deliverToOperators(deps, siteId, {
    type: 'operators',
    operators: ops
      .filter((o) => !o.disabled)
      .map((o) => ({
        id: o.operatorId,
        name: o.name,
        status: o.status,
        activeChats: Math.max(0, o.activeChats ?? 0),
        departments: o.departments ?? [],
      })),
  });
}
