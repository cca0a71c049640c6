/** Turn domain records into the protocol's views. */
import type { ChatSummary, OperatorProfile, VisitorRow } from '../protocol/index.js';
import { truncateIp } from './ip.js';
import type { ChatRecord, OperatorRecord, VisitorRecord } from './types.js';
import { visitorPresence, visitorStatus } from './visitor-status.js';

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
    ...(chat.status === 'queued' && chat.offeredTo ? { offeredTo: chat.offeredTo } : {}),
    ...(chat.assignedOperatorId && chat.status === 'queued' ? { assignedOperatorId: chat.assignedOperatorId } : {}),
    ...(chat.department ? { department: chat.department } : {}),
    ...(chat.onHold ? { onHold: true } : {}),
    ...(chat.addedOperator ? { addedOperator: chat.addedOperator } : {}),
  };
}

export interface RowContext {
  now: number;
  graceMs: number;
  /** The site truncates addresses: one stored before the setting was switched on is shown truncated, without its hostname. */
  truncateIp?: boolean;
}

export function visitorRow(v: VisitorRecord, chat: ChatRecord | undefined, ctx: RowContext): VisitorRow {
  const open = chat && chat.chatId === v.openChatId ? chat : undefined;
  return {
    visitorId: v.visitorId,
    ...(v.name ? { name: v.name } : {}),
    presence: visitorPresence(v, open, ctx.now, ctx.graceMs),
    connections: Math.max(0, v.connections),
    status: visitorStatus(v, open),
    ...(v.tag ? { tag: v.tag } : {}),
    returning: v.visits > 1,
    visits: v.visits,
    pageViews: v.pageViews,
    url: v.url,
    title: v.title,
    ...(v.referrer ? { referrer: v.referrer } : {}),
    ...(v.searchEngine ? { searchEngine: v.searchEngine } : {}),
    ...(v.searchQuery ? { searchQuery: v.searchQuery } : {}),
    ...(v.lang ? { lang: v.lang } : {}),
    firstSeen: v.firstSeen,
    lastSeen: v.lastSeen,
    visitStart: v.visitStart ?? v.firstSeen,
    pageSince: v.pageSince,
    ...(v.ip ? { ip: ctx.truncateIp ? truncateIp(v.ip) : v.ip } : {}),
    ...(v.hostname && !ctx.truncateIp && (!v.hostIp || v.hostIp === v.ip) ? { hostname: v.hostname } : {}),
    ...(v.geo ? { geo: v.geo } : {}),
    ...(v.client ? { client: v.client } : {}),
    ...(v.screen ? { screen: v.screen } : {}),
    ...(v.openChatId ? { chatId: v.openChatId } : {}),
    ...(open ? { chatStatus: open.status, chatOperatorIds: open.operators.map((o) => o.id) } : {}),
    ...(v.custom ? { custom: v.custom } : {}),
    notes: v.notes ?? 0,
    ...(v.invitation
      ? {
          invitation: {
            inviteId: v.invitation.inviteId,
            operatorName: v.invitation.operatorName,
            auto: v.invitation.auto,
            at: v.invitation.at,
            outcome: v.invitation.outcome,
          },
        }
      : {}),
  };
}

export function operatorProfile(op: OperatorRecord): OperatorProfile {
  return {
    id: op.operatorId,
    name: op.name,
    email: op.email,
    role: op.role,
    status: op.status,
    departments: op.departments ?? [],
    silent: op.silent ?? false,
    ...(op.maxChats !== undefined ? { maxChats: op.maxChats } : {}),
    activeChats: Math.max(0, op.activeChats ?? 0),
    preferences: { newVisitorSound: true, ...op.preferences },
    ...(op.statusVersion !== undefined ? { statusVersion: op.statusVersion } : {}),
  };
}

/** The display name of a sender as the chat knows it (visitor name, operator name). */
export function senderName(chat: ChatRecord, from: { kind: string; id: string; name: string }): string {
  if (from.name) return from.name;
  if (from.kind === 'visitor') return chat.visitorName;
  if (from.kind === 'operator') return chat.operators.find((o) => o.id === from.id)?.name ?? 'Operator';
  return 'Parley';
}
