import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ChatMessage } from '../../functions/protocol/events.js';
import { BACKOFF_CAP_MS, backoffDelay } from '../../widget/core/backoff.js';
import { randomId } from '../../widget/core/ids.js';
import {
  confirmPending,
  hasGap,
  highestSeq,
  mergeMessages,
  type PendingMessage,
  SyncTracker,
  syncPoint,
  TypingThrottle,
} from '../../widget/core/thread.js';

const msg = (seq: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  chatId: 'c1',
  seq,
  id: `m${seq}`,
  from: { kind: 'visitor', id: 'v1', name: 'Marta' },
  text: `text ${seq}`,
  at: 1000 + seq,
  ...over,
});

describe('mergeMessages', () => {
  it('orders by seq whatever order frames arrive in', () => {
    const merged = mergeMessages([msg(2)], [msg(4), msg(1), msg(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('keeps one copy of a message delivered twice (live frame and sync replay)', () => {
    const merged = mergeMessages([msg(1), msg(2)], [msg(2), msg(3), msg(3)]);
    expect(merged.map((m) => m.id)).toEqual(['m1', 'm2', 'm3']);
  });

  it('returns the same array when nothing new arrived, so views can skip re-rendering', () => {
    const list = [msg(1)];
    expect(mergeMessages(list, [msg(1)])).toBe(list);
    expect(mergeMessages(list, [])).toBe(list);
  });

  it('ignores malformed entries', () => {
    const merged = mergeMessages([], [msg(1), null as unknown as ChatMessage, { id: 5 } as unknown as ChatMessage]);
    expect(merged).toHaveLength(1);
  });
});

describe('syncPoint and hasGap', () => {
  it('is 0 for an empty chat', () => {
    expect(syncPoint([])).toBe(0);
    expect(highestSeq([])).toBe(0);
  });

  it('is the last seq before the first hole', () => {
    expect(syncPoint([msg(1), msg(2), msg(3)])).toBe(3);
    expect(syncPoint([msg(1), msg(2), msg(4)])).toBe(2);
  });

  it('counts from the lowest seq held, since a snapshot may start mid-chat', () => {
    expect(syncPoint([msg(41), msg(42)])).toBe(42);
  });

  it('reports a hole inside the list, and a server lastSeq beyond it', () => {
    expect(hasGap([msg(1), msg(3)])).toBe(true);
    expect(hasGap([msg(1), msg(2)])).toBe(false);
    expect(hasGap([msg(1), msg(2)], 2)).toBe(false);
    expect(hasGap([msg(1), msg(2)], 5)).toBe(true);
    expect(hasGap([], 1)).toBe(true);
  });
});

describe('confirmPending', () => {
  const pending: PendingMessage[] = [
    { chatId: 'c1', clientMsgId: 'a', text: 'x', at: 1 },
    { chatId: 'c1', clientMsgId: 'b', text: 'y', at: 2 },
  ];

  it('drops a pending message once the server echoes its clientMsgId', () => {
    expect(confirmPending(pending, [msg(1, { clientMsgId: 'a' })]).map((p) => p.clientMsgId)).toEqual(['b']);
  });

  it('returns the same array when nothing was confirmed', () => {
    expect(confirmPending(pending, [msg(1)])).toBe(pending);
  });
});

describe('SyncTracker', () => {
  it('lets one sync per chat be in flight, and allows a retry after the window', () => {
    const t = new SyncTracker(1000);
    expect(t.claim('c1', 0)).toBe(true);
    expect(t.claim('c1', 500)).toBe(false);
    expect(t.claim('c2', 500)).toBe(true);
    expect(t.claim('c1', 1500)).toBe(true);
    t.done('c1');
    expect(t.claim('c1', 1600)).toBe(true);
  });
});

describe('TypingThrottle', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('sends typing:true at most every 2 s while the draft changes', () => {
    const sent: boolean[] = [];
    const t = new TypingThrottle((v) => sent.push(v));
    t.input('h', 0);
    t.input('he', 500);
    t.input('hel', 1999);
    expect(sent).toEqual([true]);
    t.input('hell', 2000);
    expect(sent).toEqual([true, true]);
  });

  it('sends typing:false when the draft is cleared, once', () => {
    const sent: boolean[] = [];
    const t = new TypingThrottle((v) => sent.push(v));
    t.input('hi', 0);
    t.input('', 100);
    t.stop();
    expect(sent).toEqual([true, false]);
  });

  it('sends typing:false after a pause without input', () => {
    const sent: boolean[] = [];
    const t = new TypingThrottle((v) => sent.push(v), 2000, 5000);
    t.input('hi', 0);
    vi.advanceTimersByTime(5001);
    expect(sent).toEqual([true, false]);
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter between half and all of the step', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 1)).toBe(4000);
  });

  it('never waits longer than the cap', () => {
    expect(backoffDelay(30, () => 1)).toBe(BACKOFF_CAP_MS);
    expect(backoffDelay(30, () => 0)).toBe(BACKOFF_CAP_MS / 2);
  });
});

describe('randomId', () => {
  it('is unique and short enough for the protocol’s id limit', () => {
    const ids = new Set(Array.from({ length: 200 }, randomId));
    expect(ids.size).toBe(200);
    for (const id of ids) expect(id.length).toBeLessThanOrEqual(64);
  });
});
