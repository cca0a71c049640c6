/** Page views: tracking, the visitor's welcome, and the live row operators see. */

import type { VisitorWelcome } from '../protocol/index.js';
import type { PageViewFrame } from '../protocol/schemas.js';
import { type Caller, withReqId } from './context.js';
import { deliver, deliverToOperators } from './delivery.js';
import { ForbiddenError } from './errors.js';
import type { Deps } from './ports.js';
import { chatSummary, DEFAULT_WIDGET_SETTINGS, visitorRow } from './views.js';

/** A visitor seen again after this long starts a new visit. */
export const VISIT_GAP_MS = 30 * 60 * 1000;
/** At most this many messages travel in a welcome; the widget fills older gaps with `sync`. */
export const WELCOME_MESSAGES = 200;

export async function recordPageView(deps: Deps, caller: Caller, frame: PageViewFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors send page views');
  const now = deps.clock.now();
  const views = await deps.store.countConnectionView(caller.connectionId);
  const first = views === 1;
  const before = first ? await deps.store.getVisitor(identity.visitorId) : undefined;
  const visitor = await deps.store.recordPageView({
    siteId: identity.siteId,
    visitorId: identity.visitorId,
    url: frame.url,
    title: frame.title,
    ...(frame.referrer ? { referrer: frame.referrer } : {}),
    ...(frame.lang ? { lang: frame.lang } : {}),
    ...(frame.custom ? { custom: frame.custom } : {}),
    at: now,
    newVisit: first && (!before || before.connections <= 0) && (!before || now - before.lastSeen > VISIT_GAP_MS),
  });
  let counted = visitor;
  if (first) counted = (await deps.store.changeVisitorConnections(identity.visitorId, 1, now)) ?? visitor;

  const chat = counted.openChatId ? await deps.store.getChat(counted.openChatId) : undefined;
  const openChat = chat && chat.status !== 'ended' ? chat : undefined;

  await deliverToOperators(deps, identity.siteId, { type: 'visitor', visitor: visitorRow(counted, openChat) });

  if (!first) return;
  if (openChat) await deps.store.attachConnections(openChat.chatId, { [caller.connectionId]: 'v' });
  const [operators, settings, messages] = await Promise.all([
    deps.store.siteOperators(identity.siteId),
    deps.store.getSettings(identity.siteId),
    openChat
      ? deps.store.messagesAfter(openChat.chatId, Math.max(0, openChat.seq - WELCOME_MESSAGES), WELCOME_MESSAGES)
      : [],
  ]);
  const welcome: VisitorWelcome = {
    type: 'welcome',
    role: 'visitor',
    visitorId: identity.visitorId,
    visitorToken: deps.tokens.sign(identity.siteId, identity.visitorId),
    returning: counted.visits > 1 || identity.returning,
    operatorsOnline: operators.filter((o) => o.status === 'online' && !o.disabled && o.connections > 0).length,
    ...(openChat ? { chat: { ...chatSummary(openChat), messages } } : {}),
    widget: settings ?? DEFAULT_WIDGET_SETTINGS,
  };
  await deliver(deps, [caller.connectionId], withReqId(welcome, caller.reqId));
}
