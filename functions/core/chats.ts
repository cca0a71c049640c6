/**
 * Chats: request, accept (first wins), messages (stored before delivered, idempotent on
 * clientMsgId, per-chat seq), typing, sync, end, decline and transfer.
 */
import type { ChatMessage, ChatSummary, MessageEvent } from '../protocol/index.js';
import type {
  AcceptFrame,
  ChatMessageFrame,
  ChatRequestFrame,
  DeclineFrame,
  EndChatFrame,
  SyncFrame,
  TransferFrame,
  TypingFrame,
} from '../protocol/schemas.js';
import { type Caller, withReqId } from './context.js';
import { chatConnectionIds, deliver, deliverToOperators } from './delivery.js';
import { AlreadyTakenError, ChatEndedError, ConflictError, ForbiddenError, NotFoundError } from './errors.js';
import { broadcastQueue } from './operators.js';
import { assertMay, isAssignedOperator, isChatVisitor, mayControlChat, mayReadChat } from './permissions.js';
import type { AppendMessageInput, Deps } from './ports.js';
import type { ChatRecord, Identity } from './types.js';
import { chatSummary } from './views.js';

export const SYNC_PAGE = 500;

async function loadChat(deps: Deps, chatId: string, identity: Identity): Promise<ChatRecord> {
  const chat = await deps.store.getChat(chatId);
  // Not telling a stranger whether a chat exists: both cases read as not found.
  if (!chat || !mayReadChat(identity, chat)) throw new NotFoundError('no such chat');
  return chat;
}

/** 1-based positions of the site's queued chats, longest waiting first. */
async function queuePositions(deps: Deps, siteId: string): Promise<Map<string, number>> {
  const queued = await deps.store.chatsByStatus(siteId, 'queued', 500);
  return new Map(queued.map((c, i) => [c.chatId, i + 1]));
}

/** Tells every queued visitor their current place in line. */
async function announceQueuePositions(deps: Deps, siteId: string): Promise<void> {
  const queued = await deps.store.chatsByStatus(siteId, 'queued', 500);
  await Promise.all(
    queued.map((c, i) =>
      deliver(
        deps,
        Object.entries(c.conns)
          .filter(([, who]) => who === 'v')
          .map(([id]) => id),
        { type: 'chat-update', chat: chatSummary(c, i + 1) },
        c.chatId,
      ),
    ),
  );
}

async function postSystemMessage(deps: Deps, chat: ChatRecord, text: string): Promise<ChatRecord> {
  const result = await deps.store.appendMessage({
    chatId: chat.chatId,
    id: deps.ids.next(),
    from: { kind: 'system', id: 'system', name: 'Parley' },
    text,
    at: deps.clock.now(),
    guard: { kind: 'system' },
  });
  if (!result.ok) return chat;
  await deliver(deps, chatConnectionIds(result.chat), { type: 'message', ...result.message }, chat.chatId);
  return result.chat;
}

export async function requestChat(deps: Deps, caller: Caller, frame: ChatRequestFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors request chats');
  const visitor = await deps.store.getVisitor(identity.visitorId);
  if (!visitor) throw new ConflictError('send a page-view before requesting a chat');
  // Enforced here, whatever the widget shows: an Unwelcome visitor may only leave a message.
  if (visitor.tag === 'unwelcome') throw new ForbiddenError('chat is not available; please leave a message');
  const name = frame.name?.trim() || visitor.name || `Visitor ${identity.visitorId.slice(-4)}`;
  const created = await deps.store.createChat({
    chatId: deps.ids.next(),
    siteId: identity.siteId,
    visitorId: identity.visitorId,
    visitorName: name,
    status: 'queued',
    operators: [],
    createdAt: deps.clock.now(),
    seq: 0,
    conns: { [caller.connectionId]: 'v' },
    declinedBy: [],
  });
  let chat: ChatRecord;
  if (created.created) {
    chat = created.chat;
  } else {
    // Asking twice (a double click, a second tab) returns the chat already open.
    const open = await deps.store.getChat(created.openChatId);
    if (!open) throw new ConflictError('the open chat could not be read; try again');
    await deps.store.attachConnections(open.chatId, { [caller.connectionId]: 'v' });
    chat = open;
  }
  if (created.created && frame.text?.trim()) {
    const first = await deps.store.appendMessage({
      chatId: chat.chatId,
      id: deps.ids.next(),
      from: { kind: 'visitor', id: identity.visitorId, name },
      text: frame.text.trim(),
      at: deps.clock.now(),
      guard: { kind: 'visitor', visitorId: identity.visitorId },
    });
    if (first.ok) chat = first.chat;
  }
  const positions = await queuePositions(deps, identity.siteId);
  const summary = chatSummary(chat, positions.get(chat.chatId));
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  if (created.created) {
    // Offered to every operator of the site; each console shows the incoming request.
    await deliverToOperators(deps, identity.siteId, { type: 'chat-update', chat: summary });
    await broadcastQueue(deps, identity.siteId);
  }
}

export async function acceptChat(deps: Deps, caller: Caller, frame: AcceptFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators accept chats');
  const op = await deps.store.getOperator(identity.operatorId);
  if (!op || op.disabled) throw new ForbiddenError('this operator is disabled');
  const existing = await loadChat(deps, frame.chatId, identity);
  if (existing.status === 'ended') throw new ChatEndedError();
  const claimed = await deps.store.claimChat(frame.chatId, { id: op.operatorId, name: op.name }, deps.clock.now());
  if (!claimed) {
    const now = await deps.store.getChat(frame.chatId);
    if (now?.status === 'ended') throw new ChatEndedError();
    throw new AlreadyTakenError();
  }
  // Every console of the winner follows the chat from now on.
  const mine = (await deps.store.operatorConnections(identity.siteId)).filter((c) => c.operatorId === op.operatorId);
  const conns = Object.fromEntries(mine.map((c) => [c.connectionId, op.operatorId]));
  await deps.store.attachConnections(claimed.chatId, conns);
  let chat: ChatRecord = { ...claimed, conns: { ...claimed.conns, ...conns } };
  const summary = chatSummary(chat);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  await deliverToOperators(deps, identity.siteId, { type: 'chat-update', chat: summary });
  await deliver(deps, chatConnectionIds(chat), { type: 'chat-update', chat: summary }, chat.chatId);
  chat = await postSystemMessage(deps, chat, `${op.name} joined the chat`);
  await announceQueuePositions(deps, identity.siteId);
  await broadcastQueue(deps, identity.siteId);
}

export async function declineChat(deps: Deps, caller: Caller, frame: DeclineFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators decline chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  if (chat.status !== 'queued') throw new ConflictError('only a queued chat can be declined');
  await deps.store.declineChat(chat.chatId, identity.operatorId);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'ack' as const, action: 'decline' }, caller.reqId));
}

export async function sendMessage(deps: Deps, caller: Caller, frame: ChatMessageFrame): Promise<void> {
  const { identity } = caller;
  let from: ChatMessage['from'];
  let guard: AppendMessageInput['guard'];
  if (identity.role === 'visitor') {
    from = { kind: 'visitor', id: identity.visitorId, name: '' }; // the store names the sender from the chat
    guard = { kind: 'visitor', visitorId: identity.visitorId };
  } else {
    from = { kind: 'operator', id: identity.operatorId, name: '' };
    guard = { kind: 'operator', operatorId: identity.operatorId };
  }
  const result = await deps.store.appendMessage({
    chatId: frame.chatId,
    id: deps.ids.next(),
    clientMsgId: frame.clientMsgId,
    from,
    text: frame.text,
    at: deps.clock.now(),
    guard,
  });
  if (!result.ok) {
    if (result.reason === 'duplicate') {
      // A retry of a message already stored: answer it again, deliver nothing new.
      await deliver(deps, [caller.connectionId], withReqId({ type: 'message', ...result.message }, caller.reqId));
      return;
    }
    if (result.reason === 'ended') throw new ChatEndedError();
    if (result.reason === 'forbidden') {
      const chat = await deps.store.getChat(frame.chatId);
      if (chat && mayReadChat(identity, chat)) throw new ForbiddenError('only the chat’s participants may write in it');
    }
    throw new NotFoundError('no such chat');
  }
  const event: MessageEvent = { type: 'message', ...result.message };
  await deliver(deps, chatConnectionIds(result.chat, caller.connectionId), event, frame.chatId);
  await deliver(deps, [caller.connectionId], withReqId(event, caller.reqId), frame.chatId);
}

export async function sendTyping(deps: Deps, caller: Caller, frame: TypingFrame): Promise<void> {
  const { identity } = caller;
  const chat = await loadChat(deps, frame.chatId, identity);
  assertMay(isChatVisitor(identity, chat) || isAssignedOperator(identity, chat));
  if (chat.status === 'ended') throw new ChatEndedError();
  const from =
    identity.role === 'visitor'
      ? { kind: 'visitor' as const, id: identity.visitorId, name: chat.visitorName }
      : {
          kind: 'operator' as const,
          id: identity.operatorId,
          name: chat.operators.find((o) => o.id === identity.operatorId)?.name ?? 'Operator',
        };
  // Previews of what the visitor types reach operators only, never the other way round.
  const preview = identity.role === 'visitor' && frame.preview ? { preview: frame.preview } : {};
  const targets = Object.entries(chat.conns)
    .filter(([id, who]) => id !== caller.connectionId && (identity.role === 'visitor' ? who !== 'v' : true))
    .map(([id]) => id);
  await deliver(
    deps,
    targets,
    { type: 'typing', chatId: chat.chatId, from, typing: frame.typing, ...preview },
    chat.chatId,
  );
}

export async function syncChat(deps: Deps, caller: Caller, frame: SyncFrame): Promise<void> {
  const { identity } = caller;
  const chat = await loadChat(deps, frame.chatId, identity);
  // A socket that syncs a chat it takes part in follows the chat from now on.
  if (isChatVisitor(identity, chat) && chat.status !== 'ended' && !chat.conns[caller.connectionId]) {
    await deps.store.attachConnections(chat.chatId, { [caller.connectionId]: 'v' });
  } else if (
    identity.role === 'operator' &&
    isAssignedOperator(identity, chat) &&
    chat.status !== 'ended' &&
    !chat.conns[caller.connectionId]
  ) {
    await deps.store.attachConnections(chat.chatId, { [caller.connectionId]: identity.operatorId });
  }
  const messages = await deps.store.messagesAfter(chat.chatId, frame.afterSeq, SYNC_PAGE);
  await deliver(
    deps,
    [caller.connectionId],
    withReqId({ type: 'sync' as const, chatId: chat.chatId, messages, chat: chatSummary(chat) }, caller.reqId),
  );
}

export async function endChat(deps: Deps, caller: Caller, frame: EndChatFrame): Promise<void> {
  const { identity } = caller;
  const chat = await loadChat(deps, frame.chatId, identity);
  const op = identity.role === 'operator' ? await deps.store.getOperator(identity.operatorId) : undefined;
  assertMay(mayControlChat(identity, chat, op), 'only the chat’s visitor, its operators or an admin may end it');
  if (chat.status === 'ended') throw new ChatEndedError();
  const endedBy = identity.role === 'visitor' ? 'visitor' : 'operator';
  const who = identity.role === 'visitor' ? chat.visitorName : (op?.name ?? 'The operator');
  let ended = await deps.store.endChat(chat.chatId, endedBy, deps.clock.now());
  if (!ended) throw new ChatEndedError();
  ended = await postSystemMessage(deps, ended, `${who} ended the chat`);
  const summary: ChatSummary = chatSummary(ended);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  await deliver(
    deps,
    chatConnectionIds(ended, caller.connectionId),
    { type: 'chat-update', chat: summary },
    chat.chatId,
  );
  await deliverToOperators(deps, chat.siteId, { type: 'chat-update', chat: summary });
  if (chat.status === 'queued') await announceQueuePositions(deps, chat.siteId);
  await broadcastQueue(deps, chat.siteId);
}

export async function transferChat(deps: Deps, caller: Caller, frame: TransferFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators transfer chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  const op = await deps.store.getOperator(identity.operatorId);
  assertMay(mayControlChat(identity, chat, op), 'only the assigned operator or an admin may transfer this chat');
  if (chat.status !== 'active') throw new ConflictError('only an active chat can be transferred');
  const target = await deps.store.getOperator(frame.toOperatorId);
  if (!target || target.siteId !== chat.siteId || target.disabled) throw new NotFoundError('no such operator');
  if (target.status !== 'online') throw new ConflictError(`${target.name} is not online`);
  if (chat.operators.some((o) => o.id === target.operatorId))
    throw new ConflictError(`${target.name} already has this chat`);
  const moved = await deps.store.reassignChat(
    chat.chatId,
    chat.operators.map((o) => o.id),
    [{ id: target.operatorId, name: target.name }],
  );
  if (!moved) throw new ConflictError('the chat changed meanwhile; try again');
  const leaving = Object.entries(chat.conns)
    .filter(([, who]) => who !== 'v')
    .map(([id]) => id);
  const targetConns = (await deps.store.operatorConnections(chat.siteId)).filter(
    (c) => c.operatorId === target.operatorId,
  );
  await deps.store.detachConnections(chat.chatId, leaving);
  await deps.store.attachConnections(
    chat.chatId,
    Object.fromEntries(targetConns.map((c) => [c.connectionId, target.operatorId])),
  );
  const after: ChatRecord = {
    ...moved,
    conns: {
      ...Object.fromEntries(Object.entries(moved.conns).filter(([id]) => !leaving.includes(id))),
      ...Object.fromEntries(targetConns.map((c) => [c.connectionId, target.operatorId])),
    },
  };
  const summary = chatSummary(after);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  await deliverToOperators(deps, chat.siteId, { type: 'chat-update', chat: summary });
  await deliver(deps, chatConnectionIds(after), { type: 'chat-update', chat: summary }, chat.chatId);
  await postSystemMessage(deps, after, `You are now chatting with ${target.name}`);
}
