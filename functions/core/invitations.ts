/**
 * Invitations (seeds 000, 001, 003): an operator invites a browsing visitor; rules invite
 * automatically after a delay. An automatic invitation reaches a visitor at most once an hour
 * (a throttle item taken by one conditional put), never interrupts an open chat or a pending
 * invitation, and is re-checked in full when its schedule fires.
 */
import type { AutoInvitationRule, InvitationEvent } from '../protocol/index.js';
import type { InviteFrame, InviteResponseFrame } from '../protocol/schemas.js';
import { type Caller, withReqId } from './context.js';
import { deliver, deliverToOperators } from './delivery.js';
import { ConflictError, ForbiddenError, NotFoundError } from './errors.js';
import type { Deps } from './ports.js';
import { ASSIGNMENT_MS, chatLimit, hasRoom, isAvailable, offerTargets } from './routing.js';
import { DEFAULT_CONSOLE_SETTINGS, siteSettings } from './settings.js';
import { telemetryOf } from './telemetry.js';
import { textsFor } from './texts.js';
import type { ChatRecord, InvitationRecord, OperatorRecord, VisitorRecord } from './types.js';
import { chatSummary } from './views.js';

export const AUTO_INVITE_WINDOW_MS = 60 * 60 * 1000;

/** `*` matches any run of characters; everything else literally. Case-insensitive. */
export function urlMatches(pattern: string | undefined, url: string): boolean {
  if (!pattern) return true;
  const escaped = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${escaped.join('.*')}$`, 'i').test(url);
}

/** Whether a visitor on a page qualifies for a rule (its delay aside). */
export function ruleMatches(rule: AutoInvitationRule, v: VisitorRecord): boolean {
  if (!rule.enabled) return false;
  if (rule.scope === 'page' && !urlMatches(rule.urlPattern, v.url)) return false;
  if (rule.fromSearch && !v.searchEngine) return false;
  if (
    rule.searchEngines?.length &&
    !rule.searchEngines.some((e) => e.toLowerCase() === v.searchEngine?.toLowerCase())
  ) {
    return false;
  }
  if (rule.languages?.length) {
    const lang = (v.lang ?? '').toLowerCase();
    if (!rule.languages.some((l) => lang === l.toLowerCase() || lang.startsWith(`${l.toLowerCase()}-`))) return false;
  }
  if (rule.returning !== undefined && rule.returning !== v.visits > 1) return false;
  if (rule.minPageViews !== undefined && v.pageViews < rule.minPageViews) return false;
  return true;
}

/** When the rule's invitation is due: its delay after the visit began, or after the page was opened. */
export function dueAt(rule: AutoInvitationRule, v: VisitorRecord): number {
  return (rule.scope === 'site' ? v.visitStart : v.pageSince) + rule.delaySeconds * 1000;
}

/** The rule to schedule for a visitor now: the highest priority that matches, if any. */
export function pickRule(rules: AutoInvitationRule[], v: VisitorRecord): AutoInvitationRule | undefined {
  return [...rules].sort((a, b) => b.priority - a.priority).find((r) => ruleMatches(r, v));
}

/**
 * How long an unanswered invitation holds off automatic ones. A visitor who closes the tab never
 * answers; past this (the widget also stops carrying it to the next page) it no longer counts.
 */
export const INVITATION_ANSWER_MS = 10 * 60_000;

/** An invitation still waiting for the visitor's answer. */
export function awaitingAnswer(invitation: InvitationRecord | undefined, now: number): boolean {
  return invitation?.outcome === 'pending' && now - invitation.at < INVITATION_ANSWER_MS;
}

/**
 * On a page view: schedule the visitor's automatic invitation. One schedule per visit for a site
 * rule, one per page for a page rule; named by visitor, rule and that start, so creating it again
 * (another tab, a retry) is a no-op. Nothing is scheduled within the hour after an invitation.
 */
export async function scheduleAutoInvitation(
  deps: Deps,
  v: VisitorRecord,
  rules: AutoInvitationRule[],
): Promise<'scheduled' | 'exists' | 'none'> {
  if (!deps.scheduler || rules.length === 0) return 'none';
  const now = deps.clock.now();
  if (v.openChatId || v.tag === 'unwelcome' || awaitingAnswer(v.invitation, now)) return 'none';
  if (v.autoInvitedAt !== undefined && now - v.autoInvitedAt < AUTO_INVITE_WINDOW_MS) return 'none';
  const rule = pickRule(rules, v);
  if (!rule) return 'none';
  const start = rule.scope === 'site' ? v.visitStart : v.pageSince;
  const at = Math.max(now, dueAt(rule, v));
  const result = await deps.scheduler.scheduleOnce({
    name: `invite-${v.visitorId}-${rule.id}-${start}`,
    at: new Date(at),
    target: 'auto-invite',
    payload: { siteId: v.siteId, visitorId: v.visitorId, ruleId: rule.id, start },
  });
  return result === 'created' ? 'scheduled' : 'exists';
}

/** The least busy operator who could take the chat now. */
function pickOperator(
  operators: OperatorRecord[],
  settings: Parameters<typeof hasRoom>[1],
): OperatorRecord | undefined {
  return operators
    .filter((o) => isAvailable(o) && hasRoom(o, settings))
    .sort((a, b) => (a.activeChats ?? 0) - (b.activeChats ?? 0))[0];
}

async function sendInvitation(deps: Deps, v: VisitorRecord, invitation: InvitationRecord): Promise<void> {
  const sockets = (await deps.store.visitorConnections(v.visitorId)).map((c) => c.connectionId);
  const event: InvitationEvent = {
    type: 'invitation',
    inviteId: invitation.inviteId,
    text: invitation.text,
    operatorName: invitation.operatorName,
    auto: invitation.auto,
  };
  await deliver(deps, sockets, event);
}

export type AutoInviteOutcome =
  | 'sent'
  | 'gone'
  | 'chatting'
  | 'unwelcome'
  | 'rule-changed'
  | 'moved-on'
  | 'no-operator'
  | 'throttled'
  | 'pending';

/** The schedule fired: check everything again, take the hourly throttle, then invite. */
export async function autoInvite(
  deps: Deps,
  payload: { siteId: string; visitorId: string; ruleId: string; start: number },
): Promise<AutoInviteOutcome> {
  const [v, settings] = await Promise.all([
    deps.store.getVisitor(payload.visitorId),
    siteSettings(deps, payload.siteId),
  ]);
  if (!v || v.siteId !== payload.siteId || v.connections <= 0) return 'gone';
  if (v.openChatId) return 'chatting';
  if (v.tag === 'unwelcome') return 'unwelcome';
  if (awaitingAnswer(v.invitation, deps.clock.now())) return 'pending';
  const rule = settings.autoInvitations.find((r) => r.id === payload.ruleId);
  if (!rule || !ruleMatches(rule, v)) return 'rule-changed';
  // Still on the same visit (site rule) or the same page (page rule) it was scheduled for.
  if ((rule.scope === 'site' ? v.visitStart : v.pageSince) !== payload.start) return 'moved-on';
  const operators = await deps.store.siteOperators(v.siteId);
  const operator = pickOperator(operators, settings.console);
  if (!operator && rule.onlyWhenOperatorAvailable) return 'no-operator';
  const now = deps.clock.now();
  if (!(await deps.store.takeAutoInviteThrottle(v.visitorId, now, AUTO_INVITE_WINDOW_MS))) return 'throttled';
  const name = operator?.name ?? textsFor(settings.widget.lang, v.lang).ourTeam;
  const invitation: InvitationRecord = {
    inviteId: deps.ids.next(),
    ...(operator ? { operatorId: operator.operatorId } : {}),
    operatorName: name,
    text: rule.text.replaceAll('%name%', name),
    auto: true,
    at: now,
    outcome: 'pending',
  };
  if (!(await deps.store.setInvitation(v.visitorId, invitation, now - INVITATION_ANSWER_MS))) return 'chatting';
  await sendInvitation(deps, v, invitation);
  telemetryOf(deps).count('InvitationsSent', v.siteId, { kind: 'auto' });
  return 'sent';
}

/** An operator's proactive invitation: not throttled, but recorded. */
export async function inviteVisitor(deps: Deps, caller: Caller, frame: InviteFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'operator') throw new ForbiddenError('only operators invite');
  const [op, v, settings] = await Promise.all([
    deps.store.getOperator(identity.operatorId),
    deps.store.getVisitor(frame.visitorId),
    siteSettings(deps, identity.siteId),
  ]);
  if (!op || op.disabled) throw new ForbiddenError('this operator is disabled');
  // A silent department works only the chats it is given; it sees no browsing visitors to invite.
  if (op.silent) throw new ForbiddenError('operators of a silent department do not invite');
  if (!v || v.siteId !== identity.siteId) throw new NotFoundError('no such visitor');
  if (v.connections <= 0) throw new ConflictError('the visitor has left');
  if (v.openChatId) throw new ConflictError('the visitor is already in a chat');
  if (v.tag === 'unwelcome') throw new ForbiddenError('this visitor is tagged Unwelcome');
  // The built-in default speaks the visitor's language; an admin's own text is used as written.
  const fallback =
    settings.console.invitationText === DEFAULT_CONSOLE_SETTINGS.invitationText
      ? textsFor(settings.widget.lang, v.lang).invitationText
      : settings.console.invitationText;
  const text = (frame.text?.trim() || fallback).replaceAll('%name%', op.name);
  const invitation: InvitationRecord = {
    inviteId: deps.ids.next(),
    operatorId: op.operatorId,
    operatorName: op.name,
    text,
    auto: false,
    at: deps.clock.now(),
    outcome: 'pending',
  };
  await deps.store.setInvitation(v.visitorId, invitation, invitation.at - INVITATION_ANSWER_MS);
  await sendInvitation(deps, v, invitation);
  telemetryOf(deps).count('InvitationsSent', identity.siteId, { kind: 'operator' });
  await deliver(deps, [caller.connectionId], withReqId({ type: 'ack' as const, action: 'invite' }, caller.reqId));
}

/**
 * The visitor answers. Start Chat opens a chat with the inviting operator (active at once when
 * they have room, else in their queue); closing records a decline. Operators see it on the row.
 */
export async function respondToInvitation(deps: Deps, caller: Caller, frame: InviteResponseFrame): Promise<void> {
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors answer invitations');
  const settled = await deps.store.resolveInvitation(
    identity.visitorId,
    frame.inviteId,
    frame.accept ? 'accepted' : 'declined',
  );
  if (!settled) throw new NotFoundError('no such invitation, or it was already answered');
  if (!frame.accept) {
    await deliver(
      deps,
      [caller.connectionId],
      withReqId({ type: 'ack' as const, action: 'invite-response' }, caller.reqId),
    );
    return;
  }
  const visitor = await deps.store.getVisitor(identity.visitorId);
  if (!visitor) throw new NotFoundError('no such visitor');
  if (visitor.tag === 'unwelcome') throw new ForbiddenError('chat is not available; please leave a message');
  const [operators, settings] = await Promise.all([
    deps.store.siteOperators(identity.siteId),
    siteSettings(deps, identity.siteId),
  ]);
  const inviter = operators.find((o) => o.operatorId === settled.operatorId);
  const name = frame.name?.trim() || visitor.name || `Visitor ${identity.visitorId.slice(-4)}`;
  const now = deps.clock.now();
  const draft: ChatRecord = {
    chatId: deps.ids.next(),
    siteId: identity.siteId,
    visitorId: identity.visitorId,
    visitorName: name,
    status: 'queued',
    operators: [],
    createdAt: now,
    seq: 0,
    conns: { [caller.connectionId]: 'v' },
    declinedBy: [],
    ...(inviter ? { assignedOperatorId: inviter.operatorId } : {}),
    ...(visitor.lang ? { lang: visitor.lang } : {}),
  };
  draft.offeredTo = offerTargets(draft, operators, settings.console);
  const created = await deps.store.createChat(draft);
  if (!created.created) throw new ConflictError('you already have a chat open');
  let chat: ChatRecord = created.chat;
  const telemetry = telemetryOf(deps);
  telemetry.correlate({ chatId: chat.chatId });
  telemetry.count('InvitationsAccepted', identity.siteId, { kind: settled.auto ? 'auto' : 'operator' });
  telemetry.count('ChatsRequested', identity.siteId, { via: 'invitation' });
  // Already assigned to the inviting operator: they take it at once if they have room.
  if (
    inviter &&
    isAvailable(inviter) &&
    (await deps.store.reserveChatSlot(inviter.operatorId, chatLimit(inviter, settings.console)))
  ) {
    const claimed = await deps.store.claimChat(chat.chatId, { id: inviter.operatorId, name: inviter.name }, now);
    if (claimed) {
      await deps.store.putAssignment({
        visitorId: identity.visitorId,
        operatorId: inviter.operatorId,
        expiresAt: now + ASSIGNMENT_MS,
      });
      const theirs = (await deps.store.operatorConnections(identity.siteId)).filter(
        (c) => c.operatorId === inviter.operatorId,
      );
      const conns = Object.fromEntries(theirs.map((c) => [c.connectionId, inviter.operatorId]));
      await deps.store.attachConnections(chat.chatId, conns);
      chat = { ...claimed, conns: { ...claimed.conns, ...conns } };
      // Accepted without queueing: no queue wait to report.
      telemetry.count('ChatsAccepted', identity.siteId, { via: 'invitation' });
    } else {
      await deps.store.releaseChatSlot(inviter.operatorId);
    }
  }
  const summary = chatSummary(chat);
  await deliver(deps, [caller.connectionId], withReqId({ type: 'chat-update' as const, chat: summary }, caller.reqId));
  await deliverToOperators(deps, identity.siteId, { type: 'chat-update', chat: summary });
  if (chat.status === 'active') {
    // The invitation's words open the conversation, from the operator who wrote them.
    const opening = await deps.store.appendMessage({
      chatId: chat.chatId,
      id: deps.ids.next(),
      from: { kind: 'operator', id: inviter!.operatorId, name: inviter!.name },
      text: settled.text,
      at: deps.clock.now(),
      guard: { kind: 'operator', operatorId: inviter!.operatorId },
    });
    if (opening.ok)
      await deliver(deps, Object.keys(opening.chat.conns), { type: 'message', ...opening.message }, chat.chatId);
  }
}
