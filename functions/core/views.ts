/** Turn domain records into the protocol's views. */
import type { ChatSummary, OperatorProfile, VisitorRow, WidgetSettings } from '../protocol/index.js';
import type { ChatRecord, OperatorRecord, VisitorRecord } from './types.js';

export const DEFAULT_WIDGET_SETTINGS: WidgetSettings = {
  greeting: 'Hi! How can we help you today?',
  color: '#2563eb',
  position: 'right',
  lang: 'en',
};

export function chatSummary(chat: ChatRecord, queuePosition?: number): ChatSummary {
  return {
    chatId: chat.chatId,
    visitorId: chat.visitorId,
    visitorName: chat.visitorName,
    status: chat.status,
    operators: chat.operators,
    ...(queuePosition !== undefined && chat.status === 'queued' ? { queuePosition } : {}),
    createdAt: chat.createdAt,
    ...(chat.acceptedAt !== undefined ? { acceptedAt: chat.acceptedAt } : {}),
    ...(chat.endedAt !== undefined ? { endedAt: chat.endedAt } : {}),
    ...(chat.endedBy !== undefined ? { endedBy: chat.endedBy } : {}),
    lastSeq: chat.seq,
  };
}

export function visitorRow(v: VisitorRecord, chat?: ChatRecord): VisitorRow {
  const presence = v.connections <= 0 ? 'departed' : v.openChatId ? 'chatting' : 'browsing';
  return {
    visitorId: v.visitorId,
    ...(v.name ? { name: v.name } : {}),
    presence,
    returning: v.visits > 1,
    visits: v.visits,
    pageViews: v.pageViews,
    url: v.url,
    title: v.title,
    ...(v.referrer ? { referrer: v.referrer } : {}),
    ...(v.lang ? { lang: v.lang } : {}),
    firstSeen: v.firstSeen,
    lastSeen: v.lastSeen,
    pageSince: v.pageSince,
    ...(v.openChatId ? { chatId: v.openChatId } : {}),
    ...(chat && chat.chatId === v.openChatId ? { chatStatus: chat.status } : {}),
    ...(v.custom ? { custom: v.custom } : {}),
  };
}

export function operatorProfile(op: OperatorRecord): OperatorProfile {
  return { id: op.operatorId, name: op.name, email: op.email, role: op.role, status: op.status };
}

/** The display name of a sender as the chat knows it (visitor name, operator name). */
export function senderName(chat: ChatRecord, from: { kind: string; id: string; name: string }): string {
  if (from.name) return from.name;
  if (from.kind === 'visitor') return chat.visitorName;
  if (from.kind === 'operator') return chat.operators.find((o) => o.id === from.id)?.name ?? 'Operator';
  return 'Parley';
}
