/**
 * The message-list rules both the widget and the console follow (DESIGN §3):
 * de-duplicate by `id`, order by `seq`, detect gaps and fill them with `sync`,
 * and keep unconfirmed own messages pending until the server echoes their clientMsgId.
 * Pure functions over immutable arrays, so Preact can compare by reference.
 */
import type { ChatMessage } from '../../functions/protocol/events.js';

export interface PendingMessage {
  chatId: string;
  clientMsgId: string;
  text: string;
  at: number;
  /** reqId of the last send, to match an `error` reply to this message. */
  reqId?: string;
  /** Refused by the server for good (not retried). */
  failed?: boolean;
}

const bySeq = (a: ChatMessage, b: ChatMessage) => a.seq - b.seq || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * Merges incoming messages into a list: unique by id, ordered by seq.
 * Returns the same array when nothing new arrived.
 */
export function mergeMessages(current: readonly ChatMessage[], incoming: readonly ChatMessage[]): ChatMessage[] {
  if (incoming.length === 0) return current as ChatMessage[];
  const seen = new Set(current.map((m) => m.id));
  const added: ChatMessage[] = [];
  for (const m of incoming) {
    if (!m || typeof m.id !== 'string' || typeof m.seq !== 'number' || seen.has(m.id)) continue;
    seen.add(m.id);
    added.push(m);
  }
  if (added.length === 0) return current as ChatMessage[];
  return [...current, ...added].sort(bySeq);
}

/**
 * The highest seq up to which the list has no hole, counting from its lowest seq
 * (a snapshot may start mid-chat). 0 for an empty list. `sync` with afterSeq = this fills any gap.
 */
export function syncPoint(messages: readonly ChatMessage[]): number {
  const first = messages[0];
  if (!first) return 0;
  let point = first.seq;
  for (const m of messages) {
    if (m.seq <= point) continue;
    if (m.seq === point + 1) point = m.seq;
    else break;
  }
  return point;
}

/** The highest seq in the list (0 when empty). */
export function highestSeq(messages: readonly ChatMessage[]): number {
  return messages[messages.length - 1]?.seq ?? 0;
}

/**
 * True when the list is missing something: a hole inside it, or the server's `lastSeq`
 * (from a chat summary) beyond what we hold.
 */
export function hasGap(messages: readonly ChatMessage[], serverLastSeq?: number): boolean {
  const point = syncPoint(messages);
  if (point < highestSeq(messages)) return true;
  return typeof serverLastSeq === 'number' && serverLastSeq > point;
}

/** Drops pending messages the server has confirmed (a stored message carries the same clientMsgId). */
export function confirmPending(pending: readonly PendingMessage[], messages: readonly ChatMessage[]): PendingMessage[] {
  if (pending.length === 0) return pending as PendingMessage[];
  const confirmed = new Set<string>();
  for (const m of messages) if (m.clientMsgId) confirmed.add(m.clientMsgId);
  const left = pending.filter((p) => !confirmed.has(p.clientMsgId));
  return left.length === pending.length ? (pending as PendingMessage[]) : left;
}

/**
 * Remembers which chats have a `sync` in flight so a burst of out-of-order frames
 * asks once; a sync that got no answer may be asked again after `retryMs`.
 */
export class SyncTracker {
  private readonly inflight = new Map<string, number>();
  constructor(private readonly retryMs = 4000) {}

  /** True if a sync for this chat should be sent now (and marks it in flight). */
  claim(chatId: string, now = Date.now()): boolean {
    const since = this.inflight.get(chatId);
    if (since !== undefined && now - since < this.retryMs) return false;
    this.inflight.set(chatId, now);
    return true;
  }

  done(chatId: string): void {
    this.inflight.delete(chatId);
  }

  reset(): void {
    this.inflight.clear();
  }
}

/**
 * Typing indicator sender: `typing:true` at most every `intervalMs` while the draft changes,
 * `typing:false` when the draft is cleared or sent, or after `idleMs` without input.
 */
export class TypingThrottle {
  private lastSent = 0;
  private active = false;
  private idle: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly send: (typing: boolean) => void,
    private readonly intervalMs = 2000,
    private readonly idleMs = 5000,
  ) {}

  input(draft: string, now = Date.now()): void {
    if (draft.trim() === '') {
      this.stop();
      return;
    }
    if (!this.active || now - this.lastSent >= this.intervalMs) {
      this.active = true;
      this.lastSent = now;
      this.send(true);
    }
    if (this.idle) clearTimeout(this.idle);
    this.idle = setTimeout(() => this.stop(), this.idleMs);
  }

  stop(): void {
    if (this.idle) clearTimeout(this.idle);
    this.idle = undefined;
    if (!this.active) return;
    this.active = false;
    this.lastSent = 0;
    this.send(false);
  }
}
