/**
 * The wire protocol (docs/protocol.md). Client frames carry `action`, server frames carry `type`.
 * zod schemas validate every client frame at the edge; the widget and the console import types only.
 */
import { z } from 'zod';
import { LIMITS } from './limits.js';

const text = (max: number) => z.string().max(max);
const id = z.string().min(1).max(LIMITS.id);
const reqId = z.string().max(LIMITS.id).optional();

/** Control characters other than tab/newline are refused in free text. */
const freeText = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'control characters are not allowed')
    .refine((s) => s.trim().length > 0, 'must not be blank');

export const pageViewSchema = z.object({
  action: z.literal('page-view'),
  reqId,
  url: z.string().url().max(LIMITS.url),
  title: text(LIMITS.title).default(''),
  referrer: text(LIMITS.url).optional(),
  lang: text(35).optional(),
  screen: z.object({ w: z.number().int().min(0).max(100000), h: z.number().int().min(0).max(100000) }).optional(),
  custom: z
    .record(text(LIMITS.customKey), text(LIMITS.customValue))
    .refine((r) => Object.keys(r).length <= LIMITS.customFields, `at most ${LIMITS.customFields} custom fields`)
    .optional(),
});

export const chatRequestSchema = z.object({
  action: z.literal('chat-request'),
  reqId,
  name: text(LIMITS.name).optional(),
  email: z.string().email().max(LIMITS.email).optional().or(z.literal('')),
  department: text(LIMITS.id).optional(),
  text: text(LIMITS.chatText).optional(),
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
  typing: z.boolean().default(true),
  preview: text(LIMITS.typingPreview).optional(),
});

export const endChatSchema = z.object({ action: z.literal('end-chat'), reqId, chatId: id });

export const syncSchema = z.object({
  action: z.literal('sync'),
  reqId,
  chatId: id,
  afterSeq: z.number().int().min(0),
});

export const helloSchema = z.object({ action: z.literal('hello'), reqId });

export const operatorStatusSchema = z.enum(['online', 'away', 'offline']);
export const setStatusSchema = z.object({ action: z.literal('set-status'), reqId, status: operatorStatusSchema });

export const acceptSchema = z.object({ action: z.literal('accept'), reqId, chatId: id });
export const declineSchema = z.object({ action: z.literal('decline'), reqId, chatId: id });
export const transferSchema = z.object({ action: z.literal('transfer'), reqId, chatId: id, toOperatorId: id });

/** Actions a visitor connection may send, and actions an operator connection may send. */
export const VISITOR_ACTIONS = ['page-view', 'chat-request', 'chat-message', 'typing', 'end-chat', 'sync'] as const;
export const OPERATOR_ACTIONS = [
  'hello',
  'set-status',
  'accept',
  'decline',
  'transfer',
  'chat-message',
  'typing',
  'end-chat',
  'sync',
] as const;

export type PageViewFrame = z.infer<typeof pageViewSchema>;
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
export type OperatorStatus = z.infer<typeof operatorStatusSchema>;

/** Body of POST /api/ws-ticket has no fields; the reply is a TicketResponse. */
export interface TicketResponse {
  ticket: string;
  expiresAt: number;
}
