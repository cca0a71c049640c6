/**
 * The visitor's chat, without any UI: what the window shows (state) and which frames it sends.
 * chat.tsx renders `state`; unit tests drive it with a fake host.
 */
import type { ChatMessage, ChatSummary, ErrorCode, InvitationEvent } from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import { randomId } from './core/ids.js';
import {
  confirmPending,
  hasGap,
  mergeMessages,
  type PendingMessage,
  SyncTracker,
  syncPoint,
  TypingThrottle,
} from './core/thread.js';
import type { ChatHost, HostEvent } from './host.js';

export interface VisitorChatState {
  /** The window is shown (not minimised). */
  visible: boolean;
  connected: boolean;
  operatorsOnline: number;
  greeting?: string;
  /** The visitor may not start a chat (the server says so in its welcome): the window explains instead. */
  chatBlocked: boolean;
  /** `prechat`: the name + Start chat form; `chat`: status line, messages, input. */
  step: 'prechat' | 'chat';
  /** A chat-request was sent and no chat-update has answered yet. */
  requesting: boolean;
  chat?: ChatSummary;
  messages: ChatMessage[];
  pending: PendingMessage[];
  typing?: { name: string; until: number };
  notice?: { text: string; at: number };
  unread: number;
  /** The visitor asked for the transcript by e-mail: where, and what became of it. */
  transcript?: { email: string; state: TranscriptState };
  /**
   * An operator's invitation on show (the popup); `askName` once Start Chat was pressed; `restored`
   * when it was brought along from the previous page (it rang there already).
   */
  invitation?: ShownInvitation;
}

export type TranscriptState = 'sending' | 'sent' | 'already' | 'error';

export type ShownInvitation = Omit<InvitationEvent, 'type' | 'reqId'> & { askName: boolean; restored?: boolean };

/** An unanswered invitation follows the visitor to the next page of the site (this tab), for a while. */
export const INVITATION_KEPT_MS = 10 * 60_000;
export const invitationKey = (site: string) => `parley:invite:${site}`;

function keepInvitation(site: string, inv: ShownInvitation | undefined): void {
  try {
    if (inv) {
      const { inviteId, text, operatorName, auto } = inv;
      sessionStorage.setItem(
        invitationKey(site),
        JSON.stringify({ inviteId, text, operatorName, auto, at: Date.now() }),
      );
    } else sessionStorage.removeItem(invitationKey(site));
  } catch {
    /* no storage: the invitation lives on this page only */
  }
}

function keptInvitation(site: string): ShownInvitation | undefined {
  try {
    const raw = JSON.parse(sessionStorage.getItem(invitationKey(site)) || 'null');
    if (!raw || typeof raw.inviteId !== 'string' || !(Date.now() - Number(raw.at) < INVITATION_KEPT_MS))
      return undefined;
    return {
      inviteId: raw.inviteId,
      text: String(raw.text ?? ''),
      operatorName: String(raw.operatorName ?? ''),
      auto: raw.auto === true,
      askName: false,
      restored: true,
    };
  } catch {
    return undefined;
  }
}

/**
 * After this long in the queue the visitor is offered to leave a message instead. The site's own
 * value (settings.queueTimeoutMs) is console-only; this is its default.
 */
export const QUEUE_TIMEOUT_MS = 120_000;

/**
 * How long a queued chat has waited (server time of the request against the visitor's clock, never
 * negative), and whether it is time to offer a message instead.
 */
export function queueWait(chat: Pick<ChatSummary, 'status' | 'createdAt'> | undefined, now: number) {
  const waitedMs = chat?.status === 'queued' ? Math.max(0, now - chat.createdAt) : 0;
  return { waitedMs, tooLong: waitedMs >= QUEUE_TIMEOUT_MS };
}

export type ChatHostLike = Pick<ChatHost, 'send' | 'connected' | 'labels' | 'site' | 'showButton' | 'setBadge'>;

/** Storage for pending messages, so a message sent just before a page change is not lost. */
export interface PendingStore {
  load(): PendingMessage[];
  save(pending: PendingMessage[]): void;
}

export function sessionPendingStore(site: string): PendingStore {
  const key = `parley:pending:${site}`;
  return {
    load() {
      try {
        const raw = sessionStorage.getItem(key);
        const list = raw ? JSON.parse(raw) : [];
        return Array.isArray(list)
          ? list.filter((p) => p && typeof p.clientMsgId === 'string' && typeof p.text === 'string')
          : [];
      } catch {
        return [];
      }
    },
    save(pending) {
      try {
        const keep = pending
          .filter((p) => !p.failed)
          .map(({ chatId, clientMsgId, text, at }) => ({ chatId, clientMsgId, text, at }));
        if (keep.length) sessionStorage.setItem(key, JSON.stringify(keep));
        else sessionStorage.removeItem(key);
      } catch {
        /* storage blocked: pending messages live in memory only */
      }
    },
  };
}

/** Error codes after which resending the same message cannot succeed. */
const FINAL_ERRORS: ReadonlySet<ErrorCode> = new Set([
  'bad-request',
  'forbidden',
  'not-found',
  'chat-ended',
  'bad-json',
]);
const TYPING_SHOWN_MS = 7000;

export class VisitorChat {
  state: VisitorChatState;
  private readonly listeners = new Set<() => void>();
  private readonly syncs = new SyncTracker();
  private readonly typingOut: TypingThrottle;
  private requestReqId: string | undefined;
  private transcriptReqId: string | undefined;
  private typingTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly host: ChatHostLike,
    private readonly store: PendingStore = sessionPendingStore(host.site),
  ) {
    this.state = {
      visible: false,
      connected: host.connected(),
      operatorsOnline: 0,
      chatBlocked: false,
      step: 'prechat',
      requesting: false,
      messages: [],
      pending: store.load(),
      unread: 0,
      invitation: keptInvitation(host.site),
    };
    this.typingOut = new TypingThrottle((typing) => {
      const chat = this.state.chat;
      if (chat && chat.status !== 'ended') this.host.send({ action: 'typing', chatId: chat.chatId, typing });
    });
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<VisitorChatState>): void {
    this.state = { ...this.state, ...patch };
    if ('pending' in patch) this.store.save(this.state.pending);
    if ('invitation' in patch) keepInvitation(this.host.site, this.state.invitation);
    for (const fn of this.listeners) fn();
  }

  // ---- user actions ----

  open(): void {
    this.set({ visible: true, unread: 0 });
    this.host.setBadge(0);
    this.host.showButton(false);
  }

  minimise(): void {
    this.set({ visible: false });
    this.host.showButton(true);
  }

  /** The invitation's Start Chat: first the optional name, then the chat with the inviting operator. */
  askInvitationName(): void {
    const inv = this.state.invitation;
    if (inv && !inv.askName) this.set({ invitation: { ...inv, askName: true } });
  }

  acceptInvitation(name: string): void {
    const inv = this.state.invitation;
    if (!inv) return;
    const reqId = this.host.send({
      action: 'invite-response',
      inviteId: inv.inviteId,
      accept: true,
      name: name.trim().slice(0, LIMITS.name) || undefined,
    });
    if (!reqId) {
      this.notify(this.host.labels.reconnecting);
      return;
    }
    // Answered like a chat request: the chat-update (or an error) echoes this reqId.
    this.requestReqId = reqId;
    this.set({
      invitation: undefined,
      step: 'chat',
      requesting: true,
      chat: undefined,
      messages: [],
      notice: undefined,
    });
    this.open();
  }

  /** Closing the popup records a decline. */
  declineInvitation(): void {
    const inv = this.state.invitation;
    if (!inv) return;
    this.host.send({ action: 'invite-response', inviteId: inv.inviteId, accept: false });
    this.set({ invitation: undefined });
  }

  /** `department`: the visitor's choice when the welcome listed several ('' for any). */
  start(name: string, department?: string): void {
    if (this.state.chatBlocked) return;
    const reqId = this.host.send({
      action: 'chat-request',
      name: name.trim().slice(0, LIMITS.name) || undefined,
      department: department || undefined,
    });
    if (!reqId) {
      this.notify(this.host.labels.reconnecting);
      return;
    }
    this.requestReqId = reqId;
    this.set({
      step: 'chat',
      requesting: true,
      chat: undefined,
      messages: [],
      notice: undefined,
      invitation: undefined,
    });
  }

  /** Queues a message and sends it; it stays pending (greyed) until the server echoes its clientMsgId. */
  sendText(text: string): boolean {
    const chat = this.state.chat;
    const body = text.trim().slice(0, LIMITS.chatText);
    if (!chat || chat.status === 'ended' || !body) return false;
    const p: PendingMessage = { chatId: chat.chatId, clientMsgId: randomId(), text: body, at: Date.now() };
    this.typingOut.stop();
    this.set({ pending: [...this.state.pending, this.transmit(p)] });
    return true;
  }

  draftChanged(draft: string): void {
    if (this.state.chat && this.state.chat.status !== 'ended' && this.state.connected) this.typingOut.input(draft);
  }

  end(): void {
    const chat = this.state.chat;
    if (!chat || chat.status === 'ended') return;
    this.typingOut.stop();
    if (!this.host.send({ action: 'end-chat', chatId: chat.chatId })) this.notify(this.host.labels.reconnecting);
  }

  /** After a chat ended: back to the pre-chat form. */
  newChat(): void {
    this.set({
      step: 'prechat',
      requesting: false,
      chat: undefined,
      messages: [],
      pending: [],
      typing: undefined,
      transcript: undefined,
    });
  }

  /** "E-mail me this transcript" (during the chat or after it ended). */
  sendTranscript(email: string): boolean {
    const chat = this.state.chat;
    const to = email.trim().slice(0, LIMITS.email);
    if (!chat || !to || this.state.transcript?.state === 'sending') return false;
    const reqId = this.host.send({ action: 'transcript', chatId: chat.chatId, email: to });
    if (!reqId) {
      this.notify(this.host.labels.reconnecting);
      return false;
    }
    this.transcriptReqId = reqId;
    this.set({ transcript: { email: to, state: 'sending' } });
    return true;
  }

  // ---- frames ----

  handle(e: HostEvent): void {
    switch (e.type) {
      case 'open':
        this.set({ connected: true });
        break;
      case 'close':
        this.syncs.reset();
        this.set({
          connected: false,
          typing: undefined,
          // The answer to a transcript request in flight will not come on a new socket.
          ...(this.state.transcript?.state === 'sending'
            ? { transcript: { ...this.state.transcript, state: 'error' } }
            : {}),
        });
        this.transcriptReqId = undefined;
        break;
      case 'welcome': {
        if (e.role !== 'visitor') break;
        const patch: Partial<VisitorChatState> = {
          connected: true,
          operatorsOnline: e.operatorsOnline,
          greeting: e.widget?.greeting || undefined,
          chatBlocked: e.chatBlocked === true,
        };
        if (e.chat) {
          const { messages, ...chat } = e.chat;
          const same = this.state.chat?.chatId === chat.chatId;
          const merged = mergeMessages(same ? this.state.messages : [], messages || []);
          this.requestReqId = undefined;
          this.set({
            ...patch,
            step: 'chat',
            requesting: false,
            chat,
            invitation: undefined,
            messages: merged,
            pending: confirmPending(
              this.state.pending.filter((p) => p.chatId === chat.chatId),
              merged,
            ),
          });
          // The page changed or the socket came back: ask for anything after what we show, then resend.
          this.syncs.done(chat.chatId);
          this.requestSync();
          this.resendPending();
        } else {
          const chat = this.state.chat;
          // No open chat on the server: the one we show has ended meanwhile.
          if (chat && chat.status !== 'ended') patch.chat = { ...chat, status: 'ended' };
          if (this.state.requesting) {
            this.requestReqId = undefined;
            patch.requesting = false;
            patch.step = 'prechat';
          }
          patch.pending = [];
          this.set(patch);
        }
        break;
      }
      case 'chat-update': {
        const current = this.state.chat;
        const c = e.chat;
        if (current && current.chatId !== c.chatId && current.status !== 'ended' && !this.state.requesting) break;
        const isNew = current?.chatId !== c.chatId;
        this.requestReqId = undefined;
        this.set({
          // The answer to our request says how many operators could take it (none: leave a message).
          ...(typeof e.operatorsOnline === 'number' ? { operatorsOnline: e.operatorsOnline } : {}),
          step: 'chat',
          requesting: false,
          chat: c,
          messages: isNew ? [] : this.state.messages,
          typing: c.status === 'ended' ? undefined : this.state.typing,
          ...(isNew ? { transcript: undefined } : {}),
        });
        if (c.status === 'ended') this.typingOut.stop();
        if (hasGap(this.state.messages, c.lastSeq)) this.requestSync();
        break;
      }
      case 'message': {
        if (e.chatId !== this.state.chat?.chatId) break;
        const before = syncPoint(this.state.messages);
        const { type: _t, reqId: _r, ...msg } = e;
        const messages = mergeMessages(this.state.messages, [msg]);
        const fromOther = msg.from.kind !== 'visitor';
        const prevUnread = this.state.unread;
        const unread =
          !this.state.visible && fromOther && messages !== this.state.messages ? prevUnread + 1 : prevUnread;
        this.set({
          messages,
          pending: confirmPending(this.state.pending, messages),
          typing: fromOther && this.state.typing?.name === msg.from.name ? undefined : this.state.typing,
          unread,
        });
        if (unread !== prevUnread) this.host.setBadge(unread);
        // A seq beyond the next one means frames went missing: replay everything after what we hold.
        if (msg.seq > before + 1) this.requestSync(before);
        break;
      }
      case 'sync': {
        if (e.chatId !== this.state.chat?.chatId) break;
        this.syncs.done(e.chatId);
        const messages = mergeMessages(this.state.messages, e.messages || []);
        this.set({ messages, chat: e.chat || this.state.chat, pending: confirmPending(this.state.pending, messages) });
        break;
      }
      case 'typing': {
        if (e.chatId !== this.state.chat?.chatId || e.from.kind === 'visitor') break;
        if (this.typingTimer) clearTimeout(this.typingTimer);
        if (e.typing) {
          this.set({ typing: { name: e.from.name, until: Date.now() + TYPING_SHOWN_MS } });
          this.typingTimer = setTimeout(() => this.set({ typing: undefined }), TYPING_SHOWN_MS);
        } else this.set({ typing: undefined });
        break;
      }
      case 'invitation': {
        // The server sends none during a chat; a chat already shown here wins all the same.
        const open = this.state.requesting || (this.state.chat && this.state.chat.status !== 'ended');
        if (open || typeof e.inviteId !== 'string') break;
        this.set({
          invitation: {
            inviteId: e.inviteId,
            text: String(e.text ?? ''),
            operatorName: String(e.operatorName ?? ''),
            auto: e.auto === true,
            askName: false,
          },
        });
        break;
      }
      case 'ack':
        if (e.reqId && e.reqId === this.transcriptReqId && this.state.transcript) {
          this.transcriptReqId = undefined;
          this.set({ transcript: { ...this.state.transcript, state: 'sent' } });
        }
        break;
      case 'error':
        this.onError(e.code, e.reqId);
        break;
    }
  }

  private onError(code: ErrorCode, reqId: string | undefined): void {
    if (reqId && reqId === this.transcriptReqId && this.state.transcript) {
      // Shown by the transcript form itself, not as a notice.
      this.transcriptReqId = undefined;
      this.set({ transcript: { ...this.state.transcript, state: code === 'rate-limited' ? 'already' : 'error' } });
      return;
    }
    const L = this.host.labels.errors;
    const text = code === 'rate-limited' ? L.rateLimited : code === 'chat-ended' ? L.chatEnded : L.generic;
    if (reqId && reqId === this.requestReqId) {
      this.requestReqId = undefined;
      this.set({ requesting: false, step: 'prechat' });
    }
    const hit = reqId ? this.state.pending.find((p) => p.reqId === reqId) : undefined;
    if (hit && FINAL_ERRORS.has(code)) {
      this.set({ pending: this.state.pending.map((p) => (p === hit ? { ...p, failed: true } : p)) });
    }
    if (code === 'chat-ended' && this.state.chat && this.state.chat.status !== 'ended') {
      this.set({ chat: { ...this.state.chat, status: 'ended' } });
    }
    this.notify(text);
  }

  private notify(text: string): void {
    const at = Date.now();
    this.set({ notice: { text, at } });
    setTimeout(() => {
      if (this.state.notice?.at === at) this.set({ notice: undefined });
    }, 6000);
  }

  private transmit(p: PendingMessage): PendingMessage {
    const reqId = this.host.send({
      action: 'chat-message',
      chatId: p.chatId,
      text: p.text,
      clientMsgId: p.clientMsgId,
    });
    return reqId ? { ...p, reqId } : p;
  }

  private resendPending(): void {
    const chatId = this.state.chat?.chatId;
    if (!chatId || !this.state.pending.some((p) => !p.failed)) return;
    this.set({ pending: this.state.pending.map((p) => (p.failed || p.chatId !== chatId ? p : this.transmit(p))) });
  }

  private requestSync(afterSeq = syncPoint(this.state.messages)): void {
    const chat = this.state.chat;
    if (!chat || !this.syncs.claim(chat.chatId)) return;
    const sent = this.host.send({ action: 'sync', chatId: chat.chatId, afterSeq });
    if (!sent) this.syncs.done(chat.chatId);
  }
}
