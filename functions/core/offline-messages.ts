/**
 * Offline messages (seed 002, issue 6): a visitor leaves a message when nobody can chat; it is
 * stored first, then mailed to the team's own operators through the event bus and the mail
 * function, and listed, handled and answered by e-mail from the console. Never a spam relay:
 * visitor-given addresses are only ever a Reply-To, or the target of an operator's own reply.
 */
import { createHash } from 'node:crypto';
import type {
  ChatSummary,
  OfflineMessage,
  OfflineMessageEvent,
  OfflineMessagePage,
  OfflineMessageStatus,
  OperatorRef,
} from '../protocol/index.js';
import type { LeaveMessageFrame } from '../protocol/schemas.js';
import { type Caller, withReqId } from './context.js';
import { deliver } from './delivery.js';
import { BadRequestError, ConflictError, ForbiddenError, NotFoundError, RateLimitedError } from './errors.js';
import type { OfflineMessageRecord, OfflineStore } from './offline-ports.js';
import type { Deps } from './ports.js';
import { siteSettings } from './settings.js';
import { telemetryOf } from './telemetry.js';
import { SERVER_TEXTS, type ServerTexts, textsFor } from './texts.js';
import { escapeHtml, type Mailer, siteNameOf } from './transcripts.js';
import type { ChatRecord, OperatorRecord, SiteSettings } from './types.js';
import { visitorDepartments } from './visitors.js';

export const OFFLINE_RECEIVED = 'offline-message.received';
export const OFFLINE_REPLY = 'offline-message.reply';

const HOUR = 60 * 60_000;
/** How many messages one visitor, one address (IP) and one site may leave per hour. */
export const OFFLINE_LIMITS = {
  perVisitorPerHour: 3,
  perIpPerHour: 30,
  perSitePerHour: 500,
  /** Identical text from the same visitor within this window is the same message. */
  duplicateWindowMs: 10 * 60_000,
  /** A retried submission (same clientMsgId) is recognised this long. */
  clientMsgIdWindowMs: 24 * HOUR,
  repliesPerMessage: 5,
  repliesPerOperatorPerHour: 30,
  pageSize: 50,
} as const;

export type OfflineDeps = Deps & { offline: OfflineStore };

export function requireOffline(deps: Deps): OfflineDeps {
  if (!deps.offline) throw new Error('offline message storage is not wired');
  return deps as OfflineDeps;
}

/** The view every client gets (no internal fields). */
export function offlineView(m: OfflineMessageRecord): OfflineMessage {
  const { siteId, mailedTo, lang, ...view } = m;
  void siteId;
  void mailedTo;
  void lang;
  return view;
}

/**
 * Who may read and handle a message: admins all; operators without departments all; others
 * those without a department or of one of theirs.
 */
export function mayHandleOffline(op: OperatorRecord, message: { department?: string; siteId?: string }): boolean {
  if (op.disabled) return false;
  if (message.siteId !== undefined && message.siteId !== op.siteId) return false;
  if (op.role === 'admin') return true;
  const mine = op.departments ?? [];
  return mine.length === 0 || !message.department || mine.includes(message.department);
}

/** The departments filter for listing: undefined when the operator sees everything. */
function visibleDepartments(op: OperatorRecord): readonly string[] | undefined {
  if (op.role === 'admin' || (op.departments ?? []).length === 0) return undefined;
  return op.departments;
}

export function countVisible(op: OperatorRecord, news: readonly { department?: string }[]): number {
  return news.filter((m) => mayHandleOffline(op, m)).length;
}

/** New offline messages an operator may see (the welcome's and the summary panel's count). */
export async function offlineCountFor(deps: Deps, op: OperatorRecord): Promise<number | undefined> {
  if (!deps.offline) return undefined;
  return countVisible(op, await deps.offline.newOfflineMessages(op.siteId, 1000));
}

/**
 * The widget offers the leave-message form to a visitor who has waited `queueTimeoutMs` in the
 * queue: this is the time left, relative to the frame (no clock is shared with the browser).
 */
export function offerMessageIn(chat: ChatRecord, settings: SiteSettings, now: number): number | undefined {
  if (chat.status !== 'queued') return undefined;
  return Math.max(0, chat.createdAt + settings.console.queueTimeoutMs - now);
}

/** A chat summary for the visitor's own sockets, with the queue timeout hint while queued. */
export function forVisitor(summary: ChatSummary, chat: ChatRecord, settings: SiteSettings, now: number): ChatSummary {
  const wait = offerMessageIn(chat, settings, now);
  return wait === undefined ? summary : { ...summary, offerMessageInMs: wait };
}

const sha = (s: string) => createHash('sha256').update(s).digest('base64url').slice(0, 32);

/** `leave-message`: validated at the edge; here the department, duplicates, rate limits, storage. */
export async function leaveMessage(base: Deps, caller: Caller, frame: LeaveMessageFrame): Promise<void> {
  const deps = requireOffline(base);
  const { identity } = caller;
  if (identity.role !== 'visitor') throw new ForbiddenError('only visitors leave messages');
  const now = deps.clock.now();
  const name = frame.name.replace(/\s+/g, ' ').trim();
  const email = frame.email.trim();
  const text = frame.text.trim();
  const [operators, visitor, settings] = await Promise.all([
    deps.store.siteOperators(identity.siteId),
    deps.store.getVisitor(identity.visitorId),
    siteSettings(deps, identity.siteId),
  ]);
  // Only departments the widget offers (never a silent one).
  if (frame.department && !(await visitorDepartments(deps, identity.siteId, operators)).includes(frame.department)) {
    throw new BadRequestError('department: no such department');
  }

  // Duplicates first (a retry must not use up the visitor's allowance): the same submission
  // (clientMsgId), or the same text to the same address within a few minutes.
  let id = deps.ids.next();
  const guards: { key: string; windowMs: number }[] = [
    ...(frame.clientMsgId
      ? [{ key: `c:${sha(frame.clientMsgId)}`, windowMs: OFFLINE_LIMITS.clientMsgIdWindowMs }]
      : []),
    { key: `t:${sha(`${email.toLowerCase()}\n${text}`)}`, windowMs: OFFLINE_LIMITS.duplicateWindowMs },
  ];
  const taken: string[] = [];
  const release = () => Promise.all(taken.map((k) => deps.offline.releaseOfflineDedupe(identity.visitorId, k)));
  for (const g of guards) {
    const claim = await deps.offline.claimOfflineDedupe(identity.visitorId, g.key, id, now, g.windowMs);
    if (!claim.claimed) {
      if (await deps.offline.getOfflineMessage(claim.messageId)) {
        await release();
        await ack(deps, caller, claim.messageId);
        return;
      }
      // Claimed by an attempt that has not stored its message (still running, or it died between
      // the two writes): carry on under its id, so the two end as one stored message.
      id = claim.messageId;
      continue;
    }
    taken.push(g.key);
  }

  // The address the authorizer read at connect (no connection record to look up).
  const ip = caller.enrichment?.ip;
  const limits: [string, number][] = [
    [`offline#visitor#${identity.visitorId}`, OFFLINE_LIMITS.perVisitorPerHour],
    // Hashed: the counter never stores the address itself (IP truncation and retention hold).
    ...(ip ? ([[`offline#ip#${sha(ip)}`, OFFLINE_LIMITS.perIpPerHour]] as [string, number][]) : []),
    [`offline#site#${identity.siteId}`, OFFLINE_LIMITS.perSitePerHour],
  ];
  for (const [key, max] of limits) {
    if (!(await deps.offline.takeRate(key, max, HOUR, now))) {
      await release();
      throw new RateLimitedError('too many messages; please try again later');
    }
  }

  const record: OfflineMessageRecord = {
    id,
    siteId: identity.siteId,
    visitorId: identity.visitorId,
    name,
    email,
    text,
    ...(frame.department ? { department: frame.department } : {}),
    // The reply e-mail speaks the visitor's language.
    ...(visitor?.lang ? { lang: visitor.lang } : {}),
    status: 'new',
    createdAt: now,
    // Kept as long as the site keeps what it knows about visitors (TTL).
    expiresAt: now + settings.console.retentionDays * 86_400_000,
    replies: [],
    mailedTo: [],
  };
  let stored: boolean;
  try {
    stored = await deps.offline.putOfflineMessage(record);
  } catch (err) {
    await release().catch(() => undefined);
    throw err;
  }
  // Its twin stored it first: the same message.
  if (!stored) return ack(deps, caller, id);
  telemetryOf(deps).count('OfflineMessages', identity.siteId);
  // Stored: from here on nothing is lost. The mail goes out asynchronously (retried, DLQ).
  // A failed publish leaves the message listed (mailedAt absent) rather than failing the visitor.
  await deps.events?.publish(OFFLINE_RECEIVED, { siteId: identity.siteId, messageId: id }).catch(() => undefined);
  await ack(deps, caller, id);
  await announceOfflineMessage(deps, record, operators);
}

async function ack(deps: Deps, caller: Caller, messageId: string): Promise<void> {
  await deliver(
    deps,
    [caller.connectionId],
    withReqId({ type: 'ack' as const, action: 'leave-message', messageId }, caller.reqId),
  );
}

/**
 * `offline-message` to every console whose operator may see it, each with their own count: when
 * a message arrives, and when one is handled or answered (consoles replace it by id).
 */
export async function announceOfflineMessage(
  deps: OfflineDeps,
  message: OfflineMessageRecord,
  operators?: OperatorRecord[],
): Promise<void> {
  const [conns, ops, news] = await Promise.all([
    deps.store.operatorConnections(message.siteId),
    operators ?? deps.store.siteOperators(message.siteId),
    deps.offline.newOfflineMessages(message.siteId, 1000),
  ]);
  const byId = new Map(ops.map((o) => [o.operatorId, o]));
  const perOperator = new Map<string, string[]>();
  for (const c of conns) {
    const op = c.operatorId ? byId.get(c.operatorId) : undefined;
    if (!op || !mayHandleOffline(op, message)) continue;
    perOperator.set(op.operatorId, [...(perOperator.get(op.operatorId) ?? []), c.connectionId]);
  }
  const view = offlineView(message);
  await Promise.all(
    [...perOperator].map(([operatorId, ids]) => {
      const frame: OfflineMessageEvent = {
        type: 'offline-message',
        message: view,
        newCount: countVisible(byId.get(operatorId)!, news),
      };
      return deliver(deps, ids, frame);
    }),
  );
}

/** A message the operator may see, or not-found (no probing for other departments' ids). */
async function visibleMessage(deps: OfflineDeps, op: OperatorRecord, id: string): Promise<OfflineMessageRecord> {
  const message = id ? await deps.offline.getOfflineMessage(id) : undefined;
  if (!message || !mayHandleOffline(op, message)) throw new NotFoundError('no such offline message');
  return message;
}

export function parseOfflineStatus(raw: string | undefined): OfflineMessageStatus {
  if (raw === undefined || raw === '') return 'new';
  if (raw === 'new' || raw === 'handled') return raw;
  throw new BadRequestError('status must be new or handled');
}

export async function listOfflineMessages(
  base: Deps,
  op: OperatorRecord,
  query: { status?: string; cursor?: string; limit?: string },
): Promise<OfflineMessagePage> {
  const deps = requireOffline(base);
  const status = parseOfflineStatus(query.status);
  let limit: number = OFFLINE_LIMITS.pageSize;
  if (query.limit !== undefined) {
    limit = Number(query.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new BadRequestError('limit must be 1 to 200');
  }
  const departments = visibleDepartments(op);
  const page = await deps.offline.listOfflineMessages({
    siteId: op.siteId,
    status,
    limit,
    ...(query.cursor ? { cursor: query.cursor } : {}),
    ...(departments ? { departments } : {}),
  });
  return { messages: page.messages.map(offlineView), ...(page.next ? { next: page.next } : {}) };
}

const refOf = (op: OperatorRecord): OperatorRef => ({ id: op.operatorId, name: op.name });

/** Marks it handled once; a second call (or a colleague's, concurrently) gets the first one's record. */
export async function markOfflineHandled(base: Deps, op: OperatorRecord, id: string): Promise<OfflineMessage> {
  const deps = requireOffline(base);
  await visibleMessage(deps, op, id);
  const result = await deps.offline.markOfflineHandled(id, refOf(op), deps.clock.now());
  if (!result) throw new NotFoundError('no such offline message');
  if (result.changed) await announceChange(deps, result.message);
  return offlineView(result.message);
}

/**
 * An operator's e-mail reply to the visitor's address: allowed because an operator writes it,
 * once per call, rate limited per operator and per message. Recorded (and the message handled)
 * before the mail function sends it.
 */
export async function replyToOfflineMessage(
  base: Deps,
  op: OperatorRecord,
  id: string,
  text: string,
): Promise<OfflineMessage> {
  const deps = requireOffline(base);
  const message = await visibleMessage(deps, op, id);
  if (!deps.events) throw new ConflictError('e-mail is not configured');
  if (message.replies.length >= OFFLINE_LIMITS.repliesPerMessage) {
    throw new RateLimitedError(`at most ${OFFLINE_LIMITS.repliesPerMessage} replies per message`);
  }
  const now = deps.clock.now();
  if (
    !(await deps.offline.takeRate(
      `offline-reply#${op.operatorId}`,
      OFFLINE_LIMITS.repliesPerOperatorPerHour,
      HOUR,
      now,
    ))
  ) {
    throw new RateLimitedError('too many replies; please try again later');
  }
  const reply = { id: deps.ids.next(), text: text.trim(), by: refOf(op), at: now };
  const updated = await deps.offline.addOfflineReply(id, reply, OFFLINE_LIMITS.repliesPerMessage);
  if (!updated) throw new RateLimitedError(`at most ${OFFLINE_LIMITS.repliesPerMessage} replies per message`);
  await deps.events.publish(OFFLINE_REPLY, { siteId: op.siteId, messageId: id, replyId: reply.id });
  await announceChange(deps, updated);
  return offlineView(updated);
}

/** Colleagues' consoles follow a change (handled, replied); the change itself is already stored. */
async function announceChange(deps: OfflineDeps, message: OfflineMessageRecord): Promise<void> {
  await announceOfflineMessage(deps, message).catch(() => undefined);
}

// ---- the mail function's side ----

function stamp(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 16);
}

export function renderOfflineNotification(m: OfflineMessageRecord, siteName: string) {
  const subject = `[${siteName}] Message from ${m.name}${m.department ? ` (${m.department})` : ''}`;
  const facts = [
    `From: ${m.name} <${m.email}>`,
    ...(m.department ? [`Department: ${m.department}`] : []),
    `Left: ${stamp(m.createdAt)} UTC`,
  ];
  const text = [
    `A visitor left a message while no operator was available.`,
    '',
    ...facts,
    '',
    m.text,
    '',
    'Reply from the console (Message Queue) so the reply is recorded.',
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827"><p>A visitor left a message while no operator was available.</p><p>${facts
    .map(escapeHtml)
    .join(
      '<br>',
    )}</p><blockquote style="white-space:pre-wrap;border-left:3px solid #d1d5db;margin:0;padding:4px 12px">${escapeHtml(
    m.text,
  )}</blockquote><p style="color:#6b7280;font-size:12px">Reply from the console (Message Queue) so the reply is recorded.</p></body></html>`;
  return { subject, text, html };
}

/**
 * The team's own operators (enabled, with an address): the department's when it has any,
 * otherwise everyone (an unstaffed department must not swallow the message).
 */
export function offlineRecipients(message: { department?: string }, operators: OperatorRecord[]): string[] {
  const enabled = operators.filter((o) => !o.disabled && o.email);
  const dept = message.department ? enabled.filter((o) => (o.departments ?? []).includes(message.department!)) : [];
  const chosen = dept.length ? dept : enabled;
  return [...new Set(chosen.map((o) => o.email.toLowerCase()))];
}

/**
 * Mails a stored message to its operators. Idempotent: addresses already mailed are skipped, so
 * a retried or redelivered event sends each operator one mail. Throws when any send failed, after
 * trying the others, so the event is retried; the stored message is never touched by a failure.
 */
export async function mailOfflineMessage(
  base: Pick<Deps, 'store' | 'clock' | 'offline'>,
  mailer: Mailer,
  request: { messageId: string },
  siteName?: string,
): Promise<{ sent: string[] }> {
  const offline = base.offline;
  if (!offline) throw new Error('offline message storage is not wired');
  const message = await offline.getOfflineMessage(request.messageId);
  if (!message) return { sent: [] }; // nothing to deliver (never stored, or deleted by privacy tools)
  if (message.mailedAt) return { sent: [] };
  const recipients = offlineRecipients(message, await base.store.siteOperators(message.siteId));
  const done = new Set(message.mailedTo.map((e) => e.toLowerCase()));
  const name = siteName ?? siteNameOf(await siteSettings(base, message.siteId), message.siteId);
  const mail = renderOfflineNotification(message, name);
  const sent: string[] = [];
  const failures: unknown[] = [];
  for (const to of recipients) {
    if (done.has(to)) continue;
    try {
      await mailer.send({ to, ...mail, replyTo: message.email, fromName: name });
      sent.push(to);
      await offline.recordOfflineMailed(message.id, to);
    } catch (err) {
      failures.push(err);
    }
  }
  if (failures.length) {
    throw new Error(`offline message ${message.id}: ${failures.length} of ${recipients.length} mails failed`, {
      cause: failures[0],
    });
  }
  await offline.finishOfflineMailing(message.id, base.clock.now());
  return { sent };
}

export function renderOfflineReply(
  m: OfflineMessageRecord,
  reply: { text: string; by: OperatorRef },
  siteName: string,
  t: ServerTexts = SERVER_TEXTS.en,
) {
  const subject = t.replySubject(siteName);
  const quoted = m.text
    .split('\n')
    .map((l) => `> ${l}`)
    .join('\n');
  const text = [
    reply.text,
    '',
    `— ${reply.by.name}, ${siteName}`,
    '',
    t.replyWrote(m.name, stamp(m.createdAt)),
    quoted,
  ].join('\n');
  const html = `<!doctype html><html><body style="font-family:system-ui,sans-serif;color:#111827"><div style="white-space:pre-wrap">${escapeHtml(
    reply.text,
  )}</div><p>— ${escapeHtml(reply.by.name)}, ${escapeHtml(siteName)}</p><blockquote style="white-space:pre-wrap;color:#6b7280;border-left:3px solid #d1d5db;margin:0;padding:4px 12px">${escapeHtml(
    m.text,
  )}</blockquote></body></html>`;
  return { subject, text, html };
}

/** Sends an operator's recorded reply to the message's own address, once (sentAt recorded). */
export async function mailOfflineReply(
  base: Pick<Deps, 'store' | 'clock' | 'offline'>,
  mailer: Mailer,
  request: { messageId: string; replyId: string },
): Promise<boolean> {
  const offline = base.offline;
  if (!offline) throw new Error('offline message storage is not wired');
  const message = await offline.getOfflineMessage(request.messageId);
  const reply = message?.replies.find((r) => r.id === request.replyId);
  if (!message || !reply || reply.sentAt) return false;
  // To the visitor: in their language, signed and sent with the site's name.
  const settings = await siteSettings(base, message.siteId);
  const siteName = siteNameOf(settings, message.siteId);
  const t = textsFor(settings.widget.lang, message.lang);
  await mailer.send({ to: message.email, ...renderOfflineReply(message, reply, siteName, t), fromName: siteName });
  await offline.markOfflineReplySent(message.id, reply.id, base.clock.now());
  return true;
}
