/**
 * Who may do what to a chat. Only the chat's visitor and its assigned operators take part;
 * only the assigned operators and admins control (end, transfer) it.
 */
import { ForbiddenError } from './errors.js';
import type { ChatRecord, Identity, OperatorRecord } from './types.js';

export function isChatVisitor(identity: Identity, chat: ChatRecord): boolean {
  return identity.role === 'visitor' && identity.visitorId === chat.visitorId && identity.siteId === chat.siteId;
}

export function isAssignedOperator(identity: Identity, chat: ChatRecord): boolean {
  return (
    identity.role === 'operator' &&
    identity.siteId === chat.siteId &&
    chat.operators.some((o) => o.id === identity.operatorId)
  );
}

/** May read the chat's messages: its visitor, any operator of the same site (others see it read-only). */
export function mayReadChat(identity: Identity, chat: ChatRecord): boolean {
  if (identity.role === 'visitor') return isChatVisitor(identity, chat);
  return identity.siteId === chat.siteId;
}

/** May end or transfer the chat: its visitor (end only), its assigned operators, or an admin of the site. */
export function mayControlChat(identity: Identity, chat: ChatRecord, operator?: OperatorRecord): boolean {
  if (isChatVisitor(identity, chat) || isAssignedOperator(identity, chat)) return true;
  return identity.role === 'operator' && operator?.role === 'admin' && operator.siteId === chat.siteId;
}

/**
 * A silent-department operator sees only the chats they take part in, and those chats' visitors
 * (the seed's "Hide Other Operators Activity", forced for silent departments).
 */
export function silentMaySee(operator: OperatorRecord | undefined, chat: ChatRecord | undefined): boolean {
  if (!operator?.silent) return true;
  return !!chat && chat.operators.some((o) => o.id === operator.operatorId);
}

export function assertMay(allowed: boolean, message?: string): void {
  if (!allowed) throw new ForbiddenError(message);
}
