/**
 * The wire protocol (docs/protocol.md). Client frames carry `action`, server frames carry `type`.
 * zod schemas validate every client frame at the edge; the widget and the console import types only.
 * zod/mini (the tree-shakable build) keeps every Lambda bundle small.
 */

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { LIMITS } from './limits.js';

// zod/mini ships no messages by default; error frames should say what is wrong, in English.
z.config(en());

const text = (max: number) => z.string().check(z.maxLength(max));
const id = z.string().check(z.minLength(1), z.maxLength(LIMITS.id));
const reqId = z.optional(z.string().check(z.maxLength(LIMITS.id)));

/** Control characters other than tab/newline are refused in free text. */
const freeText = (max: number) =>
  z.string().check(
    z.minLength(1),
    z.maxLength(max),
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    z.refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'control characters are not allowed'),
    z.refine((s) => s.trim().length > 0, 'must not be blank'),
  );

/**
 * Names an object's prototype answers to: as keys they are dropped silently (`__proto__`) or make
 * the map unstorable (a `constructor` key hides Object's, and the DynamoDB marshaller then refuses
 * the map), so they are refused here.
 */
const RESERVED_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const customKey = z.string().check(
  z.minLength(1),
  z.maxLength(LIMITS.customKey),
  z.refine((k) => !RESERVED_KEYS.has(k), 'this name is reserved'),
);

export const customInfoSchema = z
  .record(customKey, text(LIMITS.customValue))
  .check(z.refine((r) => Object.keys(r).length <= LIMITS.customFields, `at most ${LIMITS.customFields} custom fields`));

export const pageViewSchema = z.object({
  action: z.literal('page-view'),
  reqId,
  /** A single-page-app route change on the same page load (history API). */
  spa: z.optional(z.boolean()),
  /** A reconnect on the page already viewed: presence only, not another page view. */
  resume: z.optional(z.boolean()),
  url: z.url().check(z.maxLength(LIMITS.url)),
  title: z._default(text(LIMITS.title), ''),
  referrer: z.optional(text(LIMITS.url)),
  lang: z.optional(text(35)),
  screen: z.optional(
    z.object({
      w: z.int().check(z.minimum(0), z.maximum(100000)),
      h: z.int().check(z.minimum(0), z.maximum(100000)),
    }),
  ),
  custom: z.optional(customInfoSchema),
  /**
   * At connect only (`pv`): the digest of the welcome the widget already holds
   * (protocol/welcome-digest.ts); the server sends no welcome when its own would be the same.
   */
  known: z.optional(z.string().check(z.maxLength(16))),
});

/** `parley('set', {...})` on the page: custom visitor information, merged into what is known. */
export const visitorInfoSchema = z.object({
  action: z.literal('visitor-info'),
  reqId,
  custom: customInfoSchema,
});

export const chatRequestSchema = z.object({
  action: z.literal('chat-request'),
  reqId,
  name: z.optional(text(LIMITS.name)),
  email: z.optional(z.union([z.email().check(z.maxLength(LIMITS.email)), z.literal('')])),
  department: z.optional(text(LIMITS.id)),
  text: z.optional(text(LIMITS.chatText)),
});

export const chatMessageSchema = z.object({
  action: z.literal('chat-message'),
  reqId,
  chatId: id,
  text: freeText(LIMITS.chatText),
  clientMsgId: id,
});

export const typingSchema = z.object({
  action: z.literal('typing'),
  reqId,
  chatId: id,
  typing: z._default(z.boolean(), true),
  preview: z.optional(text(LIMITS.typingPreview)),
});

export const endChatSchema = z.object({ action: z.literal('end-chat'), reqId, chatId: id });

export const syncSchema = z.object({
  action: z.literal('sync'),
  reqId,
  chatId: id,
  afterSeq: z.int().check(z.minimum(0)),
});

export const inviteSchema = z.object({
  action: z.literal('invite'),
  reqId,
  visitorId: id,
  /** Empty or absent: the site's default invitation. */
  text: z.optional(text(LIMITS.chatText)),
});

export const inviteResponseSchema = z.object({
  action: z.literal('invite-response'),
  reqId,
  inviteId: id,
  accept: z.boolean(),
  name: z.optional(text(LIMITS.name)),
});

export const autoInvitationRuleSchema = z.object({
  id: id,
  enabled: z.boolean(),
  priority: z.int().check(z.minimum(0), z.maximum(1000)),
  delaySeconds: z.int().check(z.minimum(0), z.maximum(24 * 60 * 60)),
  scope: z.enum(['site', 'page']),
  urlPattern: z.optional(text(LIMITS.url)),
  fromSearch: z.optional(z.boolean()),
  searchEngines: z.optional(z.array(text(40)).check(z.maxLength(30))),
  languages: z.optional(z.array(text(35)).check(z.maxLength(30))),
  returning: z.optional(z.boolean()),
  minPageViews: z.optional(z.int().check(z.minimum(0), z.maximum(10000))),
  text: freeText(LIMITS.chatText),
  onlyWhenOperatorAvailable: z.boolean(),
});
export const autoInvitationRulesSchema = z.array(autoInvitationRuleSchema).check(z.maxLength(50));

export const tagVisitorSchema = z.object({
  action: z.literal('tag-visitor'),
  reqId,
  visitorId: id,
  /** null clears the tag. */
  tag: z.nullable(z.enum(['prospect', 'customer', 'frequent', 'subscriber', 'unwelcome'])),
});

export const noteVisitorSchema = z.object({
  action: z.literal('note-visitor'),
  reqId,
  visitorId: id,
  text: freeText(LIMITS.note),
});

export const helloSchema = z.object({ action: z.literal('hello'), reqId });

export const operatorStatusSchema = z.enum(['online', 'away', 'offline']);
export const setStatusSchema = z.object({ action: z.literal('set-status'), reqId, status: operatorStatusSchema });

export const acceptSchema = z.object({ action: z.literal('accept'), reqId, chatId: id });
export const declineSchema = z.object({ action: z.literal('decline'), reqId, chatId: id });
export const transferSchema = z
  .object({
    action: z.literal('transfer'),
    reqId,
    chatId: id,
    toOperatorId: z.optional(id),
    toDepartment: z.optional(id),
  })
  .check(z.refine((f) => !!f.toOperatorId !== !!f.toDepartment, 'give either toOperatorId or toDepartment'));
export const addOperatorSchema = z.object({ action: z.literal('add-operator'), reqId, chatId: id, operatorId: id });
export const leaveChatSchema = z.object({ action: z.literal('leave-chat'), reqId, chatId: id });
export const holdSchema = z.object({ action: z.literal('hold'), reqId, chatId: id, on: z.boolean() });
export const transcriptSchema = z.object({
  action: z.literal('transcript'),
  reqId,
  chatId: id,
  email: z.email().check(z.maxLength(LIMITS.email)),
});

/** A visitor leaves a message when nobody can chat (docs/protocol.md, "Offline messages"). */
export const leaveMessageSchema = z.object({
  action: z.literal('leave-message'),
  reqId,
  name: freeText(LIMITS.name),
  email: z.email().check(z.maxLength(LIMITS.email)),
  text: freeText(LIMITS.offlineText),
  /** One of the site's departments (refused when unknown). */
  department: z.optional(id),
  /** Makes a retry idempotent (the widget sends one per form submission). */
  clientMsgId: z.optional(id),
});
export type LeaveMessageFrame = z.infer<typeof leaveMessageSchema>;

/** Body of POST /api/offline-messages/{id}/reply. */
export const offlineReplySchema = z.object({ text: freeText(LIMITS.offlineReply) });
/** `status` of GET /api/offline-messages. */
export const offlineStatusSchema = z.enum(['new', 'handled']);

/** Actions a visitor connection may send, and actions an operator connection may send. */
export const VISITOR_ACTIONS = [
  'page-view',
  'visitor-info',
  'chat-request',
  'chat-message',
  'typing',
  'end-chat',
  'sync',
  'transcript',
  'invite-response',
  'leave-message',
] as const;
export const OPERATOR_ACTIONS = [
  'hello',
  'set-status',
  'accept',
  'decline',
  'transfer',
  'add-operator',
  'leave-chat',
  'hold',
  'transcript',
  'invite',
  'tag-visitor',
  'note-visitor',
  'chat-message',
  'typing',
  'end-chat',
  'sync',
] as const;

export type PageViewFrame = z.infer<typeof pageViewSchema>;
export type VisitorInfoFrame = z.infer<typeof visitorInfoSchema>;
export type TagVisitorFrame = z.infer<typeof tagVisitorSchema>;
export type NoteVisitorFrame = z.infer<typeof noteVisitorSchema>;
export type ChatRequestFrame = z.infer<typeof chatRequestSchema>;
export type ChatMessageFrame = z.infer<typeof chatMessageSchema>;
export type TypingFrame = z.infer<typeof typingSchema>;
export type EndChatFrame = z.infer<typeof endChatSchema>;
export type SyncFrame = z.infer<typeof syncSchema>;
export type HelloFrame = z.infer<typeof helloSchema>;
export type SetStatusFrame = z.infer<typeof setStatusSchema>;
export type AcceptFrame = z.infer<typeof acceptSchema>;
export type DeclineFrame = z.infer<typeof declineSchema>;
export type TransferFrame = z.infer<typeof transferSchema>;
export type InviteFrame = z.infer<typeof inviteSchema>;
export type InviteResponseFrame = z.infer<typeof inviteResponseSchema>;
export type AddOperatorFrame = z.infer<typeof addOperatorSchema>;
export type LeaveChatFrame = z.infer<typeof leaveChatSchema>;
export type HoldFrame = z.infer<typeof holdSchema>;
export type TranscriptFrame = z.infer<typeof transcriptSchema>;
export type OperatorStatus = z.infer<typeof operatorStatusSchema>;

/** Body of PUT /api/me/preferences. */
export const preferencesSchema = z.object({
  newVisitorSound: z.boolean(),
  /** The operator's own display name (%name% in greetings and invitations); omitted: unchanged. */
  name: z.optional(freeText(LIMITS.name)),
});

/** Body of POST /api/canned and PUT /api/canned/{id}. */
export const cannedSchema = z.object({
  scope: z.enum(['shared', 'personal']),
  title: z.string().check(z.minLength(1), z.maxLength(80)),
  text: freeText(LIMITS.chatText),
  shortcut: z.optional(z.string().check(z.regex(/^[a-z0-9-]{1,20}$/, 'letters, digits and dashes, at most 20'))),
});

/** Languages the widget has labels for (widget/i18n.ts); '' follows the page. */
export const WIDGET_LANGUAGES = ['en', 'pl'] as const;
const hexColor = z.string().check(z.regex(/^#[0-9a-fA-F]{6}$/, 'a colour as #rrggbb'));
/** May be empty; no control characters (a newline only where `lines`). */
const label = (max: number, lines = false) =>
  z.string().check(
    z.maxLength(max),
    z.refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
      (s) => !(lines ? /[\u0000-\u0009\u000b-\u001f\u007f]/ : /[\u0000-\u001f\u007f]/).test(s),
      'control characters are not allowed',
    ),
  );

/** The widget's appearance (part of PUT /api/settings). */
export const widgetSettingsSchema = z.object({
  greeting: label(300, true),
  color: hexColor,
  textColor: hexColor,
  buttonText: label(40),
  position: z.enum(['right', 'left']),
  vertical: z.enum(['bottom', 'top']),
  lang: z.enum(['', ...WIDGET_LANGUAGES]),
});

/** Body of PUT /api/settings (admins). */
export const settingsSchema = z.object({
  /** Omitted: the widget's appearance stays as it is. */
  widget: z.optional(widgetSettingsSchema),
  maxChatsPerOperator: z.int().check(z.minimum(1), z.maximum(50)),
  dropAssignmentOnEnd: z.boolean(),
  queueTimeoutMs: z.int().check(z.minimum(10_000), z.maximum(60 * 60_000)),
  acceptGreeting: text(LIMITS.chatText),
  operatorGraceMs: z.int().check(z.minimum(5_000), z.maximum(30 * 60_000)),
  invitationText: freeText(LIMITS.chatText),
  departedGraceMs: z.int().check(z.minimum(5_000), z.maximum(10 * 60_000)),
  departedVisibleMs: z.int().check(z.minimum(60_000), z.maximum(24 * 60 * 60_000)),
  truncateIp: z.boolean(),
  retentionDays: z.int().check(z.minimum(1), z.maximum(3650)),
  /** Omitted: unchanged; '': the default (the site id). */
  siteName: z.optional(label(80).check(z.refine((s) => s === '' || s.trim().length > 0, 'must not be blank'))),
  typingPreview: z.optional(z.boolean()),
  /** 0 (never) or 1 to 240 minutes. */
  autoAwayMs: z.optional(
    z.int().check(z.refine((ms) => ms === 0 || (ms >= 60_000 && ms <= 240 * 60_000), 'must be 0 or 1 to 240 minutes')),
  ),
});

/** Body of POST /api/ws-ticket has no fields; the reply is a TicketResponse. */
export interface TicketResponse {
  ticket: string;
  expiresAt: number;
}
