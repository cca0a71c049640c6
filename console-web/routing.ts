/**
 * Chat routing as the console sees it, without any UI: which requests are offered to me (the
 * incoming-request dialog), what each queued chat's status is, the communication summary's counts,
 * and which request "Next chat" opens. Pure functions over the store's state.
 */
import type { ChatSummary, OperatorRef } from '../functions/protocol/events.js';
import type { OperatorStatus } from '../functions/protocol/schemas.js';

/** An operator as the console lists them (from the welcome, `operators` frames and GET /api/operators). */
export interface OperatorInfo extends OperatorRef {
  status: OperatorStatus;
  activeChats?: number;
  departments?: string[];
  maxChats?: number;
}

/** Chats I have set aside: declined (the server knows) and queued from the dialog (only this console knows). */
export interface SetAside {
  declined: Readonly<Record<string, true>>;
  parked: Readonly<Record<string, true>>;
}

const oldestFirst = (a: ChatSummary, b: ChatSummary) =>
  a.createdAt - b.createdAt || (a.chatId < b.chatId ? -1 : a.chatId > b.chatId ? 1 : 0);

export function isOfferedTo(chat: ChatSummary, operatorId: string | undefined): boolean {
  return !!operatorId && chat.status === 'queued' && (chat.offeredTo ?? []).includes(operatorId);
}

/**
 * The requests the incoming-request dialog shows, longest waiting first: queued, offered to me,
 * neither declined nor put in the queue from the dialog. Other queued chats stay in the queue list.
 */
export function pendingOffers(
  chats: Readonly<Record<string, ChatSummary>>,
  meId: string | undefined,
  aside: SetAside,
): ChatSummary[] {
  return Object.values(chats)
    .filter((c) => isOfferedTo(c, meId) && !aside.declined[c.chatId] && !aside.parked[c.chatId])
    .sort(oldestFirst);
}

export type QueueStatusKind = 'mine' | 'assigned' | 'department' | 'general';

export interface QueueStatus {
  kind: QueueStatusKind;
  /** "Assigned to you", "Assigned to Sam", "Billing", "General queue". */
  label: string;
  /** The request is offered to me (my dialog shows it unless I queued it). */
  offeredToMe: boolean;
  /** How many operators it is offered to right now. */
  offeredCount: number;
}

/** A queued chat's status in the communication queue. */
export function queueStatus(
  chat: ChatSummary,
  meId: string | undefined,
  operators: readonly OperatorRef[],
): QueueStatus {
  const offeredToMe = isOfferedTo(chat, meId);
  const offeredCount = (chat.offeredTo ?? []).length;
  if (chat.assignedOperatorId) {
    if (chat.assignedOperatorId === meId) return { kind: 'mine', label: 'Assigned to you', offeredToMe, offeredCount };
    const name = operators.find((o) => o.id === chat.assignedOperatorId)?.name || 'another operator';
    return { kind: 'assigned', label: `Assigned to ${name}`, offeredToMe, offeredCount };
  }
  if (chat.department) return { kind: 'department', label: chat.department, offeredToMe, offeredCount };
  return { kind: 'general', label: 'General queue', offeredToMe, offeredCount };
}

export interface SummaryCounts {
  /** Active chats I take part in. */
  mine: number;
  /** Active chats on the site. */
  all: number;
  /** Of mine, on hold. */
  held: number;
  /** Queued chats in my communication queue (not declined). */
  waiting: number;
  /** Of those, offered to me. */
  offered: number;
}

/** The communication summary: chats in progress (mine / all) and the queue. */
export function summaryCounts(
  chats: Readonly<Record<string, ChatSummary>>,
  meId: string | undefined,
  declined: Readonly<Record<string, true>>,
): SummaryCounts {
  const out: SummaryCounts = { mine: 0, all: 0, held: 0, waiting: 0, offered: 0 };
  for (const c of Object.values(chats)) {
    if (c.status === 'active') {
      out.all++;
      if (meId && c.operators.some((o) => o.id === meId)) {
        out.mine++;
        if (c.onHold) out.held++;
      }
    } else if (c.status === 'queued' && !declined[c.chatId]) {
      out.waiting++;
      if (isOfferedTo(c, meId)) out.offered++;
    }
  }
  return out;
}

/**
 * What "Next chat" opens: the longest-waiting request offered to me (even one I queued from the
 * dialog), else the longest-waiting one nobody else is assigned, else the longest-waiting of all.
 */
export function nextChat(
  chats: Readonly<Record<string, ChatSummary>>,
  meId: string | undefined,
  declined: Readonly<Record<string, true>>,
): ChatSummary | undefined {
  const queued = Object.values(chats)
    .filter((c) => c.status === 'queued' && !declined[c.chatId])
    .sort(oldestFirst);
  return (
    queued.find((c) => isOfferedTo(c, meId)) ??
    queued.find((c) => !c.assignedOperatorId || c.assignedOperatorId === meId) ??
    queued[0]
  );
}

/**
 * Active chats per operator, counted from the chats this console follows: the welcome and every
 * chat-update carry every open chat of the site, so this is live (an `operators` frame's count is
 * only as fresh as the last status change).
 */
export function activeChatsByOperator(chats: Readonly<Record<string, ChatSummary>>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const c of Object.values(chats)) {
    if (c.status !== 'active') continue;
    for (const o of c.operators) counts.set(o.id, (counts.get(o.id) ?? 0) + 1);
  }
  return counts;
}

/** Departments an active chat can be transferred to: every department some operator belongs to. */
export function departmentsOf(operators: readonly OperatorInfo[]): string[] {
  const all = new Set<string>();
  for (const o of operators) for (const d of o.departments ?? []) all.add(d);
  return [...all].sort((a, b) => a.localeCompare(b));
}

/**
 * Operators a chat can be transferred to or shared with: online, not me, not already in it.
 * Sorted by fewest active chats, then by name.
 */
export function chatTargets(
  operators: readonly OperatorInfo[],
  chat: ChatSummary,
  meId: string | undefined,
  active: ReadonlyMap<string, number>,
): OperatorInfo[] {
  const inChat = new Set(chat.operators.map((o) => o.id));
  return operators
    .filter((o) => o.status === 'online' && o.id !== meId && !inChat.has(o.id))
    .sort((a, b) => (active.get(a.id) ?? 0) - (active.get(b.id) ?? 0) || a.name.localeCompare(b.name));
}

/** "You already have 3 chats" for an accept refused with `at-capacity`. */
export function atCapacityText(limit: number): string {
  return `You already have ${limit} ${limit === 1 ? 'chat' : 'chats'}: end one before you accept another.`;
}
