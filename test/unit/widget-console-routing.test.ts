/** The console's routing rules (console-web/routing.ts): the incoming-request dialog, the queue, the summary. */
import { describe, expect, it } from 'vitest';
import {
  activeChatsByOperator,
  atCapacityText,
  chatTargets,
  departmentsOf,
  nextChat,
  type OperatorInfo,
  pendingOffers,
  queueStatus,
  summaryCounts,
} from '../../console-web/routing.js';
import type { ChatSummary } from '../../functions/protocol/events.js';

const chat = (chatId: string, over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId,
  visitorId: `v-${chatId}`,
  visitorName: chatId,
  status: 'queued',
  operators: [],
  createdAt: 100,
  lastSeq: 0,
  ...over,
});
const byId = (...chats: ChatSummary[]) => Object.fromEntries(chats.map((c) => [c.chatId, c]));
const none = { declined: {}, parked: {} };
const DANA = { id: 'dana', name: 'Dana' };
const SAM = { id: 'sam', name: 'Sam' };

describe('the incoming-request dialog', () => {
  it('shows only requests offered to me, longest waiting first', () => {
    const chats = byId(
      chat('late', { offeredTo: ['dana', 'sam'], createdAt: 300 }),
      chat('early', { offeredTo: ['dana'], createdAt: 100 }),
      chat('samOnly', { offeredTo: ['sam'], createdAt: 50 }),
      chat('nobody', { offeredTo: [], createdAt: 10 }),
      chat('legacy', { createdAt: 20 }),
    );
    expect(pendingOffers(chats, 'dana', none).map((c) => c.chatId)).toEqual(['early', 'late']);
    expect(pendingOffers(chats, 'sam', none).map((c) => c.chatId)).toEqual(['samOnly', 'late']);
    expect(pendingOffers(chats, undefined, none)).toEqual([]);
  });

  it('closes for a request that is no longer queued, declined, or put in the queue from the dialog', () => {
    const chats = byId(
      chat('taken', { status: 'active', offeredTo: ['dana'], operators: [SAM] }),
      chat('ended', { status: 'ended', offeredTo: ['dana'] }),
      chat('declined', { offeredTo: ['dana'] }),
      chat('queued', { offeredTo: ['dana'] }),
      chat('open', { offeredTo: ['dana'] }),
    );
    const aside = { declined: { declined: true as const }, parked: { queued: true as const } };
    expect(pendingOffers(chats, 'dana', aside).map((c) => c.chatId)).toEqual(['open']);
  });
});

describe('the communication queue', () => {
  it('says whose queue a request is in', () => {
    const ops = [DANA, SAM];
    expect(queueStatus(chat('a', { assignedOperatorId: 'dana', offeredTo: ['dana'] }), 'dana', ops)).toEqual({
      kind: 'mine',
      label: 'Assigned to you',
      offeredToMe: true,
      offeredCount: 1,
    });
    expect(queueStatus(chat('b', { assignedOperatorId: 'sam', offeredTo: ['sam'] }), 'dana', ops)).toMatchObject({
      kind: 'assigned',
      label: 'Assigned to Sam',
      offeredToMe: false,
    });
    expect(queueStatus(chat('c', { department: 'billing', offeredTo: ['sam'] }), 'dana', ops)).toMatchObject({
      kind: 'department',
      label: 'billing',
    });
    expect(queueStatus(chat('d', { offeredTo: [] }), 'dana', ops)).toMatchObject({
      kind: 'general',
      label: 'General queue',
      offeredCount: 0,
    });
  });

  it('opens with Next chat the longest-waiting request offered to me, else the longest-waiting one I may take', () => {
    const chats = byId(
      chat('oldForSam', { assignedOperatorId: 'sam', offeredTo: ['sam'], createdAt: 1 }),
      chat('oldGeneral', { offeredTo: [], createdAt: 2 }),
      chat('mine', { offeredTo: ['dana'], createdAt: 3 }),
    );
    expect(nextChat(chats, 'dana', {})?.chatId).toBe('mine');
    expect(nextChat(chats, 'dana', { mine: true })?.chatId).toBe('oldGeneral');
    expect(nextChat(chats, 'dana', { mine: true, oldGeneral: true })?.chatId).toBe('oldForSam');
    expect(nextChat(byId(chat('x', { status: 'active' })), 'dana', {})).toBeUndefined();
  });
});

describe('the communication summary', () => {
  it('counts my chats and all chats in progress, my held ones, and the queue without what I declined', () => {
    const chats = byId(
      chat('a', { status: 'active', operators: [DANA] }),
      chat('b', { status: 'active', operators: [DANA, SAM], onHold: true }),
      chat('c', { status: 'active', operators: [SAM], onHold: true }),
      chat('d', { offeredTo: ['dana'] }),
      chat('e', { offeredTo: ['sam'] }),
      chat('f', { offeredTo: ['dana'] }),
      chat('g', { status: 'ended', operators: [DANA] }),
    );
    expect(summaryCounts(chats, 'dana', { f: true })).toEqual({ mine: 2, all: 3, held: 1, waiting: 2, offered: 1 });
    expect(summaryCounts({}, 'dana', {})).toEqual({ mine: 0, all: 0, held: 0, waiting: 0, offered: 0 });
  });

  it('counts each operator’s chats in progress from the chats themselves', () => {
    const chats = byId(
      chat('a', { status: 'active', operators: [DANA] }),
      chat('b', { status: 'active', operators: [DANA, SAM] }),
      chat('c', { status: 'ended', operators: [SAM] }),
    );
    const counts = activeChatsByOperator(chats);
    expect(counts.get('dana')).toBe(2);
    expect(counts.get('sam')).toBe(1);
    expect(counts.get('kim')).toBeUndefined();
  });

  it('words a refused accept with the operator’s limit', () => {
    expect(atCapacityText(3)).toBe('You already have 3 chats: end one before you accept another.');
    expect(atCapacityText(1)).toMatch(/^You already have 1 chat:/);
  });
});

describe('transfer and conference pickers', () => {
  const ops: OperatorInfo[] = [
    { id: 'dana', name: 'Dana', status: 'online', departments: ['sales'] },
    { id: 'sam', name: 'Sam', status: 'online', departments: ['billing', 'sales'] },
    { id: 'kim', name: 'Kim', status: 'online', departments: [] },
    { id: 'lou', name: 'Lou', status: 'away', departments: ['support'] },
    { id: 'max', name: 'Max', status: 'offline' },
  ];

  it('offers online operators other than me and those already in the chat, least busy first', () => {
    const c = chat('a', { status: 'active', operators: [DANA] });
    const busy = new Map([['sam', 2]]);
    expect(chatTargets(ops, c, 'dana', busy).map((o) => o.id)).toEqual(['kim', 'sam']);
    const conference = chat('b', { status: 'active', operators: [DANA, { id: 'kim', name: 'Kim' }] });
    expect(chatTargets(ops, conference, 'dana', new Map()).map((o) => o.id)).toEqual(['sam']);
  });

  it('lists every department some operator belongs to', () => {
    expect(departmentsOf(ops)).toEqual(['billing', 'sales', 'support']);
  });
});
