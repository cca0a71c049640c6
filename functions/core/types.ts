/** Domain records as the core sees them. Storage shape is the adapter's business. */
import type { ChatStatus, OperatorRef, OperatorStatus } from '../protocol/index.js';

export type Role = 'visitor' | 'operator';

/** Who is on a connection, established once at `$connect` by the authorizer. */
export type Identity =
  | { role: 'visitor'; siteId: string; visitorId: string; returning: boolean }
  | { role: 'operator'; siteId: string; operatorId: string };

export interface ConnectionRecord {
  connectionId: string;
  role: Role;
  siteId: string;
  visitorId?: string;
  operatorId?: string;
  connectedAt: number;
  /** Page views sent on this connection; the first one is answered with `welcome`. */
  views: number;
}

export interface VisitorRecord {
  visitorId: string;
  siteId: string;
  name?: string;
  firstSeen: number;
  lastSeen: number;
  visits: number;
  pageViews: number;
  url: string;
  title: string;
  referrer?: string;
  lang?: string;
  pageSince: number;
  custom?: Record<string, string>;
  openChatId?: string;
  /** Open sockets of this visitor (several tabs); 0 means departed. */
  connections: number;
}

export interface OperatorRecord {
  operatorId: string;
  siteId: string;
  name: string;
  email: string;
  role: 'admin' | 'operator';
  status: OperatorStatus;
  disabled: boolean;
  connections: number;
}

/** connectionId → who holds it: 'v' for the visitor, or the operator id. */
export type ChatConnections = Record<string, string>;

export interface ChatRecord {
  chatId: string;
  siteId: string;
  visitorId: string;
  visitorName: string;
  status: ChatStatus;
  operators: OperatorRef[];
  createdAt: number;
  acceptedAt?: number;
  endedAt?: number;
  endedBy?: 'visitor' | 'operator' | 'system';
  /** Highest message seq assigned. */
  seq: number;
  conns: ChatConnections;
  declinedBy: string[];
}
