/**
 * The six visitor statuses of the seed (DiamondChat's grid icons), derived from state, and
 * presence (browsing / chatting / departed). Nothing here is stored: it is computed whenever a
 * row is built, so it can never disagree with the chat and visitor it comes from.
 */
import type { VisitorRow, VisitorStatus } from '../protocol/index.js';
import type { ChatRecord, VisitorRecord } from './types.js';

export function visitorStatus(v: VisitorRecord, chat?: ChatRecord): VisitorStatus {
  const open = chat && chat.chatId === v.openChatId && chat.status !== 'ended' ? chat : undefined;
  if (open?.status === 'queued') return 'waiting-for-chat';
  if (open?.status === 'active') return open.lastFrom === 'operator' ? 'operator-waiting' : 'waiting-for-response';
  if (v.lastChatAt !== undefined || v.invitedAt !== undefined) return 'chatted-invited';
  if (v.visits > 1) return 'returning';
  return 'no-activity';
}

/** A visitor with no socket is departed once `graceMs` has passed since it was last seen. */
export function visitorPresence(
  v: VisitorRecord,
  chat: ChatRecord | undefined,
  now: number,
  graceMs: number,
): VisitorRow['presence'] {
  if (v.connections <= 0 && now - v.lastSeen >= graceMs) return 'departed';
  const open = chat && chat.chatId === v.openChatId && chat.status !== 'ended';
  return open ? 'chatting' : 'browsing';
}
