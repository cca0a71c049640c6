/**
 * Chats: request (routed: routing.ts), accept (first wins, within the operator's limit), messages
 * (stored before delivered, idempotent on clientMsgId, per-chat seq), typing, sync, end, decline,
 * transfer (to an operator or a department), conference, hold and transcripts.
 */
import type { ChatMessage, ChatSummary, MessageEvent } from '../protocol/index.js';
import type {
  AcceptFrame,
  AddOperatorFrame,
  ChatMessageFrame,
  ChatRequestFrame,
  DeclineFrame,
  EndChatFrame,
  HoldFrame,
  LeaveChatFrame,
  SyncFrame,
  TranscriptFrame,
  TransferFrame,
  TypingFrame,
} from '../protocol/schemas.js';
import { type Caller, withReqId } from './context.js';
import { chatConnectionIds, consoleFollows, deliver, deliverToOperators } from './delivery.js';
import {
  AlreadyTakenError,
  AtCapacityError,
  ChatEndedError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  RateLimitedError,
} from './errors.js';
import { forVisitor } from './offline-messages.js';
import { broadcastQueue } from './operators.js';
import {
  assertMay,
  isAssignedOperator,
  isChatVisitor,
  mayControlChat,
  mayReadChat,
  silentMaySee,
} from './permissions.js';
import type { AppendMessageInput, Deps } from './ports.js';
import {
  ASSIGNMENT_MS,
  chatLimit,
  isAvailable,
  offerQueuedChats,
  offerTargets,
  reoffer,
  routeRequest,
} from './routing.js';
import { siteSettings } from './settings.js';
import { telemetryOf } from './telemetry.js';
import { type ServerTexts, textsFor } from './texts.js';
import type { ChatRecord, Identity, OperatorRecord } from './types.js';
import { chatSummary } from './views.js';
import { assertVisitorDepartment } from './visitors.js';

export const SYNC_PAGE = 500;

async function loadChat(deps: Deps, chatId: string, identity: Identity, op?: OperatorRecord): Promise<ChatRecord> {
  const chat = await deps.store.getChat(chatId);
  // Not telling a stranger whether a chat exists: both cases read as not found.
  if (!chat || !mayReadChat(identity, chat)) throw new NotFoundError('no such chat');
  // Only an operator outside the chat costs the read of their record (silent departments).
  if (identity.role === 'operator' && !isAssignedOperator(identity, chat)) {
    const me = op ?? (await deps.store.getOperator(identity.operatorId));
    if (!silentMaySee(me, chat)) throw new NotFoundError('no such chat');
  }
  return chat;
}

/** 1-based positions of the site's queued chats, longest waiting first. */
async function queuePositions(deps: Deps, siteId: string): Promise<Map<string, number>> {
  const queued = await deps.store.chatsByStatus(siteId, 'queued', 500);
  return new Map(queued.map((c, i) => [c.chatId, i + 1]));
}

/** Tells every queued visitor their current place in line. */
async function announceQueuePositions(deps: Deps, siteId: string): Promise<void> {
  const [queued, settings] = await Promise.all([
    deps.store.chatsByStatus(siteId, 'queued', 500),
    siteSettings(deps, siteId),
  ]);
  const now = deps.clock.now();
  await Promise.all(
    queued.map((c, i) =>
      deliver(
        deps,
        Object.entries(c.conns)
          .filter(([, who]) => who === 'v')
          .map(([id]) => id),
        { type: 'chat-update', chat: forVisitor(chatSummary(c, i + 1), c, settings, now) },
        c.chatId,
      ),
    ),
  );
}

/** The chat's visitor-facing words: the site's widget language, else the visitor's, else English. */
async function chatTexts(deps: Deps, chat: ChatRecord): Promise<ServerTexts> {
  return textsFor((await siteSettings(deps, chat.siteId)).widget.lang, chat.lang);
}

async function postSystemMessage(deps: Deps, chat: ChatRecord, line: (t: ServerTexts) => string): Promise<ChatRecord> {
  const t = await chatTexts(deps, chat);
  const result = await deps.store.appendMessage({
    chatId: chat.chatId,
    id: deps.ids.next(),
    from: { kind: 'system', id: 'system', name: t.system },
    text: line(t),
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
  const [operators, settings] = await Promise.all([
    deps.store.siteOperators(identity.siteId),
    siteSettings(deps, identity.siteId),
    // Only a department the widget offers (never a silent one).
    assertVisitorDepartment(deps, identity.siteId, frame.department),
  ]);
  const route = await routeRequest(deps, identity.visitorId, operators);
  const draft: ChatRecord = {
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
    ...(route.assignedOperatorId ? { assignedOperatorId: route.assignedOperatorId } : {}),
    ...(frame.department ? { department: frame.department } : {}),
    ...(visitor.lang ? { lang: visitor.lang } : {}),
  };
  draft.offeredTo = offerTargets(draft, operators, settings.console);
  const created = await deps.store.createChat(draft);
  let chat: ChatRecord;
  if (created.created) {
    chat = created.chat;
    telemetryOf(deps).correlate({ chatId: chat.chatId });
    telemetryOf(deps).count('ChatsRequested', identity.siteId);
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
  // The visitor's copy says when to offer the leave-message form (queueTimeoutMs), and how many
  // operators could take the chat: with none, the widget offers the form at once (offerMessageInMs
  // 0) and its button says so. The queued chat stays: an operator who comes online is offered it.
  const available = operators.filter(isAvailable);
  const canTake = available.some((o) => !chat.department || (o.departments ?? []).includes(chat.department));
  const visitorCopy = forVisitor(summary, chat, settings, deps.clock.now());
  if (!canTake && chat.status === 'queued') visitorCopy.offerMessageInMs = 0;
  await deliver(
    deps,
    [caller.connectionId],
    withReqId({ type: 'chat-update' as const, chat: visitorCopy, operatorsOnline: available.length }, caller.reqId),
  );
  if (created.created) {
    // Every console lists the queue; those in `offeredTo` get the incoming-request dialog.
    await deliverToOperators(deps, identity.siteId, { type: 'chat-update', chat: summary });
    await broadcastQueue(deps, identity.siteId);
  }
}

/** Every console of these operators follows the chat from now on. */
async function attachOperators(deps: Deps, chat: ChatRecord, operatorIds: string[]): Promise<ChatRecord> {
  const theirs = (await deps.store.operatorConnections(chat.siteId)).filter(
    (c) => c.operatorId && operatorIds.includes(c.operatorId),
  );
  const conns = Object.fromEntries(theirs.map((c) => [c.connectionId, c.operatorId!]));
  await deps.store.attachConnections(chat.chatId, conns);
  return { ...chat, conns: { ...chat.conns, ...conns } };
}

/** The chat changed: the caller (with its reqId), every console, and the chat's own sockets hear of it. */
async function announce(deps: Deps, caller: Caller, chat: ChatRecord): Promise<void> {
  const summary = chatSummary(chat);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  const consoles = (await deps.store.operatorConnections(chat.siteId))
    .filter((c) => consoleFollows(c, chat))
    .map((c) => c.connectionId);
  const visitorSockets = Object.entries(chat.conns)
    .filter(([, who]) => who === 'v')
    .map(([id]) => id);
  await deliver(
    deps,
    [...consoles, ...visitorSockets].filter((id) => id !== caller.connectionId),
    { type: 'chat-update', chat: summary },
    chat.chatId,
  );
}

function fillVariables(text: string, operatorName: string, visitorName: string): string {
  return text.replaceAll('%name%', operatorName).replaceAll('%visitor%', visitorName);
}

/** Gives back the operators' chat slots; each then gets the longest-waiting request first. */
async function releaseSlots(deps: Deps, siteId: string, operatorIds: string[]): Promise<void> {
  for (const id of operatorIds) await deps.store.releaseChatSlot(id);
  for (const id of operatorIds) await offerQueuedChats(deps, siteId, id);
}

export async function acceptChat(deps: Deps, caller: Caller, frame: AcceptFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators accept chats');
  const op = await deps.store.getOperator(identity.operatorId);
  if (!op || op.disabled) throw new ForbiddenError('this operator is disabled');
  const existing = await loadChat(deps, frame.chatId, identity, op);
  if (existing.status === 'ended') throw new ChatEndedError();
  if (existing.status === 'active') throw new AlreadyTakenError();
  const settings = await siteSettings(deps, identity.siteId);
  // The limit first (one conditional write on the operator), then the chat (one on the chat):
  // whoever loses the chat gives the slot back.
  if (!(await deps.store.reserveChatSlot(op.operatorId, chatLimit(op, settings.console)))) {
    throw new AtCapacityError(`You already have ${chatLimit(op, settings.console)} chats; end one first`);
  }
  const now = deps.clock.now();
  const claimed = await deps.store.claimChat(frame.chatId, { id: op.operatorId, name: op.name }, now);
  if (!claimed) {
    await deps.store.releaseChatSlot(op.operatorId);
    const after = await deps.store.getChat(frame.chatId);
    if (after?.status === 'ended') throw new ChatEndedError();
    throw new AlreadyTakenError();
  }
  telemetryOf(deps).count('ChatsAccepted', identity.siteId);
  telemetryOf(deps).timing('QueueWait', now - claimed.createdAt, identity.siteId);
  await deps.store.putAssignment({
    visitorId: claimed.visitorId,
    operatorId: op.operatorId,
    expiresAt: now + ASSIGNMENT_MS,
  });
  let chat = await attachOperators(deps, claimed, [op.operatorId]);
  await announce(deps, caller, chat);
  chat = await postSystemMessage(deps, chat, (t) => t.joined(op.name));
  if (settings.console.acceptGreeting.trim()) {
    const greeting = await deps.store.appendMessage({
      chatId: chat.chatId,
      id: deps.ids.next(),
      from: { kind: 'operator', id: op.operatorId, name: op.name },
      text: fillVariables(settings.console.acceptGreeting, op.name, chat.visitorName),
      at: deps.clock.now(),
      guard: { kind: 'operator', operatorId: op.operatorId },
    });
    if (greeting.ok) {
      await deliver(deps, chatConnectionIds(greeting.chat), { type: 'message', ...greeting.message }, chat.chatId);
    }
  }
  await announceQueuePositions(deps, identity.siteId);
  await broadcastQueue(deps, identity.siteId);
}

export async function declineChat(deps: Deps, caller: Caller, frame: DeclineFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators decline chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  if (chat.status !== 'queued') throw new ConflictError('only a queued chat can be declined');
  await deps.store.declineChat(chat.chatId, identity.operatorId);
  // Declined by the operator it was assigned to: the assignment goes, the request goes to everyone.
  const declinedBy = [...chat.declinedBy, identity.operatorId];
  if (chat.assignedOperatorId === identity.operatorId)
    await deps.store.deleteAssignment(chat.visitorId, identity.operatorId);
  const after = await reoffer(deps, { ...chat, declinedBy }, chat.assignedOperatorId === identity.operatorId);
  // Missed: this decline left nobody to answer (everyone available has declined).
  if (after && (chat.offeredTo ?? []).length > 0 && (after.offeredTo ?? []).length === 0) {
    telemetryOf(deps).count('ChatsMissed', chat.siteId, { reason: 'declined' });
  }
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
  // From API Gateway's receipt of the frame to the last post: what a participant waits for.
  if (caller.receivedAt !== undefined) {
    telemetryOf(deps).timing('MessageLatency', deps.clock.now() - caller.receivedAt, identity.siteId);
  }
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
  // Previews of what the visitor types reach operators only, never the other way round, and
  // only where the site allows them (DESIGN §3; off by default): otherwise stripped here.
  const allowed =
    identity.role === 'visitor' && !!frame.preview && (await siteSettings(deps, chat.siteId)).console.typingPreview;
  const preview = allowed ? { preview: frame.preview } : {};
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
  const who = identity.role === 'visitor' ? chat.visitorName : op?.name;
  let ended = await deps.store.endChat(chat.chatId, endedBy, deps.clock.now());
  if (!ended) throw new ChatEndedError();
  // Whoever held it when the end was written: an accept or transfer may have landed since the read.
  const holders = ended.operators.map((o) => o.id);
  // Missed: ended without anyone accepting it (the visitor gave up waiting). Not counted again
  // when the declines that left nobody to answer already counted it.
  const declinedByAll = (chat.offeredTo ?? []).length === 0 && chat.declinedBy.length > 0;
  if (chat.status === 'queued' && !declinedByAll) {
    telemetryOf(deps).count('ChatsMissed', chat.siteId, {
      reason: 'abandoned',
      waitedMs: deps.clock.now() - chat.createdAt,
    });
  }
  ended = await postSystemMessage(deps, ended, (t) => t.ended(who ?? t.operatorWho));
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
  const settings = await siteSettings(deps, chat.siteId);
  if (settings.console.dropAssignmentOnEnd) await deps.store.deleteAssignment(chat.visitorId);
  if (holders.length) await releaseSlots(deps, chat.siteId, holders);
  await broadcastQueue(deps, chat.siteId);
}

export async function transferChat(deps: Deps, caller: Caller, frame: TransferFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators transfer chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  const op = await deps.store.getOperator(identity.operatorId);
  assertMay(mayControlChat(identity, chat, op), 'only the assigned operator or an admin may transfer this chat');
  if (chat.status !== 'active') throw new ConflictError('only an active chat can be transferred');
  const before = chat.operators.map((o) => o.id);
  const staff = Object.entries(chat.conns)
    .filter(([, who]) => who !== 'v')
    .map(([id]) => id);
  const [operators, settings] = await Promise.all([
    deps.store.siteOperators(chat.siteId),
    siteSettings(deps, chat.siteId),
  ]);

  if (frame.toDepartment) {
    // Back to the queue, offered to the department's available operators.
    const department = frame.toDepartment;
    if (!operators.some((o) => (o.departments ?? []).includes(department)))
      throw new NotFoundError('no such department');
    const targets = offerTargets(
      { ...chat, declinedBy: [], department, assignedOperatorId: undefined } as ChatRecord,
      operators,
      settings.console,
    );
    const requeued = await deps.store.requeueChat(chat.chatId, before, department, targets);
    if (!requeued) throw new ConflictError('the chat changed meanwhile; try again');
    await deps.store.detachConnections(chat.chatId, staff);
    await deps.store.deleteAssignment(chat.visitorId);
    const after: ChatRecord = {
      ...requeued,
      conns: Object.fromEntries(Object.entries(requeued.conns).filter(([id]) => !staff.includes(id))),
    };
    await announce(deps, caller, after);
    await postSystemMessage(deps, after, (t) => t.transferring(department));
    for (const id of before) await deps.store.releaseChatSlot(id);
    await announceQueuePositions(deps, chat.siteId);
    await broadcastQueue(deps, chat.siteId);
    return;
  }

  const target = operators.find((o) => o.operatorId === frame.toOperatorId);
  if (!target || target.disabled) throw new NotFoundError('no such operator');
  if (target.status !== 'online' || target.connections <= 0) throw new ConflictError(`${target.name} is not online`);
  if (before.includes(target.operatorId)) throw new ConflictError(`${target.name} already has this chat`);
  if (!(await deps.store.reserveChatSlot(target.operatorId, chatLimit(target, settings.console)))) {
    throw new AtCapacityError(`${target.name} has no room for another chat`);
  }
  const moved = await deps.store.setChatOperators(chat.chatId, before, [{ id: target.operatorId, name: target.name }]);
  if (!moved) {
    await deps.store.releaseChatSlot(target.operatorId);
    throw new ConflictError('the chat changed meanwhile; try again');
  }
  await deps.store.detachConnections(chat.chatId, staff);
  let after: ChatRecord = {
    ...moved,
    conns: Object.fromEntries(Object.entries(moved.conns).filter(([id]) => !staff.includes(id))),
  };
  after = await attachOperators(deps, after, [target.operatorId]);
  await deps.store.putAssignment({
    visitorId: chat.visitorId,
    operatorId: target.operatorId,
    expiresAt: deps.clock.now() + ASSIGNMENT_MS,
  });
  await announce(deps, caller, after);
  await postSystemMessage(deps, after, (t) => t.nowChattingWith(target.name));
  await releaseSlots(deps, chat.siteId, before);
}

/** Conference: a controller adds another online operator, who is told the chat is meant for them. */
export async function addOperator(deps: Deps, caller: Caller, frame: AddOperatorFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators add operators');
  const chat = await loadChat(deps, frame.chatId, identity);
  const op = await deps.store.getOperator(identity.operatorId);
  assertMay(mayControlChat(identity, chat, op), 'only the assigned operator or an admin may add someone');
  if (chat.status !== 'active') throw new ConflictError('only an active chat takes more operators');
  const target = await deps.store.getOperator(frame.operatorId);
  if (!target || target.siteId !== chat.siteId || target.disabled) throw new NotFoundError('no such operator');
  if (target.status !== 'online' || target.connections <= 0) throw new ConflictError(`${target.name} is not online`);
  const settings = await siteSettings(deps, chat.siteId);
  if (!(await deps.store.reserveChatSlot(target.operatorId, chatLimit(target, settings.console)))) {
    throw new AtCapacityError(`${target.name} has no room for another chat`);
  }
  const added = await deps.store.addChatOperator(
    chat.chatId,
    chat.operators.map((o) => o.id),
    { id: target.operatorId, name: target.name },
    identity.operatorId,
  );
  if (!added) {
    await deps.store.releaseChatSlot(target.operatorId);
    throw new ConflictError(`${target.name} is already in this chat`);
  }
  const after = await attachOperators(deps, added, [target.operatorId]);
  await announce(deps, caller, after);
  await postSystemMessage(deps, after, (t) => t.joinedConversation(target.name));
}

/** Leaves a conference; the last operator ends or transfers the chat instead. */
export async function leaveChat(deps: Deps, caller: Caller, frame: LeaveChatFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators leave chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  if (!isAssignedOperator(identity, chat)) throw new ForbiddenError('you are not in this chat');
  if (chat.status !== 'active') throw new ConflictError('only an active chat can be left');
  const remaining = chat.operators.filter((o) => o.id !== identity.operatorId);
  if (remaining.length === 0) throw new ConflictError('you are the only operator here: end or transfer the chat');
  const left = await deps.store.setChatOperators(
    chat.chatId,
    chat.operators.map((o) => o.id),
    remaining,
  );
  if (!left) throw new ConflictError('the chat changed meanwhile; try again');
  const mine = Object.entries(chat.conns)
    .filter(([, who]) => who === identity.operatorId)
    .map(([id]) => id);
  await deps.store.detachConnections(chat.chatId, mine);
  const after: ChatRecord = {
    ...left,
    conns: Object.fromEntries(Object.entries(left.conns).filter(([id]) => !mine.includes(id))),
  };
  const name = chat.operators.find((o) => o.id === identity.operatorId)?.name;
  const first = remaining[0]!;
  await deps.store.putAssignment({
    visitorId: chat.visitorId,
    operatorId: first.id,
    expiresAt: deps.clock.now() + ASSIGNMENT_MS,
  });
  await announce(deps, caller, after);
  await postSystemMessage(deps, after, (t) => t.leftConversation(name ?? t.operatorWho));
  await releaseSlots(deps, chat.siteId, [identity.operatorId]);
}

/** Hold: the visitor is told the operator will be right back; held chats are listed as such. */
export async function holdChat(deps: Deps, caller: Caller, frame: HoldFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators hold chats');
  const chat = await loadChat(deps, frame.chatId, identity);
  const op = await deps.store.getOperator(identity.operatorId);
  assertMay(mayControlChat(identity, chat, op), 'only the assigned operator or an admin may hold this chat');
  const held = await deps.store.setHold(chat.chatId, frame.on);
  if (!held) throw new ConflictError('only an active chat can be put on hold');
  await announce(deps, caller, held);
  await postSystemMessage(deps, held, (t) => {
    const name = op?.name ?? t.operatorWho;
    return frame.on ? t.holdOn(name) : t.holdOff(name);
  });
}

/** Transcripts by e-mail, sent asynchronously (event bus → mail function). Never a spam relay. */
export const TRANSCRIPTS_PER_CHAT = 3;
export async function requestTranscript(deps: Deps, caller: Caller, frame: TranscriptFrame): Promise<void> {
  const { identity } = caller;
  const chat = await loadChat(deps, frame.chatId, identity);
  // A visitor: only their own chat. An operator: a chat they took part in (or an admin).
  const op = identity.role === 'operator' ? await deps.store.getOperator(identity.operatorId) : undefined;
  assertMay(
    mayControlChat(identity, chat, op),
    'only the chat’s visitor, its operators or an admin may have it mailed',
  );
  if (!deps.events) throw new ConflictError('e-mail is not configured');
  const email = frame.email.trim().toLowerCase();
  if (!(await deps.store.claimTranscript(chat.chatId, email, TRANSCRIPTS_PER_CHAT, deps.clock.now()))) {
    throw new RateLimitedError('this transcript was already sent there, or to too many addresses');
  }
  await deps.events.publish('transcript.requested', { chatId: chat.chatId, email, requestedBy: identity.role });
  await deliver(deps, [caller.connectionId], withReqId({ type: 'ack' as const, action: 'transcript' }, caller.reqId));
}
