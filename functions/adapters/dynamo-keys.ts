/**
 * The single table's keys, in one place. Every access pattern is listed in docs/architecture.md.
 * Numbers in sort keys are zero-padded so they sort as strings.
 */
export const pad = (n: number, width = 15) => String(Math.max(0, Math.floor(n))).padStart(width, '0');

export const keys = {
  connection: (connectionId: string) => ({ pk: `CONN#${connectionId}`, sk: 'CONN' }),
  operatorConnectionsIndex: (siteId: string) => `SITE#${siteId}#OPCONNS`,
  visitorConnectionsIndex: (visitorId: string) => `VIS#${visitorId}#CONNS`,
  visitor: (visitorId: string) => ({ pk: `VIS#${visitorId}`, sk: 'PROFILE' }),
  pageView: (visitorId: string, at: number, id: string) => ({ pk: `VIS#${visitorId}`, sk: `PV#${pad(at)}#${id}` }),
  siteVisitorsIndex: (siteId: string) => `SITE#${siteId}#VISITORS`,
  operator: (operatorId: string) => ({ pk: `OP#${operatorId}`, sk: 'PROFILE' }),
  siteOperatorsIndex: (siteId: string) => `SITE#${siteId}#OPS`,
  ticket: (ticket: string) => ({ pk: `TICKET#${ticket}`, sk: 'TICKET' }),
  settings: (siteId: string) => ({ pk: `SITE#${siteId}`, sk: 'SETTINGS' }),
  visitorNote: (visitorId: string, noteId: string) => ({ pk: `VIS#${visitorId}`, sk: `NOTE#${noteId}` }),
  visitorChat: (visitorId: string, createdAt: number, chatId: string) => ({
    pk: `VIS#${visitorId}`,
    sk: `CHAT#${pad(createdAt)}#${chatId}`,
  }),
  reportStats: (siteId: string) => `SITE#${siteId}#STATS`,
  assignment: (visitorId: string) => ({ pk: `VIS#${visitorId}`, sk: 'ASSIGN' }),
  autoInviteThrottle: (visitorId: string) => ({ pk: `VIS#${visitorId}`, sk: 'AUTOINVITE' }),
  transcript: (chatId: string, email: string) => ({ pk: `CHAT#${chatId}`, sk: `TRANSCRIPT#${email.toLowerCase()}` }),
  sharedCanned: (siteId: string, id: string) => ({ pk: `SITE#${siteId}#CANNED`, sk: id }),
  personalCanned: (operatorId: string, id: string) => ({ pk: `OP#${operatorId}#CANNED`, sk: id }),
  chat: (chatId: string) => ({ pk: `CHAT#${chatId}`, sk: 'META' }),
  siteChatsIndex: (siteId: string, status: string) => `SITE#${siteId}#CHATS#${status}`,
  message: (chatId: string, seq: number) => ({ pk: `CHAT#${chatId}`, sk: `MSG#${pad(seq, 10)}` }),
} as const;

export const GSI1 = 'gsi1';
/** The visitors' index (keys only, by the 10-minute step of the latest view; lib/data.ts). */
export const GSI2 = 'gsi2';
