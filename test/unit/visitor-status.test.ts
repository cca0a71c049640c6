import { describe, expect, it } from 'vitest';
import type { ChatRecord, VisitorRecord } from '../../functions/core/types.js';
import { visitorPresence, visitorStatus } from '../../functions/core/visitor-status.js';

const visitor = (extra: Partial<VisitorRecord> = {}): VisitorRecord => ({
  visitorId: 'V1',
  siteId: 'demo',
  firstSeen: 0,
  lastSeen: 1000,
  visits: 1,
  pageViews: 1,
  url: 'https://shop.example/',
  title: 'Home',
  visitStart: 0,
  pageSince: 0,
  connections: 1,
  ...extra,
});
const chat = (extra: Partial<ChatRecord> = {}): ChatRecord => ({
  chatId: 'C1',
  siteId: 'demo',
  visitorId: 'V1',
  visitorName: 'Ann',
  status: 'active',
  operators: [{ id: 'op', name: 'Op' }],
  createdAt: 0,
  seq: 1,
  conns: {},
  declinedBy: [],
  ...extra,
});

describe('visitor status (the six of the seed)', () => {
  it('is "waiting for chat" while the chat is queued and unassigned', () => {
    expect(visitorStatus(visitor({ openChatId: 'C1' }), chat({ status: 'queued', operators: [] }))).toBe(
      'waiting-for-chat',
    );
  });
  it('is "waiting for response" when the visitor wrote last, or nobody has yet', () => {
    expect(visitorStatus(visitor({ openChatId: 'C1' }), chat({ lastFrom: 'visitor' }))).toBe('waiting-for-response');
    expect(visitorStatus(visitor({ openChatId: 'C1' }), chat())).toBe('waiting-for-response');
  });
  it('is "operator waiting for response" when the operator wrote last', () => {
    expect(visitorStatus(visitor({ openChatId: 'C1' }), chat({ lastFrom: 'operator' }))).toBe('operator-waiting');
  });
  it('is "chatted / invited" after a chat or an invitation', () => {
    expect(visitorStatus(visitor({ lastChatAt: 5 }))).toBe('chatted-invited');
    expect(visitorStatus(visitor({ invitedAt: 5, visits: 3 }))).toBe('chatted-invited');
    expect(visitorStatus(visitor({ lastChatAt: 5, openChatId: 'C1' }), chat({ status: 'ended' }))).toBe(
      'chatted-invited',
    );
  });
  it('is "returning visitor" for a second visit without chat activity', () => {
    expect(visitorStatus(visitor({ visits: 2 }))).toBe('returning');
  });
  it('is "no chatting activity" otherwise', () => {
    expect(visitorStatus(visitor())).toBe('no-activity');
  });
  it('ignores a chat that is not the visitor’s open one', () => {
    expect(visitorStatus(visitor({ openChatId: 'other' }), chat({ status: 'queued' }))).toBe('no-activity');
  });
});

describe('visitor presence', () => {
  it('is browsing, or chatting with an open chat', () => {
    expect(visitorPresence(visitor(), undefined, 2000, 30_000)).toBe('browsing');
    expect(visitorPresence(visitor({ openChatId: 'C1' }), chat(), 2000, 30_000)).toBe('chatting');
  });
  it('stays present through the grace period after the last socket closed (a page navigation)', () => {
    expect(visitorPresence(visitor({ connections: 0, lastSeen: 1000 }), undefined, 1000 + 29_999, 30_000)).toBe(
      'browsing',
    );
  });
  it('is departed once the grace period has passed with no socket', () => {
    expect(visitorPresence(visitor({ connections: 0, lastSeen: 1000 }), undefined, 1000 + 30_000, 30_000)).toBe(
      'departed',
    );
  });
});
