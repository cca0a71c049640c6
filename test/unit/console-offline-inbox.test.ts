/** The console's message queue state: counts from the server, live frames, and operator actions. */
import { describe, expect, it } from 'vitest';
import { OfflineInbox } from '../../console-web/offline-inbox.js';
import type { OfflineMessage, OperatorWelcome } from '../../functions/protocol/events.js';

const msg = (id: string, over: Partial<OfflineMessage> = {}): OfflineMessage => ({
  id,
  visitorId: `v-${id}`,
  name: `Visitor ${id}`,
  email: `${id}@example.com`,
  text: `text ${id}`,
  status: 'new',
  createdAt: Number(id.replace(/\D/g, '')) || 1,
  replies: [],
  ...over,
});

function fakeApi(routes: Record<string, (body?: unknown) => unknown>) {
  const calls: string[] = [];
  return {
    calls,
    api: {
      async request<T>(method: string, path: string, body?: unknown): Promise<T> {
        calls.push(`${method} ${path}`);
        const fn = routes[`${method} ${path}`];
        if (!fn) throw new Error(`no route ${method} ${path}`);
        return fn(body) as T;
      },
    },
  };
}

describe('OfflineInbox', () => {
  it('takes the count from the operator welcome and from every offline-message frame, newest first', () => {
    const inbox = new OfflineInbox(fakeApi({}).api);
    inbox.handle({ type: 'welcome', role: 'operator', offlineMessagesNew: 3 } as OperatorWelcome);
    expect(inbox.state.newCount).toBe(3);
    inbox.handle({ type: 'offline-message', message: msg('m1'), newCount: 4 });
    inbox.handle({ type: 'offline-message', message: msg('m2'), newCount: 5 });
    expect(inbox.state.newCount).toBe(5);
    expect(inbox.state.lists.new.map((m) => m.id)).toEqual(['m2', 'm1']);
    expect(inbox.state.fresh).toEqual(['m1', 'm2']);
    // The same message again (an update) replaces it, in the list of its status.
    inbox.handle({
      type: 'offline-message',
      message: msg('m1', { status: 'handled', handledBy: { id: 'o', name: 'Dana' } }),
      newCount: 4,
    });
    expect(inbox.state.lists.new.map((m) => m.id)).toEqual(['m2']);
    expect(inbox.state.lists.handled.map((m) => m.id)).toEqual(['m1']);
    inbox.seen();
    expect(inbox.state.fresh).toEqual([]);
  });

  it('loads a status page by page, and the whole first page of new ones is the count', async () => {
    const { api, calls } = fakeApi({
      'GET /offline-messages?status=new': () => ({ messages: [msg('m3'), msg('m2')] }),
      'GET /offline-messages?status=handled': () => ({ messages: [msg('m1', { status: 'handled' })], next: 'c 1' }),
      'GET /offline-messages?status=handled&cursor=c%201': () => ({ messages: [msg('m0', { status: 'handled' })] }),
    });
    const inbox = new OfflineInbox(api);
    await inbox.load('new');
    expect(inbox.state.newCount).toBe(2);
    await inbox.load('handled');
    expect(inbox.state.next.handled).toBe('c 1');
    await inbox.load('handled', true);
    expect(inbox.state.lists.handled.map((m) => m.id)).toEqual(['m1', 'm0']);
    expect(inbox.state.next.handled).toBeUndefined();
    expect(calls).toHaveLength(3);
  });

  it('marks handled and replies through the API, moving the message and lowering the count', async () => {
    const handled = (id: string) => msg(id, { status: 'handled', handledBy: { id: 'o1', name: 'Dana' }, handledAt: 9 });
    const { api } = fakeApi({
      'GET /offline-messages?status=new': () => ({ messages: [msg('m2'), msg('m1')] }),
      'POST /offline-messages/m1/handled': () => handled('m1'),
      'POST /offline-messages/m2/reply': (body) => ({
        ...handled('m2'),
        replies: [{ id: 'r1', text: (body as { text: string }).text, by: { id: 'o1', name: 'Dana' }, at: 10 }],
      }),
    });
    const inbox = new OfflineInbox(api);
    await inbox.load('new');
    await inbox.markHandled('m1');
    expect(inbox.state.newCount).toBe(1);
    expect(inbox.state.lists.handled[0]).toMatchObject({ id: 'm1', handledBy: { name: 'Dana' } });
    const replied = await inbox.reply('m2', 'Yes, it is dimmable.');
    expect(replied.replies[0]?.text).toBe('Yes, it is dimmable.');
    expect(inbox.state.newCount).toBe(0);
    expect(inbox.state.lists.new).toEqual([]);
  });

  it('keeps the error to show when a page cannot be loaded', async () => {
    const inbox = new OfflineInbox(fakeApi({}).api);
    await inbox.load('new');
    expect(inbox.state.error).toMatch(/no route/);
    expect(inbox.state.loading).toBe(false);
  });
});
