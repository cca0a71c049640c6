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
}

export interface VisitorRow {
  visitorId: string;
  name?: string;
  presence: 'browsing' | 'chatting' | 'departed';
  returning: boolean;
  visits: number;
  pageViews: number;
  url: string;
  title: string;
  referrer?: string;
  lang?: string;
  firstSeen: number;
  lastSeen: number;
  /** When the visitor arrived on the current page. */
  pageSince: number;
  chatId?: string;
  chatStatus?: ChatStatus;
  custom?: Record<string, string>;
}

export interface OperatorProfile {
  id: string;
  name: string;
  email: string;
  role: 'admin' | 'operator';
  status: OperatorStatus;
}

export interface WidgetSettings {
  greeting: string;
  color: string;
  position: 'right' | 'left';
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
}

export interface VisitorEvent {
  type: 'visitor';
  visitor: VisitorRow;
}
export interface VisitorLeftEvent {
  type: 'visitor-left';
  visitorId: string;
}
export interface ChatUpdateEvent {
  type: 'chat-update';
  reqId?: string;
  chat: ChatSummary;
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
  operators: (OperatorRef & { status: OperatorStatus })[];
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
  | VisitorLeftEvent
  | ChatUpdateEvent
  | MessageEvent
  | TypingEvent
  | QueueEvent
  | OperatorsEvent
  | SyncEvent
  | AckEvent
  | ErrorEvent;
