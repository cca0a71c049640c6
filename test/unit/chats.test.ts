/** The chat use cases against stubbed ports: the rules, without storage or sockets. */
import { describe, expect, it, vi } from 'vitest';
import { acceptChat, sendMessage, transferChat } from '../../functions/core/chats.js';
import type { Deps, Store } from '../../functions/core/ports.js';
import type { ChatRecord, OperatorRecord } from '../../functions/core/types.js';
import type { ServerEvent } from '../../functions/protocol/index.js';

const queued: ChatRecord = {
  chatId: 'c1',
  siteId: 'demo',
  visitorId: 'V1',
  visitorName: 'Ann',
  status: 'queued',
  operators: [],
  createdAt: 1,
  seq: 0,
  conns: { 'conn-v': 'v' },
  declinedBy: [],
};
const operator = (id: string, extra: Partial<OperatorRecord> = {}): OperatorRecord => ({
  operatorId: id,
  siteId: 'demo',
  name: id.toUpperCase(),
  email: `${id}@x.test`,
  role: 'operator',
  status: 'online',
  disabled: false,
  connections: 1,
  ...extra,
});

function harness(store: Partial<Store>) {
  const sent: { to: readonly string[]; frame: ServerEvent }[] = [];
  let n = 0;
  const deps: Deps = {
    store: {
      operatorConnections: vi.fn(async () => []),
      chatsByStatus: vi.fn(async () => []),
      getVisitor: vi.fn(async () => undefined),
      getSettings: vi.fn(async () => ({})),
      reserveChatSlot: vi.fn(async () => true),
      releaseChatSlot: vi.fn(async () => undefined),
      putAssignment: vi.fn(async () => undefined),
      deleteAssignment: vi.fn(async () => undefined),
      getOperator: vi.fn(async () => undefined),
      siteOperators: vi.fn(async () => []),
      attachConnections: vi.fn(async () => undefined),
      detachConnections: vi.fn(async () => undefined),
      deleteConnection: vi.fn(async () => undefined),
      appendMessage: vi.fn(async () => ({ ok: false as const, reason: 'not-found' as const })),
      ...store,
    } as Store,
    notifier: {
      send: vi.fn(async (to: readonly string[], frame: ServerEvent) => {
        sent.push({ to, frame });
        return [];
      }),
    },
    clock: { now: () => 1000 },
    ids: { next: () => `id-${++n}` },
    tokens: { sign: () => 't', verify: () => undefined },
  };
  return { deps, sent };
}

const caller = (operatorId: string) => ({
  identity: { role: 'operator' as const, siteId: 'demo', operatorId },
  connectionId: `conn-${operatorId}`,
  reqId: 'r1',
});

describe('accepting a chat', () => {
  it('answers already-taken when the conditional claim fails because another operator won', async () => {
    const { deps, sent } = harness({
      getOperator: vi.fn(async () => operator('b')),
      getChat: vi
        .fn()
        .mockResolvedValueOnce(queued)
        .mockResolvedValueOnce({ ...queued, status: 'active', operators: [{ id: 'a', name: 'A' }] }),
      claimChat: vi.fn(async () => undefined),
    });
    await expect(acceptChat(deps, caller('b'), { action: 'accept', chatId: 'c1' })).rejects.toMatchObject({
      code: 'already-taken',
    });
    expect(sent).toHaveLength(0);
  });

  it('answers chat-ended for a chat the visitor already ended', async () => {
    const { deps } = harness({
      getOperator: vi.fn(async () => operator('b')),
      getChat: vi.fn(async () => ({ ...queued, status: 'ended' as const })),
      claimChat: vi.fn(async () => undefined),
    });
    await expect(acceptChat(deps, caller('b'), { action: 'accept', chatId: 'c1' })).rejects.toMatchObject({
      code: 'chat-ended',
    });
  });

  it('refuses a disabled operator before touching the chat', async () => {
    const claimChat = vi.fn();
    const { deps } = harness({ getOperator: vi.fn(async () => operator('b', { disabled: true })), claimChat });
    await expect(acceptChat(deps, caller('b'), { action: 'accept', chatId: 'c1' })).rejects.toMatchObject({
      code: 'forbidden',
    });
    expect(claimChat).not.toHaveBeenCalled();
  });

  it('tells the winner, the visitor and every operator that the chat is active', async () => {
    const active = { ...queued, status: 'active' as const, operators: [{ id: 'a', name: 'A' }] };
    const { deps, sent } = harness({
      getOperator: vi.fn(async () => operator('a')),
      getChat: vi.fn(async () => queued),
      claimChat: vi.fn(async () => active),
      operatorConnections: vi.fn(async () => [
        {
          connectionId: 'conn-a',
          role: 'operator' as const,
          siteId: 'demo',
          operatorId: 'a',
          connectedAt: 0,
          views: 0,
        },
        {
          connectionId: 'conn-b',
          role: 'operator' as const,
          siteId: 'demo',
          operatorId: 'b',
          connectedAt: 0,
          views: 0,
        },
      ]),
    });
    await acceptChat(deps, caller('a'), { action: 'accept', chatId: 'c1' });
    const updates = sent.filter((s) => s.frame.type === 'chat-update');
    const reached = new Set(updates.flatMap((u) => u.to));
    expect(reached).toEqual(new Set(['conn-a', 'conn-b', 'conn-v']));
    expect(updates.find((u) => u.to.includes('conn-a') && 'reqId' in u.frame)?.frame).toMatchObject({
      reqId: 'r1',
      chat: { status: 'active' },
    });
  });
});

describe('sending a message', () => {
  it('re-answers a duplicate clientMsgId with the stored message and delivers nothing to others', async () => {
    const stored = {
      chatId: 'c1',
      seq: 4,
      id: 'm4',
      clientMsgId: 'cm',
      from: { kind: 'visitor' as const, id: 'V1', name: 'Ann' },
      text: 'hi',
      at: 5,
    };
    const { deps, sent } = harness({
      appendMessage: vi.fn(async () => ({
        ok: false as const,
        reason: 'duplicate' as const,
        message: stored,
        chat: queued,
      })),
    });
    await sendMessage(
      deps,
      {
        identity: { role: 'visitor', siteId: 'demo', visitorId: 'V1', returning: false },
        connectionId: 'conn-v',
        reqId: 'q',
      },
      { action: 'chat-message', chatId: 'c1', text: 'hi', clientMsgId: 'cm' },
    );
    expect(sent).toEqual([{ to: ['conn-v'], frame: { type: 'message', ...stored, reqId: 'q' } }]);
  });
});

describe('transferring a chat', () => {
  const active: ChatRecord = { ...queued, status: 'active', operators: [{ id: 'a', name: 'A' }] };

  it('refuses an operator who is neither assigned nor admin', async () => {
    const setChatOperators = vi.fn();
    const { deps } = harness({
      getChat: vi.fn(async () => active),
      getOperator: vi.fn(async (id: string) => operator(id)),
      setChatOperators,
    });
    await expect(
      transferChat(deps, caller('b'), { action: 'transfer', chatId: 'c1', toOperatorId: 'c' }),
    ).rejects.toMatchObject({ code: 'forbidden' });
    expect(setChatOperators).not.toHaveBeenCalled();
  });

  it('refuses a target who is not online', async () => {
    const { deps } = harness({
      getChat: vi.fn(async () => active),
      getOperator: vi.fn(async (id: string) => operator(id, id === 'c' ? { status: 'away' } : {})),
      siteOperators: vi.fn(async () => ['a', 'b', 'c'].map((id) => operator(id, id === 'c' ? { status: 'away' } : {}))),
    });
    await expect(
      transferChat(deps, caller('a'), { action: 'transfer', chatId: 'c1', toOperatorId: 'c' }),
    ).rejects.toMatchObject({ code: 'conflict' });
  });

  it('lets an admin who is not assigned move the chat to an online operator', async () => {
    const moved = { ...active, operators: [{ id: 'c', name: 'C' }] };
    const { deps, sent } = harness({
      getChat: vi.fn(async () => active),
      getOperator: vi.fn(async (id: string) => operator(id, id === 'b' ? { role: 'admin' } : {})),
      siteOperators: vi.fn(async () => ['a', 'b', 'c'].map((id) => operator(id, id === 'b' ? { role: 'admin' } : {}))),
      setChatOperators: vi.fn(async () => moved),
    });
    await transferChat(deps, caller('b'), { action: 'transfer', chatId: 'c1', toOperatorId: 'c' });
    expect(deps.store.setChatOperators).toHaveBeenCalledWith('c1', ['a'], [{ id: 'c', name: 'C' }]);
    expect(sent.some((s) => s.frame.type === 'chat-update' && s.to.includes('conn-v'))).toBe(true);
  });
});
