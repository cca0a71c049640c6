/**
 * What closing sockets entails, now that `$disconnect` runs no Lambda: the stream sees sockets
 * leave `connIds` and does, once per batch, what the disconnect function used to.
 */
import { describe, expect, it, vi } from 'vitest';
import { socketsClosed } from '../../functions/core/connections.js';
import type { Deps, Store } from '../../functions/core/ports.js';
import { liveSockets, socketElement } from '../../functions/core/sockets.js';
import type { ChatRecord } from '../../functions/core/types.js';

const NOW = Date.UTC(2026, 10, 22, 12);

function harness(activeChats: Partial<ChatRecord>[] = []) {
  const store = {
    chatsByStatus: vi.fn(async () => activeChats as ChatRecord[]),
    detachConnections: vi.fn(async () => undefined),
    getSettings: vi.fn(async () => ({ console: { operatorGraceMs: 60_000 } })),
  } as unknown as Store;
  const scheduleOnce = vi.fn(async () => undefined);
  const deps = {
    store,
    notifier: { send: vi.fn(async () => []) },
    clock: { now: () => NOW },
    ids: { next: () => 'id' },
    tokens: { sign: () => 't', verify: () => undefined },
    scheduler: { scheduleOnce, deleteSchedule: vi.fn() },
  } as unknown as Deps;
  return { deps, store, scheduleOnce };
}

describe('sockets closing', () => {
  it('detaches a visitor’s closed page from its open chat', async () => {
    const { deps, store } = harness();
    await socketsClosed(deps, [
      { role: 'visitor', siteId: 's1', ownerId: 'V1', closed: ['c1'], remaining: 0, openChatId: 'chat-1' },
    ]);
    expect(store.detachConnections).toHaveBeenCalledWith('chat-1', ['c1']);
    expect(store.chatsByStatus).not.toHaveBeenCalled();
  });

  it('detaches an operator’s closed consoles from the active chats they followed, one Query per site and batch', async () => {
    const { deps, store, scheduleOnce } = harness([
      { chatId: 'a', conns: { o1: 'O1', v: 'v' } },
      { chatId: 'b', conns: { v2: 'v' } },
      { chatId: 'c', conns: { o2: 'O2' } },
    ]);
    await socketsClosed(deps, [
      { role: 'operator', siteId: 's1', ownerId: 'O1', closed: ['o1'], remaining: 1, status: 'online' },
      { role: 'operator', siteId: 's1', ownerId: 'O2', closed: ['o2'], remaining: 2, status: 'online' },
    ]);
    expect(store.chatsByStatus).toHaveBeenCalledTimes(1);
    expect(store.detachConnections).toHaveBeenCalledWith('a', ['o1']);
    expect(store.detachConnections).toHaveBeenCalledWith('c', ['o2']);
    expect(store.detachConnections).toHaveBeenCalledTimes(2);
    // consoles remain open: no grace period
    expect(scheduleOnce).not.toHaveBeenCalled();
  });

  it('starts the grace period when an operator’s last console closed, unless they are offline', async () => {
    const { deps, scheduleOnce } = harness();
    await socketsClosed(deps, [
      { role: 'operator', siteId: 's1', ownerId: 'O1', closed: ['o1'], remaining: 0, status: 'online' },
      { role: 'operator', siteId: 's1', ownerId: 'O2', closed: ['o2'], remaining: 0, status: 'offline' },
    ]);
    expect(scheduleOnce).toHaveBeenCalledTimes(1);
    expect(scheduleOnce).toHaveBeenCalledWith(
      expect.objectContaining({
        target: 'operator-presence',
        at: new Date(NOW + 60_000),
        payload: { operatorId: 'O1', siteId: 's1' },
      }),
    );
  });
});

describe('a socket’s record', () => {
  it('round-trips, and reads as closed after API Gateway’s 2-hour limit', () => {
    const e = socketElement(NOW, 'AbC+/=');
    expect(liveSockets([e], NOW + 1000)).toEqual([{ connectionId: 'AbC+/=', connectedAt: NOW }]);
    expect(liveSockets([e], NOW + 2 * 60 * 60 * 1000)).toEqual([]);
    expect(liveSockets(['garbage', '|x', 'NaN|y'], NOW)).toEqual([]);
  });
});
