/**
 * Routing rules (seeds 000–003): who a chat request is offered to, the 24-hour assignment, chat
 * limits, and first-in-first-out offers when an operator has room again.
 */
import type { ConsoleSettings } from '../protocol/index.js';
import { consoleFollows, deliver } from './delivery.js';
import type { Deps } from './ports.js';
import { siteSettings } from './settings.js';
import type { ChatRecord, OperatorRecord } from './types.js';
import { chatSummary } from './views.js';

export const ASSIGNMENT_MS = 24 * 60 * 60 * 1000;

export function chatLimit(op: OperatorRecord, settings: ConsoleSettings): number {
  return op.maxChats ?? settings.maxChatsPerOperator;
}

/** Online with a console open, enabled, and not in a silent department (those are never offered chats). */
export function isAvailable(op: OperatorRecord): boolean {
  return op.status === 'online' && !op.disabled && !op.silent && op.connections > 0;
}

export function hasRoom(op: OperatorRecord, settings: ConsoleSettings): boolean {
  return (op.activeChats ?? 0) < chatLimit(op, settings);
}

/**
 * Who a queued chat is offered to: with an assignment, only the assigned operator (their queue,
 * even when they are busy); otherwise every available operator with room, of the chat's department
 * if it has one, who has not declined it.
 */
export function offerTargets(chat: ChatRecord, operators: OperatorRecord[], settings: ConsoleSettings): string[] {
  if (chat.assignedOperatorId) return [chat.assignedOperatorId];
  return operators
    .filter(
      (o) =>
        isAvailable(o) &&
        hasRoom(o, settings) &&
        !chat.declinedBy.includes(o.operatorId) &&
        (!chat.department || (o.departments ?? []).includes(chat.department)),
    )
    .map((o) => o.operatorId);
}

/**
 * A new request's route: to the assigned operator's queue if the visitor has an assignment (not
 * expired) and that operator is online; otherwise the assignment is dropped and the request goes
 * to the general queue.
 */
export async function routeRequest(
  deps: Pick<Deps, 'store' | 'clock'>,
  visitorId: string,
  operators: OperatorRecord[],
): Promise<{ assignedOperatorId?: string }> {
  const assignment = await deps.store.getAssignment(visitorId, deps.clock.now());
  if (!assignment) return {};
  const op = operators.find((o) => o.operatorId === assignment.operatorId);
  if (op && op.status === 'online' && !op.disabled && op.connections > 0) return { assignedOperatorId: op.operatorId };
  await deps.store.deleteAssignment(visitorId, assignment.operatorId);
  return {};
}

/** Recomputes a queued chat's offers and tells every console. */
export async function reoffer(deps: Deps, chat: ChatRecord, dropAssignment = false): Promise<ChatRecord | undefined> {
  const [operators, settings] = await Promise.all([
    deps.store.siteOperators(chat.siteId),
    siteSettings(deps, chat.siteId),
  ]);
  const base = dropAssignment ? { ...chat, assignedOperatorId: undefined } : chat;
  const targets = offerTargets(base as ChatRecord, operators, settings.console);
  const updated = await deps.store.setOffers(chat.chatId, targets, dropAssignment ? null : undefined);
  if (!updated) return undefined;
  const consoles = (await deps.store.operatorConnections(chat.siteId))
    .filter((c) => consoleFollows(c, updated))
    .map((c) => c.connectionId);
  await deliver(deps, consoles, { type: 'chat-update', chat: chatSummary(updated) });
  return updated;
}

/**
 * An operator has room again (a chat ended, they came online): the visitors who have waited
 * longest are offered to them first, up to their free slots.
 */
export async function offerQueuedChats(deps: Deps, siteId: string, operatorId: string): Promise<void> {
  const [op, settings, queued] = await Promise.all([
    deps.store.getOperator(operatorId),
    siteSettings(deps, siteId),
    deps.store.chatsByStatus(siteId, 'queued', 500),
  ]);
  if (!op || !isAvailable(op)) return;
  let room = chatLimit(op, settings.console) - (op.activeChats ?? 0);
  const consoles = (await deps.store.operatorConnections(siteId)).map((c) => c.connectionId);
  for (const chat of queued) {
    if (room <= 0) break;
    const offered = chat.offeredTo ?? [];
    if (offered.includes(operatorId) || chat.declinedBy.includes(operatorId)) continue;
    if (chat.assignedOperatorId && chat.assignedOperatorId !== operatorId) continue;
    if (chat.department && !(op.departments ?? []).includes(chat.department)) continue;
    const updated = await deps.store.setOffers(chat.chatId, [...offered, operatorId]);
    if (!updated) continue;
    room -= 1;
    await deliver(deps, consoles, { type: 'chat-update', chat: chatSummary(updated) });
  }
}

/**
 * An operator left (offline, away, or their consoles closed past the grace period): requests in
 * their personal queue go to the general queue, and offers to them move on to others.
 */
export async function operatorUnavailable(deps: Deps, siteId: string, operatorId: string): Promise<void> {
  const queued = await deps.store.chatsByStatus(siteId, 'queued', 500);
  for (const chat of queued) {
    if (chat.assignedOperatorId === operatorId) {
      await deps.store.deleteAssignment(chat.visitorId, operatorId);
      await reoffer(deps, chat, true);
    } else if (chat.offeredTo?.includes(operatorId)) {
      await reoffer(deps, chat);
    }
  }
}
