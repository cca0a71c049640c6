/**
 * Delivery: the WebSocket is only a channel, the store is the truth. A gone connection is
 * forgotten (detached from the chat; an operator's console removed from the operator) and never
 * fails delivery to the others.
 */
import type { ServerEvent } from '../protocol/index.js';
import type { Deps } from './ports.js';
import { GONE_GRACE_MS, socketElement } from './sockets.js';
import type { ChatRecord, ConnectionRecord } from './types.js';

export async function deliver(
  deps: Pick<Deps, 'notifier' | 'store'>,
  connectionIds: readonly string[],
  frame: ServerEvent,
  chatId?: string,
): Promise<string[]> {
  const unique = [...new Set(connectionIds)];
  if (unique.length === 0) return [];
  const gone = await deps.notifier.send(unique, frame);
  // A socket's record lives on its owner's item, removed by `$disconnect` (and read as closed
  // after API Gateway's 2-hour limit): here only the chat lets go of it.
  if (gone.length === 0 || !chatId) return gone;
  await deps.store.detachConnections(chatId, gone).catch(() => undefined);
  return gone;
}

/**
 * Whether a console hears of this chat: every console does, except a silent department's, which
 * follows only the chats its operator takes part in (permissions.ts silentMaySee).
 */
export function consoleFollows(conn: ConnectionRecord, chat: Pick<ChatRecord, 'operators'>): boolean {
  return !conn.silent || chat.operators.some((o) => o.id === conn.operatorId);
}

/** Every connection attached to the chat: the visitor's pages and its operators' consoles. */
export function chatConnectionIds(chat: ChatRecord, except?: string): string[] {
  return Object.keys(chat.conns).filter((id) => id !== except);
}

export async function deliverToOperators(
  deps: Pick<Deps, 'notifier' | 'store'>,
  siteId: string,
  frame: ServerEvent,
): Promise<void> {
  const all = await deps.store.operatorConnections(siteId);
  const conns = frame.type === 'chat-update' ? all.filter((c) => consoleFollows(c, frame.chat)) : all;
  const gone = new Set(
    await deliver(
      deps,
      conns.map((c) => c.connectionId),
      frame,
    ),
  );
  // A console whose `$disconnect` was lost stops taking posts now, not after 2 hours. One just
  // admitted by the authorizer may answer Gone until API Gateway opens it: it stays.
  const now = Date.now();
  await Promise.all(
    conns
      .filter((c) => gone.has(c.connectionId) && c.operatorId && now - c.connectedAt > GONE_GRACE_MS)
      .map((c) =>
        deps.store
          .forgetSockets({ role: 'operator', id: c.operatorId! }, [socketElement(c.connectedAt, c.connectionId)])
          .catch(() => undefined),
      ),
  );
}
