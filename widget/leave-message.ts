/**
 * The leave-a-message form's state, without UI: validation, the `leave-message` frame (one
 * clientMsgId per submission, so a retry after a dropped socket is not a second message), the
 * server's answer, and when the queue has been too long (the server's `offerMessageInMs` hint).
 */
import { LIMITS } from '../functions/protocol/limits.js';
import { randomId } from './core/ids.js';
import type { ChatHost, HostEvent } from './host.js';
import type { Labels } from './i18n.js';

export interface LeaveMessageInput {
  name: string;
  email: string;
  text: string;
  department?: string;
}

export type LeaveMessageErrors = Partial<Record<'name' | 'email' | 'text', string>>;

export interface LeaveMessageState {
  phase: 'edit' | 'sending' | 'sent';
  /** Where the confirmation says the reply goes. */
  sentTo?: string;
  /** The server refused or the socket is down: shown above the button. */
  failure?: string;
  /** Departments offered (from the welcome). */
  departments: string[];
  /** Epoch ms when the queued chat should offer the form (from the server's hint), if known. */
  offerAt?: number;
}

/** A pragmatic check (the server validates properly): something@something.tld, no spaces. */
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function validateLeaveMessage(input: LeaveMessageInput, L: Labels): LeaveMessageErrors {
  const errors: LeaveMessageErrors = {};
  if (!input.name.trim()) errors.name = L.offlineErrName;
  if (!EMAIL.test(input.email.trim()) || input.email.trim().length > LIMITS.email) errors.email = L.offlineErrEmail;
  if (!input.text.trim()) errors.text = L.offlineErrText;
  return errors;
}

export class LeaveMessage {
  state: LeaveMessageState = { phase: 'edit', departments: [] };
  private readonly listeners = new Set<() => void>();
  private reqId: string | undefined;
  private clientMsgId = randomId();

  constructor(private readonly host: Pick<ChatHost, 'send' | 'labels'>) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<LeaveMessageState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  /** Sends the message if it is valid; returns the problems to show next to the fields. */
  submit(input: LeaveMessageInput): LeaveMessageErrors {
    const L = this.host.labels;
    const errors = validateLeaveMessage(input, L);
    if (Object.keys(errors).length || this.state.phase === 'sending') return errors;
    const email = input.email.trim();
    const reqId = this.host.send({
      action: 'leave-message',
      name: input.name.trim().slice(0, LIMITS.name),
      email,
      text: input.text.trim().slice(0, LIMITS.offlineText),
      department: input.department || undefined,
      clientMsgId: this.clientMsgId,
    });
    if (!reqId) {
      this.set({ failure: L.reconnecting });
      return {};
    }
    this.reqId = reqId;
    this.set({ phase: 'sending', sentTo: email, failure: undefined });
    return {};
  }

  /** After a confirmation: a fresh form (and a fresh clientMsgId). */
  again(): void {
    this.clientMsgId = randomId();
    this.set({ phase: 'edit', failure: undefined });
  }

  handle(e: HostEvent): void {
    const L = this.host.labels;
    switch (e.type) {
      case 'welcome':
        if (e.role === 'visitor') {
          this.set({
            departments: Array.isArray(e.departments) ? e.departments.filter((d) => typeof d === 'string') : [],
            offerAt: this.offerAtFor(e.chat),
          });
        }
        break;
      case 'chat-update':
        this.set({ offerAt: this.offerAtFor(e.chat) });
        break;
      case 'close':
        // The answer will not come on a new socket; the same clientMsgId makes a retry safe.
        if (this.state.phase === 'sending') this.set({ phase: 'edit', failure: L.reconnecting });
        this.reqId = undefined;
        break;
      case 'ack':
        if (e.reqId && e.reqId === this.reqId) {
          this.reqId = undefined;
          this.clientMsgId = randomId();
          this.set({ phase: 'sent' });
        }
        break;
      case 'error':
        if (e.reqId && e.reqId === this.reqId) {
          this.reqId = undefined;
          this.set({
            phase: 'edit',
            failure: e.code === 'rate-limited' ? L.errors.rateLimited : L.errors.generic,
          });
        }
        break;
    }
  }

  private offerAtFor(chat: { status: string; offerMessageInMs?: number } | undefined): number | undefined {
    if (chat?.status !== 'queued') return undefined;
    if (typeof chat.offerMessageInMs === 'number') return Date.now() + Math.max(0, chat.offerMessageInMs);
    return this.state.offerAt;
  }
}
