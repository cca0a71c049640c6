/**
 * What offline messages need from storage (its own port beside the Store, so the two grow apart
 * without touching each other). The DynamoDB adapter is adapters/dynamo-offline-store.ts.
 */
import type { OfflineMessage, OfflineMessageStatus, OfflineReply, OperatorRef } from '../protocol/index.js';

/** An offline message as stored: the view plus what only the backend needs. */
export interface OfflineMessageRecord extends OfflineMessage {
  siteId: string;
  /** Operator addresses the notification already went to (a retried delivery skips them). */
  mailedTo: string[];
  /** The visitor's page language: the reply e-mail is written in it. */
  lang?: string;
  /** Epoch ms after which retention deletes it (the table's TTL). */
  expiresAt?: number;
}

export interface OfflinePageQuery {
  siteId: string;
  status: OfflineMessageStatus;
  limit: number;
  /** Opaque, from a previous page's `next`. */
  cursor?: string;
  /** Only messages without a department or of one of these; undefined = all. */
  departments?: readonly string[];
}

export interface OfflineStore {
  /** Writes a new message; false (nothing written) when one with this id exists. */
  putOfflineMessage(message: OfflineMessageRecord): Promise<boolean>;
  getOfflineMessage(id: string): Promise<OfflineMessageRecord | undefined>;
  /** Newest first. A cursor that is not this site's and status's is refused (BadRequestError). */
  listOfflineMessages(query: OfflinePageQuery): Promise<{ messages: OfflineMessageRecord[]; next?: string }>;
  /** The site's new messages (id and department only), for per-operator counts; at most `max`. */
  newOfflineMessages(siteId: string, max: number): Promise<{ id: string; department?: string }[]>;
  /**
   * A duplicate guard for `windowMs`: one conditional put of `key` for the visitor (an expired
   * guard TTL has not deleted yet counts as absent). Answers the first message's id when taken.
   */
  claimOfflineDedupe(
    visitorId: string,
    key: string,
    messageId: string,
    now: number,
    windowMs: number,
  ): Promise<{ claimed: true } | { claimed: false; messageId: string }>;
  releaseOfflineDedupe(visitorId: string, key: string): Promise<void>;
  /** A fixed-window counter: true while fewer than `max` were taken in the window (conditional writes). */
  takeRate(key: string, max: number, windowMs: number, now: number): Promise<boolean>;
  /** new → handled, once: the stored message either way; undefined when there is none. */
  markOfflineHandled(
    id: string,
    by: OperatorRef,
    at: number,
  ): Promise<{ changed: boolean; message: OfflineMessageRecord } | undefined>;
  /**
   * Records a reply (and marks the message handled by its author if it was new), while the
   * message has fewer than `maxReplies`; undefined when refused or absent.
   */
  addOfflineReply(id: string, reply: OfflineReply, maxReplies: number): Promise<OfflineMessageRecord | undefined>;
  /** The notification went to `email` (a retried delivery skips it). */
  recordOfflineMailed(id: string, email: string): Promise<void>;
  /** Every operator it was meant for has it. */
  finishOfflineMailing(id: string, at: number): Promise<void>;
  /** The reply went out; false when it already had (a redelivered event sends nothing twice). */
  markOfflineReplySent(id: string, replyId: string, at: number): Promise<boolean>;
}
