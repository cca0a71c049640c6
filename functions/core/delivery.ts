/**
 * Delivery: the WebSocket is only a channel, the store is the truth. A gone connection is
 * forgotten (its record deleted, detached from the chat) and never fails delivery to the others.
 */
import type { ServerEvent } from '../protocol/index.js';
import type { Deps } from './ports.js';
import type { ChatRecord } from './types.js';

export async function deliver(
  deps: Pick<Deps, 'notifier' | 'store'>,
  connectionIds: readonly string[],
  frame: ServerEvent,
  chatId?: string,
): Promise<void> {
  const unique = [...new Set(connectionIds)];
  if (unique.length === 0) return;
  const gone = await deps.notifier.send(unique, frame);
  if (gone.length === 0) return;
  await Promise.all([
    ...gone.map((id) => deps.store.deleteConnection(id).catch(() => undefined)),
    chatId ? deps.store.detachConnections(chatId, gone).catch(() => undefined) : Promise.resolve(),
  ]);
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
  const conns = await deps.store.operatorConnections(siteId);
  await deliver(
    deps,
    conns.map((c) => c.connectionId),
    frame,
  );
}
