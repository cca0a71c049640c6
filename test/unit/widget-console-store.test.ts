/** The operator console's state rules (console-web/store.ts), without a browser. */
import { describe, expect, it } from 'vitest';
import { CognitoError, jwtExpiry, signInErrorText } from '../../console-web/auth.js';
import { resolveConfig } from '../../console-web/config.js';
import { DEFAULT_SETTINGS } from '../../console-web/grid.js';
import { ConsoleStore } from '../../console-web/store.js';
import type { ChatMessage, ChatSummary, OperatorWelcome, VisitorRow } from '../../functions/protocol/events.js';
import type { OperatorFrame } from '../../widget/core/frames.js';

function setup() {
  const sent: (OperatorFrame & { reqId: string })[] = [];
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
    pageVisible: () => true,
  });
  return { store, sent, rings: () => rings };
}

const ME = {
  id: 'o1',
  name: 'Dana',
  email: 'dana@x',
  role: 'admin' as const,
  status: 'online' as const,
  departments: [],
  silent: false,
  activeChats: 0,
  preferences: { newVisitorSound: true },
};
const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Marta',
  status: 'queued',
  operators: [],
  queuePosition: 1,
  createdAt: 1,
  lastSeq: 0,
  ...over,
});
const row = (over: Partial<VisitorRow> = {}): VisitorRow => ({
  visitorId: 'v1',
  presence: 'browsing',
  connections: 1,
  status: 'no-activity',
  returning: false,
  visits: 1,
  pageViews: 1,
  url: 'http://shop.test/',
  title: 'Home',
  firstSeen: 1,
  lastSeen: 1,
  visitStart: 1,
  pageSince: 1,
  notes: 0,
  ...over,
});
const welcome = (over: Partial<OperatorWelcome> = {}): OperatorWelcome => ({
  type: 'welcome',
  role: 'operator',
  operator: ME,
  operatorsOnline: [{ id: 'o1', name: 'Dana' }],
  visitors: [],
  queue: [],
  chats: [],
  settings: DEFAULT_SETTINGS,
  ...over,
});
const msg = (seq: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  chatId: 'c1',
  seq,
  id: `m${seq}`,
  from: { kind: 'visitor', id: 'v1', name: 'Marta' },
  text: `t${seq}`,
  at: seq,
  ...over,
});

describe('ConsoleStore', () => {
  it('keeps the visitors grid live from visitor and visitor-left frames', () => {
    const { store } = setup();
    store.handle(welcome({ visitors: [row()] }));
    store.handle({ type: 'visitor', visitor: row({ title: 'Pricing', url: 'http://shop.test/pricing' }) });
    expect(store.state.visitors.v1?.title).toBe('Pricing');
    store.handle({ type: 'visitor-left', visitorId: 'v1' });
    expect(store.state.visitors.v1?.presence).toBe('departed');
  });

  it('rings the door-bell once for each newly queued chat', () => {
    const { store, rings } = setup();
    store.handle(welcome());
    store.handle({ type: 'chat-update', chat: chat() });
    store.handle({ type: 'chat-update', chat: chat({ queuePosition: 1 }) });
    expect(rings()).toBe(1);
    store.handle({ type: 'chat-update', chat: chat({ chatId: 'c2', createdAt: 2, queuePosition: 2 }) });
    expect(rings()).toBe(2);
    expect(store.queue().map((c) => c.chatId)).toEqual(['c1', 'c2']);
  });

  it('hides a declined chat from my queue only', () => {
    const { store, sent } = setup();
    store.handle(welcome({ queue: [chat()] }));
    store.decline('c1');
    expect(sent.at(-1)).toMatchObject({ action: 'decline', chatId: 'c1' });
    expect(store.queue()).toEqual([]);
  });

  it('opens and focuses the chat I accepted when the server confirms it', () => {
    const { store, sent } = setup();
    store.handle(welcome({ queue: [chat()] }));
    store.accept('c1');
    expect(sent.at(-1)).toMatchObject({ action: 'accept', chatId: 'c1' });
    store.handle({
      type: 'chat-update',
      chat: chat({ status: 'active', operators: [{ id: 'o1', name: 'Dana' }], lastSeq: 2 }),
    });
    expect(store.state.tabs).toEqual(['c1']);
    expect(store.state.activeTab).toBe('c1');
    expect(store.queue()).toEqual([]);
    // The chat has messages we have not seen: ask for them.
    expect(sent.at(-1)).toMatchObject({ action: 'sync', chatId: 'c1', afterSeq: 0 });
  });

  it('tells the loser of an accept race that another operator took the chat', () => {
    const { store } = setup();
    store.handle(welcome({ queue: [chat()] }));
    store.accept('c1');
    store.handle({ type: 'chat-update', chat: chat({ status: 'active', operators: [{ id: 'o2', name: 'Sam' }] }) });
    store.handle({ type: 'error', code: 'already-taken', message: 'taken', reqId: 'r1' });
    expect(store.state.toasts.map((t) => t.text)).toEqual(['Another operator took this chat']);
    expect(store.state.tabs).toEqual([]);
    expect(store.queue()).toEqual([]);
  });

  it('orders and de-duplicates messages, and counts unread ones in a tab I am not looking at', () => {
    const { store } = setup();
    const active = { status: 'active' as const, operators: [{ id: 'o1', name: 'Dana' }] };
    store.handle(welcome({ chats: [chat({ ...active }), chat({ ...active, chatId: 'c2', visitorId: 'v2' })] }));
    store.activate('c2');
    store.handle({ type: 'message', ...msg(2) });
    store.handle({ type: 'message', ...msg(1) });
    store.handle({ type: 'message', ...msg(2) });
    expect(store.state.threads.c1?.messages.map((m) => m.seq)).toEqual([1, 2]);
    expect(store.state.threads.c1?.unread).toBe(2);
    store.activate('c1');
    expect(store.state.threads.c1?.unread).toBe(0);
  });

  it('fills a gap with one sync after the last message held', () => {
    const { store, sent } = setup();
    store.handle(welcome({ chats: [chat({ status: 'active', operators: [{ id: 'o1', name: 'Dana' }] })] }));
    store.handle({
      type: 'sync',
      chatId: 'c1',
      messages: [msg(1)],
      chat: chat({ status: 'active', operators: [{ id: 'o1', name: 'Dana' }], lastSeq: 1 }),
    });
    sent.length = 0;
    store.handle({ type: 'message', ...msg(4) });
    store.handle({ type: 'message', ...msg(5) });
    expect(sent).toEqual([{ action: 'sync', chatId: 'c1', afterSeq: 1, reqId: expect.any(String) }]);
  });

  it('sends my reply with a clientMsgId and shows it pending until the server echoes it', () => {
    const { store, sent } = setup();
    store.handle(welcome({ chats: [chat({ status: 'active', operators: [{ id: 'o1', name: 'Dana' }] })] }));
    expect(store.sendText('c1', ' Hello! ')).toBe(true);
    const frame = sent.at(-1);
    expect(frame).toMatchObject({ action: 'chat-message', chatId: 'c1', text: 'Hello!' });
    const clientMsgId = frame?.action === 'chat-message' ? frame.clientMsgId : '';
    expect(store.state.threads.c1?.pending).toHaveLength(1);
    store.handle({ type: 'message', ...msg(1, { from: { kind: 'operator', id: 'o1', name: 'Dana' }, clientMsgId }) });
    expect(store.state.threads.c1?.pending).toEqual([]);
  });

  it('does not let me write in another operator’s chat', () => {
    const { store } = setup();
    store.handle(welcome({ chats: [chat({ status: 'active', operators: [{ id: 'o2', name: 'Sam' }] })] }));
    expect(store.state.tabs).toEqual([]);
    store.openTab('c1');
    expect(store.sendText('c1', 'hi')).toBe(false);
  });

  it('follows my status from the operators broadcast', () => {
    const { store, sent } = setup();
    store.handle(welcome({ operator: { ...ME, status: 'offline' } }));
    store.setStatus('online');
    expect(sent.at(-1)).toMatchObject({ action: 'set-status', status: 'online' });
    store.handle({
      type: 'operators',
      operators: [{ id: 'o1', name: 'Dana', status: 'away', activeChats: 0, departments: [] }],
    });
    expect(store.state.me?.status).toBe('away');
  });
});

describe('console config', () => {
  const raw = {
    region: 'local',
    userPoolId: 'p',
    clientId: 'c',
    cognitoEndpoint: '/cognito/',
    apiUrl: '/api',
    wsUrl: '/ws',
    siteId: 'demo',
  };

  it('resolves relative endpoints against the page origin and turns http into ws', () => {
    const cfg = resolveConfig(raw, 'http://127.0.0.1:3000');
    expect(cfg.cognitoUrl).toBe('http://127.0.0.1:3000/cognito/');
    expect(cfg.apiBase).toBe('http://127.0.0.1:3000/api');
    expect(cfg.wsBase).toBe('ws://127.0.0.1:3000/ws');
  });

  it('keeps absolute endpoints, https becoming wss', () => {
    const cfg = resolveConfig(
      {
        ...raw,
        apiUrl: 'https://d1.example.net/api/',
        wsUrl: 'https://d1.example.net/ws',
        cognitoEndpoint: 'https://cognito-idp.eu-west-1.amazonaws.com/',
      },
      'https://d1.example.net',
    );
    expect(cfg.apiBase).toBe('https://d1.example.net/api');
    expect(cfg.wsBase).toBe('wss://d1.example.net/ws');
    expect(cfg.cognitoUrl).toBe('https://cognito-idp.eu-west-1.amazonaws.com/');
  });

  it('refuses a config without a client id', () => {
    expect(() => resolveConfig({ ...raw, clientId: '' }, 'http://x')).toThrow(/clientId/);
  });
});

describe('console sign-in helpers', () => {
  it('reads a JWT expiry', () => {
    const payload = Buffer.from(JSON.stringify({ exp: 2_000_000_000 })).toString('base64url');
    expect(jwtExpiry(`h.${payload}.s`)).toBe(2_000_000_000_000);
    expect(jwtExpiry('garbage')).toBeUndefined();
  });

  it('turns Cognito errors into words for people', () => {
    expect(signInErrorText(new CognitoError('NotAuthorizedException', 'Incorrect username or password.'))).toBe(
      'Incorrect e-mail or password.',
    );
    expect(signInErrorText(new CognitoError('InvalidPasswordException', 'Invalid password'))).toBe(
      'Incorrect e-mail or password.',
    );
    expect(signInErrorText(new CognitoError('InvalidPasswordException', 'Password too short'), 'new-password')).toBe(
      'Password too short',
    );
  });
});
