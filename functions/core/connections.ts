/**
 * Connections: who a socket belongs to, how it is recorded, and what happens when it goes.
 *
 * A socket is recorded as one element of a string set `connIds` on its owner's item (the visitor
 * or operator profile): `<connectedAt>|<connectionId>`. The visitor's first page view adds it (in
 * the same write that records the view), the authorizer adds an operator's; `$disconnect` removes
 * it with no Lambda at all (an API Gateway DynamoDB integration, WS_INTEGRATIONS in routes.ts).
 * What a Lambda used to do on disconnect (detach the socket from chats, the operator's grace
 * period) reacts to that change on the table stream (`socketsClosed`).
 */

import { deliverToOperators } from './delivery.js';
import { ForbiddenError } from './errors.js';
import type { Deps } from './ports.js';
import { operatorUnavailable } from './routing.js';
import { siteSettings } from './settings.js';
import { socketElement } from './sockets.js';
import type { Identity, Socket } from './types.js';
import { forgetOperatorsOnline } from './visitors.js';

export interface ConnectQuery {
  role?: string;
  site?: string;
  vt?: string;
  ticket?: string;
}

const SITE_ID = /^[a-zA-Z0-9_-]{1,64}$/;

/**
 * Decides who a new socket is. A visitor without a valid token is a new visitor; an operator
 * needs an unused, unexpired ticket of an enabled operator, and their console is recorded at once
 * (one conditional write that also refuses a disabled operator). Throws ForbiddenError to refuse.
 */
export async function authorizeConnect(
  deps: Pick<Deps, 'store' | 'clock' | 'ids' | 'tokens'>,
  query: ConnectQuery,
  socket?: Socket,
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
    const op = socket
      ? await deps.store.addOperatorSocket(ticket.operatorId, socketElement(socket.connectedAt, socket.connectionId))
      : await deps.store.getOperator(ticket.operatorId);
    if (!op || op.disabled) throw new ForbiddenError('this operator may not sign in');
    forgetOperatorsOnline(ticket.siteId);
    return { role: 'operator', siteId: ticket.siteId, operatorId: op.operatorId };
  }
  throw new ForbiddenError('role must be visitor or operator');
}

/** Sockets that closed, as the table stream saw them leave their owner's `connIds`. */
export interface ClosedSockets {
  role: 'visitor' | 'operator';
  siteId: string;
  ownerId: string;
  closed: string[];
  /** The owner's live sockets after the change. */
  remaining: number;
  /** Visitor: the open chat the sockets may be attached to. */
  openChatId?: string;
  /** Operator: status after the change. */
  status?: string;
}

/**
 * The bookkeeping `$disconnect` used to do in a Lambda, now once per stream batch: closed sockets
 * leave the chats they followed (one Query of a site's active chats per batch, only when an
 * operator's console closed), and an operator whose last console closed gets the grace period.
 */
export async function socketsClosed(deps: Deps, changes: ClosedSockets[]): Promise<void> {
  if (changes.length === 0) return;
  const byChat = new Map<string, string[]>();
  for (const c of changes) {
    if (c.role === 'visitor' && c.openChatId)
      byChat.set(c.openChatId, [...(byChat.get(c.openChatId) ?? []), ...c.closed]);
  }
  const operatorSites = new Set(changes.filter((c) => c.role === 'operator').map((c) => c.siteId));
  for (const siteId of operatorSites) {
    const closed = new Set(
      changes.filter((c) => c.role === 'operator' && c.siteId === siteId).flatMap((c) => c.closed),
    );
    for (const chat of await deps.store.chatsByStatus(siteId, 'active', 500)) {
      const ids = Object.keys(chat.conns).filter((id) => closed.has(id));
      if (ids.length) byChat.set(chat.chatId, [...(byChat.get(chat.chatId) ?? []), ...ids]);
    }
  }
  await Promise.all([...byChat].map(([chatId, ids]) => deps.store.detachConnections(chatId, ids)));

  for (const c of changes) {
    if (c.role !== 'operator') continue;
    forgetOperatorsOnline(c.siteId);
    if (c.remaining > 0 || c.status === 'offline') continue;
    await lastConsoleClosed(deps, c.siteId, c.ownerId);
  }
}

/**
 * The last console closed: a reload or a flaky network comes back within the grace period;
 * otherwise the presence check takes the operator offline and moves their queue on.
 */
async function lastConsoleClosed(deps: Deps, siteId: string, operatorId: string): Promise<void> {
  const settings = await siteSettings(deps, siteId);
  if (!deps.scheduler) return operatorGone(deps, siteId, operatorId);
  const at = deps.clock.now() + settings.console.operatorGraceMs;
  await deps.scheduler.scheduleOnce({
    name: `presence-${operatorId}-${at}`,
    at: new Date(at),
    target: 'operator-presence',
    payload: { operatorId, siteId },
  });
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
        ...(o.statusVersion !== undefined ? { statusVersion: o.statusVersion } : {}),
      })),
  });
}
