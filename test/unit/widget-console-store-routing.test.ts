/**
 * The console store's chat-routing behaviour (console-web/store.ts), without a browser: offers and
 * their door-bell and notifications, Queue / Decline / accept errors, transfers and conferences as
 * the other operator sees them, hold, transcripts, the operators list and canned messages.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS } from '../../console-web/grid.js';
import { type CannedApi, ConsoleStore, type Notice } from '../../console-web/store.js';
import type { CannedMessage, ChatSummary, OperatorWelcome } from '../../functions/protocol/events.js';
import type { OperatorFrame } from '../../widget/core/frames.js';

const ME = {
  id: 'dana',
  name: 'Dana',
  email: 'dana@x',
  role: 'admin' as const,
  status: 'online' as const,
  departments: [],
  silent: false,
  activeChats: 0,
  preferences: { newVisitorSound: true },
};
const DANA = { id: 'dana', name: 'Dana' };
const SAM = { id: 'sam', name: 'Sam' };

function setup(over: { canned?: CannedApi; operators?: () => Promise<never[]> } = {}) {
  const sent: (OperatorFrame & { reqId: string })[] = [];
  const notices: Notice[] = [];
  const withdrawn: string[] = [];
  let rings = 0;
  let n = 0;
  const store = new ConsoleStore({
    send(frame) {
      const reqId = `r${++n}`;
      sent.push({ ...frame, reqId });
      return reqId;
    },
    ring: () => {
      rings++;
    },
    notify: (x) => notices.push(x),
    unnotify: (tag) => withdrawn.push(tag),
    pageVisible: () => true,
    ...(over.canned ? { canned: over.canned } : {}),
  });
  return { store, sent, notices, withdrawn, rings: () => rings, last: () => sent[sent.length - 1]! };
}

const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Marta',
  status: 'queued',
  operators: [],
  createdAt: 1,
  lastSeq: 0,
  ...over,
});
const welcome = (over: Partial<OperatorWelcome> = {}): OperatorWelcome => ({
  type: 'welcome',
  role: 'operator',
  operator: ME,
  operatorsOnline: [DANA, SAM],
  visitors: [],
  queue: [],
  chats: [],
  settings: DEFAULT_SETTINGS,
  ...over,
});
const update = (store: ConsoleStore, c: ChatSummary, reqId?: string) =>
  store.handle({ type: 'chat-update', chat: c, ...(reqId ? { reqId } : {}) });

describe('requests offered to me', () => {
  it('rings and notifies once for a request offered to me, never for one offered to others only', () => {
    const { store, rings, notices } = setup();
    store.handle(welcome());
    update(store, chat({ chatId: 'other', offeredTo: ['sam'] }));
    expect(rings()).toBe(0);
    expect(store.offers()).toEqual([]);
    update(store, chat({ offeredTo: ['dana', 'sam'] }));
    update(store, chat({ offeredTo: ['dana'] }));
    expect(rings()).toBe(1);
    expect(notices).toEqual([{ tag: 'offer-c1', title: 'Incoming chat request', body: 'Marta would like to chat' }]);
    expect(store.offers().map((c) => c.chatId)).toEqual(['c1']);
    // Offered later (an operator's slot freed up): rung then.
    update(store, chat({ chatId: 'other', offeredTo: ['sam', 'dana'] }));
    expect(rings()).toBe(2);
  });

  it('closes the dialog and withdraws the notification when another operator takes the request', () => {
    const { store, withdrawn } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['dana', 'sam'] })] }));
    expect(store.offers()).toHaveLength(1);
    update(store, chat({ status: 'active', operators: [SAM], offeredTo: undefined }));
    expect(store.offers()).toEqual([]);
    expect(withdrawn).toEqual(['offer-c1']);
  });

  it('Queue closes the dialog without a frame; the request stays in the communication queue', () => {
    const { store, sent } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['dana'] })] }));
    const before = sent.length;
    store.park('c1');
    expect(sent.length).toBe(before);
    expect(store.offers()).toEqual([]);
    expect(store.queue().map((c) => c.chatId)).toEqual(['c1']);
  });

  it('Decline tells the server and hides the request from my dialog and my queue', () => {
    const { store, last } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['dana'] })] }));
    store.decline('c1');
    expect(last()).toMatchObject({ action: 'decline', chatId: 'c1' });
    expect(store.offers()).toEqual([]);
    expect(store.queue()).toEqual([]);
  });

  it('sends one accept however often it is clicked, until the answer', () => {
    const { store, sent } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['dana'] })] }));
    store.accept('c1');
    store.accept('c1');
    expect(sent.filter((f) => f.action === 'accept')).toHaveLength(1);
    expect(store.isAccepting('c1')).toBe(true);
    update(store, chat({ status: 'active', operators: [DANA] }), sent.at(-1)?.reqId);
    expect(store.isAccepting('c1')).toBe(false);
    expect(store.state.activeTab).toBe('c1');
  });

  it('explains an accept refused at the chat limit with the limit', () => {
    const { store, last } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['dana'] })], operator: { ...ME, maxChats: 2 } }));
    store.accept('c1');
    store.handle({ type: 'error', code: 'at-capacity', message: 'full', reqId: last().reqId });
    expect(store.state.toasts.map((t) => t.text)).toEqual([
      'You already have 2 chats: end one before you accept another.',
    ]);
    expect(store.isAccepting('c1')).toBe(false);
  });

  it('asks before assigning a waiting visitor, and forgets the question if someone else takes the chat', () => {
    const { store, last } = setup();
    store.handle(welcome({ queue: [chat({ offeredTo: ['sam'] })] }));
    store.askAccept('c1');
    expect(store.state.confirmAccept).toBe('c1');
    update(store, chat({ status: 'active', operators: [SAM] }));
    expect(store.state.confirmAccept).toBeUndefined();
    update(store, chat({ chatId: 'c2', offeredTo: [] }));
    store.askAccept('c2');
    store.accept('c2');
    expect(last()).toMatchObject({ action: 'accept', chatId: 'c2' });
    expect(store.state.confirmAccept).toBeUndefined();
  });
});

describe('transfer, conference, hold and transcripts', () => {
  const active = (over: Partial<ChatSummary> = {}) => chat({ status: 'active', operators: [DANA], ...over });

  it('sends a transfer to an operator or a department; a transfer away closes my tab and says where it went', () => {
    const { store, last } = setup();
    store.handle(welcome({ chats: [active()] }));
    expect(store.state.tabs).toEqual(['c1']);
    store.transferTo('c1', SAM);
    expect(last()).toMatchObject({ action: 'transfer', chatId: 'c1', toOperatorId: 'sam' });
    update(store, active({ operators: [SAM] }), last().reqId);
    expect(store.state.tabs).toEqual([]);
    expect(store.state.toasts.at(-1)?.text).toBe('The chat with Marta is now with Sam');

    store.handle(welcome({ chats: [active({ chatId: 'c2' })] }));
    store.transferToDepartment('c2', 'billing');
    expect(last()).toMatchObject({ action: 'transfer', chatId: 'c2', toDepartment: 'billing' });
  });

  it('opens a chat transferred to me, with a toast, the bell and a notification', () => {
    const { store, rings, notices } = setup();
    store.handle(welcome({ chats: [active({ operators: [SAM] })] }));
    expect(store.state.tabs).toEqual([]);
    update(store, active({ operators: [DANA] }));
    expect(store.state.tabs).toEqual(['c1']);
    expect(store.state.activeTab).toBe('c1');
    expect(store.state.toasts.at(-1)?.text).toBe('The chat with Marta was transferred to you');
    expect(rings()).toBe(1);
    expect(notices.at(-1)?.title).toBe('Chat transferred to you');
  });

  it('tells an operator who was added to a conversation that it is meant for them', () => {
    const { store } = setup();
    store.handle(welcome({ chats: [active({ operators: [SAM] })] }));
    update(store, active({ operators: [SAM, DANA], addedOperator: { id: 'dana', by: 'sam' } }));
    expect(store.state.tabs).toEqual(['c1']);
    expect(store.state.toasts.at(-1)?.text).toBe('Sam added you to the chat with Marta: it is meant for you');
  });

  it('adds an operator, leaves, and holds with the protocol’s frames', () => {
    const { store, last } = setup();
    store.handle(welcome({ chats: [active({ operators: [DANA, SAM] })] }));
    store.addOperator('c1', { id: 'kim', name: 'Kim' });
    expect(last()).toMatchObject({ action: 'add-operator', chatId: 'c1', operatorId: 'kim' });
    store.handle({
      type: 'error',
      code: 'at-capacity',
      message: 'Kim has no room for another chat',
      reqId: last().reqId,
    });
    expect(store.state.toasts.at(-1)?.text).toBe('Kim was not added: Kim has no room for another chat');
    store.hold('c1', true);
    expect(last()).toMatchObject({ action: 'hold', chatId: 'c1', on: true });
    store.leaveChat('c1');
    expect(last()).toMatchObject({ action: 'leave-chat', chatId: 'c1' });
    update(store, active({ operators: [SAM] }), last().reqId);
    expect(store.state.tabs).toEqual([]);
    expect(store.state.toasts.at(-1)?.text).toBe('You left the chat with Marta');
  });

  it('follows a transcript request to sent, or to already sent', () => {
    const { store, last } = setup();
    store.handle(welcome({ chats: [active({ status: 'ended' })] }));
    store.sendTranscript('c1', ' me@example.com ');
    expect(last()).toMatchObject({ action: 'transcript', chatId: 'c1', email: 'me@example.com' });
    expect(store.state.transcripts.c1).toEqual({ email: 'me@example.com', state: 'sending' });
    store.handle({ type: 'ack', action: 'transcript', reqId: last().reqId });
    expect(store.state.transcripts.c1?.state).toBe('sent');
    store.sendTranscript('c1', 'me@example.com');
    store.handle({ type: 'error', code: 'rate-limited', message: 'no', reqId: last().reqId });
    expect(store.state.transcripts.c1).toMatchObject({ state: 'error' });
    expect(store.state.transcripts.c1?.message).toMatch(/^Already sent to this address/);
  });
});

describe('the team and canned messages', () => {
  it('keeps each operator’s status, chats and departments from the operators broadcast', () => {
    const { store } = setup();
    store.handle(welcome());
    store.handle({
      type: 'operators',
      operators: [
        { id: 'dana', name: 'Dana', status: 'online', activeChats: 1, departments: [] },
        { id: 'sam', name: 'Sam', status: 'away', activeChats: 0, departments: ['billing'] },
      ],
    });
    expect(store.state.operators.find((o) => o.id === 'sam')).toMatchObject({
      status: 'away',
      departments: ['billing'],
    });
  });

  it('loads canned messages with the welcome, and keeps them in step with saves and deletes', async () => {
    const list: CannedMessage[] = [{ id: 'a', scope: 'personal', title: 'Zed', text: 'z' }];
    const api: CannedApi = {
      list: async () => list,
      save: async (input, id) => ({ ...input, id: id ?? 'b' }),
      remove: async () => ({ deleted: true }),
    };
    const { store } = setup({ canned: api });
    store.handle(welcome());
    await new Promise((r) => setTimeout(r, 0));
    expect(store.state.cannedState).toBe('ready');
    await store.saveCanned({ scope: 'shared', title: 'Hello', text: 'Hi %visitor%', shortcut: 'hi' });
    expect(store.state.canned.map((c) => c.id)).toEqual(['b', 'a']);
    await store.saveCanned({ scope: 'personal', title: 'Aa', text: 'z' }, 'a');
    expect(store.state.canned.map((c) => c.title)).toEqual(['Hello', 'Aa']);
    await store.deleteCanned('b');
    expect(store.state.canned.map((c) => c.id)).toEqual(['a']);
  });
});
