/** What the use cases need from the outside world. Adapters implement these; tests stub them. */
import type {
  AutoInvitationRule,
  CannedMessage,
  ChatMessage,
  ChatStatus,
  ConsoleSettings,
  OperatorPreferences,
  OperatorStatus,
  ServerEvent,
  VisitorNote,
  VisitorTag,
  WidgetSettings,
} from '../protocol/index.js';
import type { EventPublisher, OneTimeScheduler } from './async-ports.js';
import type { OfflineStore } from './offline-ports.js';
import type { Telemetry } from './telemetry.js';
import type {
  AssignmentRecord,
  ChatRecord,
  ConnectionRecord,
  Enrichment,
  InvitationRecord,
  OperatorRecord,
  VisitorRecord,
} from './types.js';

export interface Clock {
  now(): number;
}

export interface IdGenerator {
  next(): string;
}

export interface PageViewInput {
  siteId: string;
  visitorId: string;
  url: string;
  title: string;
  lang?: string;
  screen?: { w: number; h: number };
  custom?: Record<string, string>;
  at: number;
  /** The socket's `connIds` element (core/sockets.ts): recorded by the same write. */
  socket: string;
  /** What the connect request told (address, place, browser, language). */
  enrichment?: Enrichment;
  /** Visitor profile and page history expire this long after the last view. */
  retentionDays: number;
  /** A visitor with no socket open and not seen for this long begins a new visit. */
  visitGapMs: number;
  /** The referrer and search a new visit records (an old visit's must not linger). */
  visit: Omit<VisitStart, 'at'>;
  /** Which write to try first (a wrong guess costs one refused conditional write). */
  guessNewVisit: boolean;
  /**
   * The view came with the connect request: the same write marks the socket as owed a `welcome`
   * (`welcomeSocket`), which the table stream posts once the socket is open.
   */
  pushWelcome?: boolean;
  /** With pushWelcome: the digest of the welcome the widget holds (`welcomeKnown`). */
  knownWelcome?: string;
}

export interface VisitStart {
  at: number;
  /** The external referrer and the search it came from, or none (an old visit's must not linger). */
  referrer?: string;
  search?: { engine: string; query?: string };
}

export interface PageViewItem {
  siteId: string;
  visitorId: string;
  url: string;
  title: string;
  at: number;
  /** The first page of a visit (entry page in reports). */
  entry: boolean;
  referrer?: string;
  /** The previous page of the same visit (reports move the visit's exit page from it). */
  prevUrl?: string;
  visitStart: number;
  /** The visitor's page view count, to keep page-view keys unique. */
  n: number;
  retentionDays: number;
}

/** One report counter change: `key` is e.g. `PAGE#/pricing`, `ENTRY#/`, `DAY`. */
export interface ReportDelta {
  day: string;
  key: string;
  url?: string;
  /** `entries`, `exits`: on a page's own counter (`PAGE#`): one write per page and batch. */
  field: 'views' | 'visits' | 'visitors' | 'pageViews' | 'entries' | 'exits';
  delta: number;
}

export interface ReportCounter {
  day: string;
  key: string;
  url?: string;
  views?: number;
  visits?: number;
  visitors?: number;
  pageViews?: number;
  entries?: number;
  exits?: number;
}

export interface StoredPageView {
  url: string;
  title: string;
  referrer?: string;
  at: number;
}

export interface AppendMessageInput {
  chatId: string;
  id: string;
  clientMsgId?: string;
  from: ChatMessage['from'];
  text: string;
  at: number;
  /** The sender must satisfy this, checked in the same conditional write. */
  guard: { kind: 'visitor'; visitorId: string } | { kind: 'operator'; operatorId: string } | { kind: 'system' };
}

export type AppendResult =
  | { ok: true; message: ChatMessage; chat: ChatRecord }
  | { ok: false; reason: 'duplicate'; message: ChatMessage; chat: ChatRecord }
  | { ok: false; reason: 'not-found' | 'forbidden' | 'ended' };

export interface Store {
  /** Records an operator's console (authorizer); undefined for a missing or disabled operator. */
  addOperatorSocket(operatorId: string, socket: string): Promise<OperatorRecord | undefined>;
  /** Removes sockets (`connIds` elements) from their owner: gone consoles, expired elements. */
  forgetSockets(owner: { role: 'visitor' | 'operator'; id: string }, sockets: string[]): Promise<void>;
  /** Connections of the site's operators (fan-out target for visitor and queue updates). */
  operatorConnections(siteId: string): Promise<ConnectionRecord[]>;
  visitorConnections(visitorId: string): Promise<ConnectionRecord[]>;

  getVisitor(visitorId: string): Promise<VisitorRecord | undefined>;
  /** One write: the page, presence and enrichment; returns the visitor before and after it. */
  /**
   * One conditional write records the view, the socket and, when it begins one, the visit;
   * returns the visitor before and after, whether the socket is new, and whether a visit began.
   */
  trackPageView(
    input: PageViewInput,
  ): Promise<{ before?: VisitorRecord; after: VisitorRecord; first: boolean; newVisit: boolean }>;
  /** A socket reopened on the same page: recorded again, no page view; the visitor after. */
  resumeSocket(visitorId: string, socket: string, at: number): Promise<VisitorRecord | undefined>;
  /** The page-view history items (written by the stream, batched). */
  putPageViews(views: PageViewItem[]): Promise<void>;
  recentVisitors(siteId: string, since: number, limit: number): Promise<VisitorRecord[]>;
  getVisitors(visitorIds: string[]): Promise<VisitorRecord[]>;
  setVisitorTag(visitorId: string, tag: VisitorTag | null): Promise<VisitorRecord | undefined>;
  setVisitorCustom(visitorId: string, custom: Record<string, string>): Promise<void>;
  /** Sets the hostname only while the visitor's address is still `ip`. */
  setVisitorHostname(visitorId: string, ip: string, hostname: string): Promise<void>;
  pageViews(visitorId: string, limit: number): Promise<StoredPageView[]>;
  addNote(note: VisitorNote): Promise<void>;
  notes(visitorId: string, limit: number): Promise<VisitorNote[]>;
  visitorChats(visitorId: string, limit: number): Promise<ChatRecord[]>;
  /** Applies counter changes once per stream batch (`batchId`): a retried batch adds nothing twice. */
  addReportCounts(siteId: string, deltas: ReportDelta[], batchId: string): Promise<void>;
  reportCounters(siteId: string, fromDay: string, toDay: string): Promise<ReportCounter[]>;

  getOperator(operatorId: string): Promise<OperatorRecord | undefined>;
  putOperator(op: OperatorRecord): Promise<void>;
  /** Creates the operator only if absent; returns the stored record either way. */
  ensureOperator(op: OperatorRecord): Promise<OperatorRecord>;
  siteOperators(siteId: string): Promise<OperatorRecord[]>;
  setOperatorStatus(operatorId: string, status: OperatorStatus): Promise<OperatorRecord>;
  /** The site's department items (name, silent); absent in stubs, where operators' departments stand in. */
  siteDepartments?(siteId: string): Promise<{ name: string; silent: boolean }[]>;
  /** `name`: the operator's own new display name (PUT /api/me/preferences), set with the preferences. */
  setOperatorPreferences(operatorId: string, preferences: OperatorPreferences, name?: string): Promise<OperatorRecord>;

  putTicket(ticket: string, operatorId: string, siteId: string, expiresAt: number): Promise<void>;
  /** Deletes the ticket and returns it if it existed and had not expired at `now`. */
  consumeTicket(ticket: string, now: number): Promise<{ operatorId: string; siteId: string } | undefined>;

  /** What was saved; defaults for the rest are the core's business (settings.ts). */
  getSettings(siteId: string): Promise<{
    widget?: Partial<WidgetSettings>;
    console?: Partial<ConsoleSettings>;
    autoInvitations?: AutoInvitationRule[];
  }>;
  putConsoleSettings(siteId: string, settings: ConsoleSettings): Promise<void>;
  putWidgetSettings(siteId: string, widget: WidgetSettings): Promise<void>;
  putAutoInvitations(siteId: string, rules: AutoInvitationRule[]): Promise<void>;

  /**
   * Records an invitation on the visitor. An automatic one only while the visitor has no open chat
   * and no pending invitation (it never interrupts either); false when refused.
   */
  /**
   * Records an invitation. An automatic one only while no chat is open and no invitation made
   * after `pendingSince` still awaits an answer; false when refused.
   */
  setInvitation(visitorId: string, invitation: InvitationRecord, pendingSince: number): Promise<boolean>;
  /** Settles a pending invitation; returns it, or undefined if it was not pending. */
  resolveInvitation(
    visitorId: string,
    inviteId: string,
    outcome: 'accepted' | 'declined',
  ): Promise<InvitationRecord | undefined>;
  /**
   * The hourly automatic-invitation throttle: one conditional put that treats an item past its
   * expiry (not yet deleted by TTL) as absent. False while the visitor was invited within the hour.
   */
  takeAutoInviteThrottle(visitorId: string, now: number, windowMs: number): Promise<boolean>;

  /** Creates a queued chat and points the visitor at it, unless the visitor already has an open chat. */
  createChat(chat: ChatRecord): Promise<{ created: true; chat: ChatRecord } | { created: false; openChatId: string }>;
  getChat(chatId: string): Promise<ChatRecord | undefined>;
  getChats(chatIds: string[]): Promise<ChatRecord[]>;
  chatsByStatus(siteId: string, status: ChatStatus, limit: number): Promise<ChatRecord[]>;
  /** One conditional write: succeeds only while the chat is queued. */
  claimChat(chatId: string, operator: { id: string; name: string }, at: number): Promise<ChatRecord | undefined>;
  /** One conditional write: ends an open chat and releases the visitor's open-chat pointer. */
  endChat(chatId: string, endedBy: 'visitor' | 'operator' | 'system', at: number): Promise<ChatRecord | undefined>;
  declineChat(chatId: string, operatorId: string): Promise<void>;
  attachConnections(chatId: string, conns: Record<string, string>): Promise<void>;
  detachConnections(chatId: string, connectionIds: string[]): Promise<void>;

  appendMessage(input: AppendMessageInput): Promise<AppendResult>;

  /** Takes one of the operator's chat slots if fewer than `max` are taken (one conditional write). */
  reserveChatSlot(operatorId: string, max: number): Promise<boolean>;
  releaseChatSlot(operatorId: string): Promise<void>;
  /** The assignment, or undefined when absent or past its expiry (TTL deletes late). */
  getAssignment(visitorId: string, now: number): Promise<AssignmentRecord | undefined>;
  putAssignment(a: AssignmentRecord): Promise<void>;
  /** Removes the assignment if it still names `operatorId` (or any, when omitted). */
  deleteAssignment(visitorId: string, operatorId?: string): Promise<void>;
  /** Replaces who a queued chat is offered to (and its assignment); undefined if no longer queued. */
  setOffers(chatId: string, offeredTo: string[], assignedOperatorId?: string | null): Promise<ChatRecord | undefined>;
  /** Puts an active chat back in the queue (transfer to a department), while `expected` hold it. */
  requeueChat(
    chatId: string,
    expectedOperatorIds: string[],
    department: string,
    offeredTo: string[],
  ): Promise<ChatRecord | undefined>;
  /** Adds an operator while `expectedOperatorIds` still hold the chat. */
  addChatOperator(
    chatId: string,
    expectedOperatorIds: string[],
    operator: { id: string; name: string },
    by: string,
  ): Promise<ChatRecord | undefined>;
  /** Sets the operators to `operators` while `expectedOperatorIds` still hold the chat. */
  setChatOperators(
    chatId: string,
    expectedOperatorIds: string[],
    operators: { id: string; name: string }[],
  ): Promise<ChatRecord | undefined>;
  setHold(chatId: string, on: boolean): Promise<ChatRecord | undefined>;
  /** Once per chat and address, at most `max` addresses per chat: false when refused. */
  claimTranscript(chatId: string, email: string, max: number, at: number): Promise<boolean>;

  listCanned(siteId: string, operatorId: string): Promise<CannedMessage[]>;
  putCanned(siteId: string, operatorId: string, canned: CannedMessage): Promise<void>;
  getCanned(siteId: string, operatorId: string, id: string): Promise<CannedMessage | undefined>;
  deleteCanned(siteId: string, operatorId: string, canned: CannedMessage): Promise<void>;
  messagesAfter(chatId: string, afterSeq: number, limit: number): Promise<ChatMessage[]>;
}

export interface Notifier {
  /** Posts one frame to each connection; returns the ids that are gone. One failure never stops the rest. */
  send(connectionIds: readonly string[], frame: ServerEvent): Promise<string[]>;
}

export interface VisitorTokens {
  sign(siteId: string, visitorId: string): string;
  /** Returns the visitor id the token names for this site, or undefined if forged, tampered or foreign. */
  verify(siteId: string, token: string): string | undefined;
}

export interface Deps {
  store: Store;
  notifier: Notifier;
  clock: Clock;
  ids: IdGenerator;
  tokens: VisitorTokens;
  /** Asynchronous work (mail) goes through the event bus; absent where a function has none. */
  events?: EventPublisher;
  /** One-time schedules (operator presence grace, auto-invitations). */
  scheduler?: OneTimeScheduler;
  /** Offline messages (their own port; absent in stubs that do not need them). */
  offline?: OfflineStore;
  /** Business metrics and the chat a request concerns (log correlation); absent: nothing recorded. */
  telemetry?: Telemetry;
}
