/**
 * Server → client frames. Types only: the widget and the console import these without zod.
 * Times are epoch milliseconds.
 */
import type { OperatorStatus } from './schemas.js';

export type ChatStatus = 'queued' | 'active' | 'ended';
export type SenderKind = 'visitor' | 'operator' | 'system';

export interface Sender {
  kind: SenderKind;
  id: string;
  name: string;
}

export interface ChatMessage {
  chatId: string;
  seq: number;
  id: string;
  clientMsgId?: string;
  from: Sender;
  text: string;
  at: number;
}

export interface OperatorRef {
  id: string;
  name: string;
}

export interface ChatSummary {
  chatId: string;
  visitorId: string;
  visitorName: string;
  status: ChatStatus;
  operators: OperatorRef[];
  /** 1-based position in the site's queue while queued. */
  queuePosition?: number;
  createdAt: number;
  acceptedAt?: number;
  endedAt?: number;
  endedBy?: SenderKind;
  /** Highest message seq stored so far. */
  lastSeq: number;
  /**
   * While queued: the operators the request is offered to (online, not silent, below their chat
   * limit, not declined; only the assigned operator when the visitor has a 24-hour assignment).
   */
  offeredTo?: string[];
  /** The visitor's 24-hour assignment routed this request to one operator's queue. */
  assignedOperatorId?: string;
  /** Transferred to (or requested for) a department: offered to its operators. */
  department?: string;
  onHold?: boolean;
  /** Set when an operator was added to the conversation: who added whom (the added one is told). */
  addedOperator?: { id: string; by: string };
  /**
   * Only on frames to the visitor while queued: in how many milliseconds (from receiving this
   * frame) the widget should offer the leave-message form (the site's queueTimeoutMs); 0 = now.
   */
  offerMessageInMs?: number;
}

/** The six statuses of the seed, derived from state (functions/core/visitor-status.ts). */
export type VisitorStatus =
  | 'waiting-for-chat'
  | 'waiting-for-response'
  | 'operator-waiting'
  | 'chatted-invited'
  | 'returning'
  | 'no-activity';

export const VISITOR_TAGS = ['prospect', 'customer', 'frequent', 'subscriber', 'unwelcome'] as const;
export type VisitorTag = (typeof VISITOR_TAGS)[number];

/** Where the visitor is, from CloudFront's viewer headers (locally: injected, or a MaxMind file). */
export interface VisitorGeo {
  country?: string;
  region?: string;
  city?: string;
  postalCode?: string;
  /** Area / metro code. */
  metroCode?: string;
  timeZone?: string;
  asn?: string;
  /** ISP or organisation name, when known (MaxMind ASN database). */
  isp?: string;
}

export interface VisitorClient {
  browser?: string;
  browserVersion?: string;
  os?: string;
  osVersion?: string;
  /** desktop, mobile, tablet, … */
  device?: string;
  deviceVendor?: string;
  deviceModel?: string;
}

export interface VisitorRow {
  visitorId: string;
  name?: string;
  /** Live while a socket is open; `departed` once none has been for the site's grace period. */
  presence: 'browsing' | 'chatting' | 'departed';
  /** Open sockets right now (several tabs); the console turns 0 into departed after `graceMs`. */
  connections: number;
  status: VisitorStatus;
  tag?: VisitorTag;
  returning: boolean;
  visits: number;
  pageViews: number;
  url: string;
  title: string;
  /** The external referrer that brought the visitor on this visit. */
  referrer?: string;
  searchEngine?: string;
  searchQuery?: string;
  lang?: string;
  firstSeen: number;
  lastSeen: number;
  /** Start of the current visit. */
  visitStart: number;
  /** When the visitor arrived on the current page. */
  pageSince: number;
  ip?: string;
  hostname?: string;
  geo?: VisitorGeo;
  client?: VisitorClient;
  screen?: { w: number; h: number };
  chatId?: string;
  chatStatus?: ChatStatus;
  /** Operators of the open chat (for "Hide other operators' activity"). */
  chatOperatorIds?: string[];
  custom?: Record<string, string>;
  notes: number;
  /** The latest invitation and what became of it. */
  invitation?: {
    inviteId: string;
    operatorName: string;
    auto: boolean;
    at: number;
    outcome: 'pending' | 'accepted' | 'declined';
  };
}

export interface PageViewRecord {
  url: string;
  title: string;
  referrer?: string;
  at: number;
  /** Time on the page: until the next page view, or until the visitor was last seen. */
  durationMs: number;
}

export interface VisitSummary {
  start: number;
  end: number;
  pages: number;
  entryUrl: string;
  referrer?: string;
}

export interface VisitorNote {
  id: string;
  visitorId: string;
  text: string;
  operatorId: string;
  operatorName: string;
  at: number;
}

/** GET /api/visitors/{visitorId}: everything known about one visitor. */
export interface VisitorDetails {
  visitor: VisitorRow;
  pageViews: PageViewRecord[];
  visits: VisitSummary[];
  chats: ChatSummary[];
  notes: VisitorNote[];
}

/** GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD */
export interface SiteReport {
  from: string;
  to: string;
  pages: { url: string; views: number }[];
  entryPages: { url: string; visits: number }[];
  exitPages: { url: string; visits: number }[];
  days: { day: string; visitors: number; visits: number; pageViews: number }[];
}

/** An automatic invitation rule (admins): when a visitor qualifies, an invitation after a delay. */
export interface AutoInvitationRule {
  id: string;
  enabled: boolean;
  /** Higher first; one invitation per visitor per hour at most, whatever the rules. */
  priority: number;
  /** Seconds since the visit began (`site`) or on a matching page (`page`). */
  delaySeconds: number;
  scope: 'site' | 'page';
  /** For `page`: `*` matches any characters, e.g. `https://shop.example/products/*`. */
  urlPattern?: string;
  /** Only visitors who came from a search engine (any, or these by name). */
  fromSearch?: boolean;
  searchEngines?: string[];
  /** Only these spoken languages (prefixes such as `en`, `pl`). */
  languages?: string[];
  /** Only returning (true) or only first-time (false) visitors. */
  returning?: boolean;
  /** Only after this many page views in all. */
  minPageViews?: number;
  /** The invitation; %name% is the inviting operator's name. */
  text: string;
  /** Invite only while an operator is online and has room for a chat. */
  onlyWhenOperatorAvailable: boolean;
}

/** An invitation as the visitor's widget shows it. */
export interface InvitationEvent {
  type: 'invitation';
  inviteId: string;
  text: string;
  operatorName: string;
  auto: boolean;
}

/** Site settings operators need in the console (part of the operator welcome). */
export interface ConsoleSettings {
  /** Concurrent chats per operator unless the operator has their own limit. */
  maxChatsPerOperator: number;
  /** Drop the 24-hour visitor → operator assignment when a chat ends. */
  dropAssignmentOnEnd: boolean;
  /** After waiting this long in the queue, the visitor is offered to leave a message. */
  queueTimeoutMs: number;
  /** Sent by the operator when a chat is accepted ('' for none); %name% and %visitor% are replaced. */
  acceptGreeting: string;
  /** An operator whose last console closed becomes offline after this long. */
  operatorGraceMs: number;
  /** The default proactive invitation; %name% is the operator's name. */
  invitationText: string;
  /** A visitor with no socket for this long is departed. */
  departedGraceMs: number;
  /** Departed visitors stay in the grid this long. */
  departedVisibleMs: number;
  truncateIp: boolean;
  retentionDays: number;
  /** The site's name in visitor e-mails (subject, signature, sender's display name). Default: the site id. */
  siteName?: string;
  /** Operators see what a visitor is typing before it is sent (DESIGN §3). Off by default (privacy). */
  typingPreview?: boolean;
  /**
   * An online operator whose console sees no keyboard or mouse for this long is set Away (and back
   * Online when they return), so visitors are offered the leave-a-message form (seed 003). 0: never.
   */
  autoAwayMs?: number;
}

export interface OperatorPreferences {
  /** Play a short sound when a new visitor arrives (seed 004). */
  newVisitorSound: boolean;
}

export interface OperatorProfile {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'operator';
  status: OperatorStatus;
  /** Departments the operator belongs to; a silent one forces "Hide other operators' activity". */
  departments: string[];
  silent: boolean;
  /** This operator's own limit of concurrent chats (else the site's). */
  maxChats?: number;
  /** Chats this operator holds right now. */
  activeChats: number;
  preferences: OperatorPreferences;
  /** Increases with every status change: orders `operators` broadcasts that may arrive out of order. */
  statusVersion?: number;
}

export interface CannedMessage {
  id: string;
  /** Shared with the whole team, or one operator's own. */
  scope: 'shared' | 'personal';
  title: string;
  text: string;
  /** Keyboard shortcut, typed as /shortcut in the message box. */
  shortcut?: string;
}

/** The widget's appearance, applied by the loader at run time (a change needs no new snippet). */
export interface WidgetSettings {
  /** Shown above the pre-chat form ('' = the language's own greeting). */
  greeting: string;
  /** Button and header colour, #rrggbb. */
  color: string;
  /** Text and icons on that colour, #rrggbb (default white). */
  textColor?: string;
  /** The button's text while operators are online ('' = the language's "Live Help"). */
  buttonText?: string;
  /** The side of the page's corner the button sits in. */
  position: 'right' | 'left';
  /** Bottom (default) or top corner. */
  vertical?: 'bottom' | 'top';
  /** A WIDGET_LANGUAGES code, or '' for the page's language (data-lang, <html lang>, the browser's). */
  lang: string;
}

export interface VisitorWelcome {
  type: 'welcome';
  reqId?: string;
  role: 'visitor';
  visitorId: string;
  visitorToken: string;
  returning: boolean;
  operatorsOnline: number;
  chat?: ChatSummary & { messages: ChatMessage[] };
  widget: WidgetSettings;
  /** The visitor may not start a chat (tagged Unwelcome): the widget offers the message form only. */
  chatBlocked: boolean;
  /** Departments (names) a visitor may address a message to; the form offers a choice when there are several. */
  departments?: string[];
}

export type OfflineMessageStatus = 'new' | 'handled';

/** An operator's e-mail reply to an offline message (sent through SES by the mail function). */
export interface OfflineReply {
  id: string;
  text: string;
  by: OperatorRef;
  at: number;
  /** When SES took the mail; absent while it is being sent (or retried). */
  sentAt?: number;
}

/** A message a visitor left when nobody could chat (the console's Message Queue). */
export interface OfflineMessage {
  id: string;
  visitorId: string;
  name: string;
  email: string;
  text: string;
  department?: string;
  status: OfflineMessageStatus;
  createdAt: number;
  /** Who marked it handled (or replied first), and when. */
  handledBy?: OperatorRef;
  handledAt?: number;
  /** When the notification reached every operator it was meant for. */
  mailedAt?: number;
  /** Oldest first. */
  replies: OfflineReply[];
}

/** GET /api/offline-messages?status=new|handled&cursor=…: newest first. */
export interface OfflineMessagePage {
  messages: OfflineMessage[];
  /** Pass as `cursor` for the next page; absent on the last page. */
  next?: string;
}

/** To operator consoles that may see it: a message was left, handled or answered (replace by id). */
export interface OfflineMessageEvent {
  type: 'offline-message';
  message: OfflineMessage;
  /** New offline messages this operator may see (the summary panel's message queue). */
  newCount: number;
}

export interface OperatorWelcome {
  type: 'welcome';
  reqId?: string;
  role: 'operator';
  operator: OperatorProfile;
  operatorsOnline: OperatorRef[];
  visitors: VisitorRow[];
  queue: ChatSummary[];
  /** Every open chat on the site; the operator controls the ones listing them among `operators`. */
  chats: ChatSummary[];
  settings: ConsoleSettings;
  /** New offline messages this operator may see (the summary panel's message queue). */
  offlineMessagesNew?: number;
}

export interface VisitorEvent {
  type: 'visitor';
  visitor: VisitorRow;
}
/** Coalesced grid update: every row that changed in the last short interval, in one frame. */
export interface VisitorsEvent {
  type: 'visitors';
  visitors: VisitorRow[];
}
export interface VisitorNoteEvent {
  type: 'visitor-note';
  note: VisitorNote;
}
export interface VisitorLeftEvent {
  type: 'visitor-left';
  visitorId: string;
}
export interface ChatUpdateEvent {
  type: 'chat-update';
  reqId?: string;
  chat: ChatSummary;
  /**
   * Only in the answer to a visitor's `chat-request`: operators available for chat right now
   * (the widget's button follows it, as it follows the welcome's count).
   */
  operatorsOnline?: number;
}
export interface MessageEvent extends ChatMessage {
  type: 'message';
  reqId?: string;
}
export interface TypingEvent {
  type: 'typing';
  chatId: string;
  from: Sender;
  typing: boolean;
  preview?: string;
}
export interface QueueEvent {
  type: 'queue';
  queued: number;
  active: number;
  operatorsOnline: number;
}
export interface OperatorsEvent {
  type: 'operators';
  operators: (OperatorRef & {
    status: OperatorStatus;
    activeChats: number;
    departments: string[];
    /** See OperatorProfile.statusVersion. */
    statusVersion?: number;
  })[];
}
export interface SyncEvent {
  type: 'sync';
  reqId?: string;
  chatId: string;
  messages: ChatMessage[];
  chat: ChatSummary;
}
export interface AckEvent {
  type: 'ack';
  reqId?: string;
  action: string;
  /** `leave-message`: the stored message (a duplicate gets the first one's id). */
  messageId?: string;
  /** `set-status`: the version of the status just written (OperatorProfile.statusVersion). */
  statusVersion?: number;
}

export type ErrorCode =
  | 'bad-json'
  | 'bad-request'
  | 'unknown-action'
  | 'forbidden'
  | 'not-found'
  | 'already-taken'
  | 'chat-ended'
  | 'frame-too-large'
  | 'rate-limited'
  | 'conflict'
  | 'at-capacity'
  | 'internal';

export interface ErrorEvent {
  type: 'error';
  code: ErrorCode;
  message: string;
  reqId?: string;
}

export type ServerEvent =
  | VisitorWelcome
  | OperatorWelcome
  | VisitorEvent
  | VisitorsEvent
  | VisitorNoteEvent
  | InvitationEvent
  | VisitorLeftEvent
  | ChatUpdateEvent
  | MessageEvent
  | TypingEvent
  | QueueEvent
  | OperatorsEvent
  | SyncEvent
  | AckEvent
  | OfflineMessageEvent
  | ErrorEvent;
