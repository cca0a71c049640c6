import { describe, expect, it } from 'vitest';
import type { ChatMessage, ChatSummary, ServerEvent } from '../../functions/protocol/events.js';
import { type ChatHostLike, type PendingStore, VisitorChat } from '../../widget/chat-controller.js';
import type { VisitorFrame } from '../../widget/core/frames.js';
import type { PendingMessage } from '../../widget/core/thread.js';
import { pickLabels } from '../../widget/i18n.js';

function fakeHost() {
  const sent: (VisitorFrame & { reqId: string })[] = [];
  let connected = true;
  let n = 0;
  let badge = 0;
  const host: ChatHostLike = {
    site: 'demo',
    labels: pickLabels('en'),
    connected: () => connected,
    send(frame) {
      if (!connected) return undefined;
      const reqId = String(++n);
      sent.push({ ...frame, reqId });
      return reqId;
    },
    showButton() {},
    setBadge(c) {
      badge = c;
    },
  };
  return {
    host,
    sent,
    setConnected: (c: boolean) => {
      connected = c;
    },
    badge: () => badge,
  };
}

function memoryStore(initial: PendingMessage[] = []): PendingStore & { saved: PendingMessage[] } {
  const s = {
    saved: initial,
    load: () => s.saved,
    save: (p: PendingMessage[]) => {
      s.saved = p;
    },
  };
  return s;
}

const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Marta',
  status: 'active',
  operators: [{ id: 'o1', name: 'Dana' }],
  createdAt: 1,
  lastSeq: 0,
  ...over,
});
const msg = (seq: number, over: Partial<ChatMessage> = {}): ChatMessage => ({
  chatId: 'c1',
  seq,
  id: `m${seq}`,
  from: { kind: 'operator', id: 'o1', name: 'Dana' },
  text: `t${seq}`,
  at: seq,
  ...over,
});
const welcome = (c?: ChatSummary & { messages: ChatMessage[] }): ServerEvent => ({
  type: 'welcome',
  role: 'visitor',
  visitorId: 'v1',
  visitorToken: 'tok',
  returning: true,
  operatorsOnline: 1,
  chat: c,
  widget: { greeting: '', color: '', position: 'right', lang: 'en' },
  chatBlocked: false,
});

describe('VisitorChat', () => {
  it('starts a chat with the trimmed name, or none when left blank', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.start('  Marta ');
    a.start('   ');
    expect(f.sent.map((s) => s.action === 'chat-request' && s.name)).toEqual(['Marta', undefined]);
    expect(a.state.step).toBe('chat');
    expect(a.state.requesting).toBe(true);
  });

  it('shows the queued chat from chat-update, then the active one', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.start('Marta');
    a.handle({ type: 'chat-update', chat: chat({ status: 'queued', queuePosition: 2, operators: [] }) });
    expect(a.state.requesting).toBe(false);
    expect(a.state.chat?.queuePosition).toBe(2);
    a.handle({ type: 'chat-update', chat: chat() });
    expect(a.state.chat?.status).toBe('active');
  });

  it('after a page change adopts the open chat from welcome and asks for anything after the highest seq shown', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat({ lastSeq: 3 }), messages: [msg(1), msg(2), msg(3)] }));
    expect(a.state.step).toBe('chat');
    expect(a.state.messages.map((m) => m.seq)).toEqual([1, 2, 3]);
    expect(f.sent).toEqual([{ action: 'sync', chatId: 'c1', afterSeq: 3, reqId: '1' }]);
  });

  it('merges the sync reply without duplicates', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat({ lastSeq: 2 }), messages: [msg(1), msg(2)] }));
    a.handle({ type: 'message', ...msg(3) });
    a.handle({ type: 'sync', chatId: 'c1', messages: [msg(2), msg(3), msg(4)], chat: chat({ lastSeq: 4 }) });
    expect(a.state.messages.map((m) => m.id)).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('asks for a sync once when a message arrives past a gap', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat({ lastSeq: 2 }), messages: [msg(1), msg(2)] }));
    a.handle({ type: 'sync', chatId: 'c1', messages: [], chat: chat({ lastSeq: 2 }) });
    f.sent.length = 0;
    a.handle({ type: 'message', ...msg(5) });
    a.handle({ type: 'message', ...msg(6) });
    expect(f.sent).toEqual([{ action: 'sync', chatId: 'c1', afterSeq: 2, reqId: expect.any(String) }]);
  });

  it('keeps an unconfirmed message pending and resends it with the SAME clientMsgId after a reconnect', () => {
    const f = fakeHost();
    const store = memoryStore();
    const a = new VisitorChat(f.host, store);
    a.handle(welcome({ ...chat(), messages: [] }));
    f.sent.length = 0;
    expect(a.sendText('  Hello there  ')).toBe(true);
    const first = f.sent[0];
    expect(first).toMatchObject({ action: 'chat-message', chatId: 'c1', text: 'Hello there' });
    expect(a.state.pending).toHaveLength(1);
    expect(store.saved).toHaveLength(1);

    a.handle({ type: 'close' });
    a.handle({ type: 'open' });
    a.handle(welcome({ ...chat(), messages: [] }));
    const resent = f.sent.filter((s) => s.action === 'chat-message');
    expect(resent).toHaveLength(2);
    expect(resent[1]?.action === 'chat-message' && resent[1].clientMsgId).toBe(
      first?.action === 'chat-message' && first.clientMsgId,
    );

    const clientMsgId = first?.action === 'chat-message' ? first.clientMsgId : '';
    a.handle({ type: 'message', ...msg(1, { from: { kind: 'visitor', id: 'v1', name: 'Marta' }, clientMsgId }) });
    expect(a.state.pending).toEqual([]);
    expect(store.saved).toEqual([]);
    expect(a.state.messages).toHaveLength(1);
  });

  it('resends messages left pending by the previous page', () => {
    const f = fakeHost();
    const a = new VisitorChat(
      f.host,
      memoryStore([{ chatId: 'c1', clientMsgId: 'x1', text: 'sent while leaving', at: 1 }]),
    );
    a.handle(welcome({ ...chat(), messages: [] }));
    expect(f.sent.filter((s) => s.action === 'chat-message')).toEqual([
      {
        action: 'chat-message',
        chatId: 'c1',
        text: 'sent while leaving',
        clientMsgId: 'x1',
        reqId: expect.any(String),
      },
    ]);
  });

  it('marks a message the server refuses for good as not sent, and shows a notice', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat(), messages: [] }));
    a.sendText('hi');
    const reqId = f.sent.at(-1)?.reqId;
    a.handle({ type: 'error', code: 'chat-ended', message: 'ended', reqId });
    expect(a.state.pending[0]?.failed).toBe(true);
    expect(a.state.notice?.text).toBe(pickLabels('en').errors.chatEnded);
    expect(a.state.chat?.status).toBe('ended');
  });

  it('shows the operator typing, and stops when their message arrives', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat(), messages: [] }));
    a.handle({ type: 'typing', chatId: 'c1', from: { kind: 'operator', id: 'o1', name: 'Dana' }, typing: true });
    expect(a.state.typing?.name).toBe('Dana');
    a.handle({ type: 'message', ...msg(1) });
    expect(a.state.typing).toBeUndefined();
  });

  it('disables writing once the chat has ended', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat(), messages: [] }));
    a.handle({ type: 'chat-update', chat: chat({ status: 'ended' }) });
    expect(a.sendText('anyone?')).toBe(false);
    a.newChat();
    expect(a.state.step).toBe('prechat');
  });

  it('counts operator messages that arrive while minimised on the launcher badge', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat(), messages: [] }));
    a.handle({ type: 'message', ...msg(1) });
    a.handle({ type: 'message', ...msg(2) });
    expect(f.badge()).toBe(2);
    a.open();
    expect(f.badge()).toBe(0);
  });

  it('treats a welcome without the chat it showed as that chat having ended', () => {
    const f = fakeHost();
    const a = new VisitorChat(f.host, memoryStore());
    a.handle(welcome({ ...chat(), messages: [] }));
    a.handle(welcome());
    expect(a.state.chat?.status).toBe('ended');
  });
});
