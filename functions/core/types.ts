/** Domain records as the core sees them. Storage shape is the adapter's business. */
import type {
  AutoInvitationRule,
  ChatStatus,
  ConsoleSettings,
  OperatorPreferences,
  OperatorRef,
  OperatorStatus,
  VisitorClient,
  VisitorGeo,
  VisitorTag,
  WidgetSettings,
} from '../protocol/index.js';

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
  /** Unused since connections live on their owner's item (kept for older records). */
  views?: number;
  /** What the `$connect` request told about the visitor (headers are only seen at connect). */
  enrichment?: Enrichment;
  /** An operator's console, of a silent department: it follows only its own chats and their visitors. */
  silent?: boolean;
}

/** Everything learnt from the connect request: address, place, browser, language. */
export interface Enrichment {
  ip?: string;
  geo?: VisitorGeo;
  client?: VisitorClient;
  /** From Accept-Language; the page view's navigator.language wins when given. */
  lang?: string;
}

/** An open WebSocket of a visitor or operator: its id and when API Gateway accepted it. */
export interface Socket {
  connectionId: string;
  connectedAt: number;
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
  /** External referrer of the current visit. */
  referrer?: string;
  searchEngine?: string;
  searchQuery?: string;
  lang?: string;
  visitStart: number;
  pageSince: number;
  custom?: Record<string, string>;
  openChatId?: string;
  /** Open sockets of this visitor (several tabs); 0 means departed (after the grace period). */
  connections: number;
  /** Those sockets (derived from the stored `connIds` set, see core/connections.ts). */
  sockets?: Socket[];
  tag?: VisitorTag;
  notes?: number;
  ip?: string;
  hostname?: string;
  /** The address `hostname` was resolved for (a new address makes it stale without a write). */
  hostIp?: string;
  geo?: VisitorGeo;
  client?: VisitorClient;
  screen?: { w: number; h: number };
  /** Last time the visitor took part in a chat (for the "chatted / invited" status). */
  lastChatAt?: number;
  /** Last time the visitor was invited. */
  invitedAt?: number;
  /** Last automatic invitation (the hourly throttle itself is its own item). */
  autoInvitedAt?: number;
  invitation?: InvitationRecord;
  /**
   * The socket (its `connIds` element) of the latest view that came with a connect request: it is
   * owed a `welcome`, which the table stream posts when this changes (core/visitors.ts).
   */
  welcomeSocket?: string;
  /** The digest of the welcome that socket's widget already holds (no welcome when unchanged). */
  welcomeKnown?: string;
}

export interface OperatorRecord {
  operatorId: string;
  siteId: string;
  name: string;
  email: string;
  role: 'admin' | 'operator';
  status: OperatorStatus;
  /** Bumped by every status write: orders status broadcasts (OperatorProfile.statusVersion). */
  statusVersion?: number;
  disabled: boolean;
  /** Open consoles (derived from the stored `connIds` set, see core/connections.ts). */
  connections: number;
  /** Those consoles (derived from the stored `connIds` set, see core/connections.ts). */
  sockets?: Socket[];
  departments?: string[];
  /** Own limit of concurrent chats (else the site's). */
  maxChats?: number;
  /** Chats held right now (kept by conditional writes on accept, end, transfer, leave). */
  activeChats?: number;
  /** Member of a silent department: never offered chats, sees only their own chats' visitors. */
  silent?: boolean;
  preferences?: OperatorPreferences;
}

export interface InvitationRecord {
  inviteId: string;
  operatorId?: string;
  operatorName: string;
  text: string;
  auto: boolean;
  at: number;
  outcome: 'pending' | 'accepted' | 'declined';
}

/** A site's settings, with defaults for whatever was never set. */
export interface SiteSettings {
  widget: WidgetSettings;
  console: ConsoleSettings;
  autoInvitations: AutoInvitationRule[];
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
  /** Who wrote the last visitor/operator message: drives "waiting for response" statuses. */
  lastFrom?: 'visitor' | 'operator';
  conns: ChatConnections;
  declinedBy: string[];
  /** While queued: who the request is offered to (see routing.ts). */
  offeredTo?: string[];
  /** The visitor's 24-hour assignment sent this request to one operator's queue. */
  assignedOperatorId?: string;
  department?: string;
  onHold?: boolean;
  addedOperator?: { id: string; by: string };
  /** The visitor's page language when the chat began: picks the language of system lines and mails. */
  lang?: string;
}

/** The visitor → operator assignment: 24 hours from the last accept (a TTL item). */
export interface AssignmentRecord {
  visitorId: string;
  operatorId: string;
  expiresAt: number;
}
