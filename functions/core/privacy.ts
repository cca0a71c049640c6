/**
 * Privacy (admins only): export everything stored about one visitor as JSON, and delete it all.
 * "Everything" is the visitor's partition (profile with its invitation, page views, notes, chat
 * pointers, assignment, throttle), each chat's partition (the chat, its messages, transcript
 * claims), the visitor's offline messages and connection items. Report counters are aggregates
 * and hold nothing about one visitor.
 */

import { requireAdmin } from './admin.js';
import type { AdminDeps, RawItem } from './admin-ports.js';
import { deliverToOperators } from './delivery.js';
import { NotFoundError } from './errors.js';
import { truncateIp } from './ip.js';
import { broadcastQueue } from './operators.js';
import type { Deps } from './ports.js';
import { siteSettings } from './settings.js';
import type { OperatorRecord } from './types.js';
import { chatSummary } from './views.js';

type PrivacyDeps = Deps & AdminDeps;

const INTERNAL = new Set([
  'pk',
  'sk',
  'gsi1pk',
  'gsi1sk',
  'gsi2pk',
  'gsi2sk',
  'ttl',
  'operatorKey',
  'operatorIds',
  'cmids',
]);

function clean(item: RawItem, truncate: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(item)) if (!INTERNAL.has(k)) out[k] = v;
  if (typeof item.ttl === 'number') out.expiresAt = new Date(item.ttl * 1000).toISOString();
  // Stored before truncation was switched on: the export still honours the setting.
  if (truncate && typeof out.ip === 'string') out.ip = truncateIp(out.ip);
  const enrichment = out.enrichment as { ip?: string } | undefined;
  if (truncate && enrichment?.ip) out.enrichment = { ...enrichment, ip: truncateIp(enrichment.ip) };
  return out;
}

async function gather(deps: PrivacyDeps, caller: OperatorRecord, visitorId: string) {
  const own = await deps.admin.visitorItems(visitorId);
  const profile = own.find((i) => i.sk === 'PROFILE');
  // Another site's visitor reads as absent.
  if (profile && profile.siteId !== caller.siteId) throw new NotFoundError('no such visitor');
  const chatIds = new Set<string>();
  for (const i of own) if (i.sk.startsWith('CHAT#') && typeof i.chatId === 'string') chatIds.add(i.chatId);
  if (typeof profile?.openChatId === 'string') chatIds.add(profile.openChatId);
  const chats = await Promise.all([...chatIds].map(async (id) => ({ id, items: await deps.admin.chatItems(id) })));
  // Only chats of this visitor: a dangling pointer never drags in someone else's chat.
  const mine = chats.filter((c) => c.items.some((i) => i.sk === 'META' && i.visitorId === visitorId));
  const [connections, offline, guards] = await Promise.all([
    deps.admin.visitorConnectionItems(visitorId),
    deps.admin.offlineMessageItems(caller.siteId, visitorId),
    deps.admin.visitorGuardItems(visitorId),
  ]);
  return { own, profile, chats: mine, connections, offline, guards };
}

export async function exportVisitor(deps: PrivacyDeps, caller: OperatorRecord, visitorId: string) {
  requireAdmin(caller);
  const { own, profile, chats, connections, offline } = await gather(deps, caller, visitorId);
  if (own.length === 0 && chats.length === 0 && offline.length === 0)
    throw new NotFoundError('nothing is stored about this visitor');
  const truncate = (await siteSettings(deps, caller.siteId)).console.truncateIp;
  const c = (i: RawItem) => clean(i, truncate);
  const known = (sk: string) =>
    sk === 'PROFILE' || sk.startsWith('PV#') || sk.startsWith('NOTE#') || sk.startsWith('CHAT#');
  return {
    exportedAt: new Date(deps.clock.now()).toISOString(),
    visitorId,
    profile: profile ? c(profile) : null,
    pageViews: own.filter((i) => i.sk.startsWith('PV#')).map(c),
    notes: own.filter((i) => i.sk.startsWith('NOTE#')).map(c),
    chats: chats.map(({ items }) => {
      const meta = items.find((i) => i.sk === 'META');
      return {
        ...(meta ? c(meta) : {}),
        messages: items.filter((i) => i.sk.startsWith('MSG#')).map(c),
        transcriptsSentTo: items.filter((i) => i.sk.startsWith('TRANSCRIPT#')).map((i) => i.sk.slice(11)),
      };
    }),
    // Assignment, invitation throttle, offline messages and anything else kept under the visitor.
    other: own.filter((i) => !known(i.sk)).map((i) => ({ kind: i.sk.split('#')[0], ...c(i) })),
    offlineMessages: offline.map(c),
    connections: connections.map(c),
  };
}

/**
 * Deletes everything about the visitor. An open chat is ended first (operators told), the
 * visitor's sockets are closed, then every item goes. Deleting again deletes nothing and succeeds.
 */
export async function deleteVisitor(deps: PrivacyDeps, caller: OperatorRecord, visitorId: string) {
  requireAdmin(caller);
  const visitor = await deps.store.getVisitor(visitorId);
  if (visitor && visitor.siteId !== caller.siteId) throw new NotFoundError('no such visitor');
  if (visitor?.openChatId) {
    const ended = await deps.store.endChat(visitor.openChatId, 'system', deps.clock.now());
    if (ended) {
      for (const op of ended.operators) await deps.store.releaseChatSlot(op.id);
      await deliverToOperators(deps, caller.siteId, { type: 'chat-update', chat: chatSummary(ended) });
      await broadcastQueue(deps, caller.siteId);
    }
  }
  // Sockets are found through the Store (wherever it keeps them) plus any connection items.
  const [open, sockets] = await Promise.all([
    deps.store.visitorConnections(visitorId),
    deps.admin.visitorConnectionItems(visitorId),
  ]);
  await deps.closer.close([...open.map((c) => c.connectionId), ...sockets.map((s) => String(s.connectionId))]);
  // Read after the close: a disconnect racing with us may have touched the profile.
  const { own, chats, connections, offline, guards } = await gather(deps, caller, visitorId);
  const all = [...own, ...chats.flatMap((c) => c.items), ...connections, ...sockets, ...offline, ...guards];
  const keys = [...new Map(all.map((i) => [`${i.pk}|${i.sk}`, { pk: i.pk, sk: i.sk }])).values()];
  await deps.admin.deleteItems(keys);
  await deliverToOperators(deps, caller.siteId, { type: 'visitor-left', visitorId });
  return { deleted: keys.length };
}
