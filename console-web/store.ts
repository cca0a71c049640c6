/**
 * The console's state and the frames it sends, without any UI. Server frames go in through
 * `handle`, operator actions through the methods; views re-render on `subscribe`.
 * State is replaced immutably, so components can compare by reference.
 */
import type {
  CannedMessage,
  ChatMessage,
  ChatSummary,
  ConsoleSettings,
  ErrorEvent,
  OperatorPreferences,
  OperatorProfile,
  ServerEvent,
  VisitorNote,
  VisitorRow,
  VisitorTag,
} from '../functions/protocol/events.js';
import { LIMITS } from '../functions/protocol/limits.js';
import type { OperatorStatus } from '../functions/protocol/schemas.js';
import type { OperatorFrame } from '../widget/core/frames.js';
import { randomId } from '../widget/core/ids.js';
import {
  confirmPending,
  hasGap,
  mergeMessages,
  type PendingMessage,
  SyncTracker,
  syncPoint,
  TypingThrottle,
} from '../widget/core/thread.js';
import type { ConnectionState } from './connection.js';
import { arrivals, DEFAULT_SETTINGS, type GridFilter, type GridSort, pruneExpired } from './grid.js';
import { atCapacityText, isOfferedTo, type OperatorInfo, pendingOffers } from './routing.js';

export interface Thread {
  messages: ChatMessage[];
  pending: PendingMessage[];
  typing?: { name: string; until: number };
  unread: number;
  /** A sync reply (or a welcome snapshot) has filled this thread at least once. */
  loaded: boolean;
}

export interface Toast {
  id: number;
  text: string;
  kind: 'info' | 'error';
}

/** A transcript the operator asked to have mailed, as the chat's toolbar shows it. */
export interface TranscriptState {
  email: string;
  state: 'sending' | 'sent' | 'error';
  message?: string;
}

/** An operator action in flight, so its reply (or error) can be told apart. */
interface PendingRequest {
  action: 'accept' | 'transfer' | 'add-operator' | 'leave-chat' | 'hold' | 'transcript' | 'set-status';
  chatId: string;
  /** set-status: the status asked for. */
  status?: OperatorStatus;
  /** Who or what the chat goes to (transfer, add-operator), for the toast. */
  label?: string;
  email?: string;
}

/** Canned-message storage (GET/POST/PUT/DELETE /api/canned). */
export interface CannedApi {
  list(): Promise<CannedMessage[]>;
  save(input: Omit<CannedMessage, 'id'>, id?: string): Promise<CannedMessage>;
  remove(id: string): Promise<unknown>;
}

/** A desktop notification (the app shows it only when the console is not in front). */
export interface Notice {
  tag: string;
  title: string;
  body: string;
}

/** What became of an invite request. */
export interface InviteResult {
  ok: boolean;
  code?: string;
  message?: string;
}

/** How long a new row stays highlighted. */
export const FRESH_MS = 4000;

export interface ConsoleState {
  connection: ConnectionState;
  me?: OperatorProfile;
  operators: OperatorInfo[];
  visitors: Record<string, VisitorRow>;
  chats: Record<string, ChatSummary>;
  threads: Record<string, Thread>;
  /** Chats I declined: hidden from my queue only. */
  declined: Record<string, true>;
  /** Requests I put in the queue from the incoming-request dialog: no dialog again (no server call). */
  parked: Record<string, true>;
  /** A queued chat waiting for "This chat will be assigned to you" to be confirmed. */
  confirmAccept?: string;
  tabs: string[];
  activeTab?: string;
  /** The chat overview (all my sessions) is shown instead of the active tab. */
  overview: boolean;
  /** Shared canned messages and mine. */
  canned: CannedMessage[];
  cannedState: 'idle' | 'loading' | 'ready' | 'error';
  /** Transcripts asked for from this console, by chat. */
  transcripts: Record<string, TranscriptState>;
  toasts: Toast[];
  counts?: { queued: number; active: number; operatorsOnline: number };
  settings: ConsoleSettings;
  /** The grid's view (a silent operator is forced to `mine` whatever this says). */
  filter: GridFilter;
  search: string;
  sort?: GridSort;
  /** The visitor whose info panel is open. */
  selected?: string;
  /** The visitor the invite dialog is open for. */
  inviting?: string;
  /** Rows that arrived recently (visitorId → when), highlighted for FRESH_MS. */
  fresh: Record<string, number>;
  /** Notes that arrived live (visitor-note), by visitor; the info panel merges them with what it fetched. */
  notes: Record<string, VisitorNote[]>;
  /** The console set me Away because I was idle (it sets me Online again when I am back). */
  autoAway?: boolean;
}

export interface StoreDeps {
  send(frame: OperatorFrame): string | undefined;
  /** Door-bell for a new chat request. */
  ring(): void;
  /** True while the operator is looking at this page (unread counts stay 0 for the open tab). */
  pageVisible?(): boolean;
  /** A short sound for a new visitor (distinct from the door-bell). */
  chime?(): void;
  /** PUT /api/me/preferences. */
  savePreferences?(p: OperatorPreferences): Promise<OperatorProfile>;
  /** GET /api/operators: every operator's status, chats and departments (the welcome lists names only). */
  loadOperators?(): Promise<Omit<OperatorProfile, 'preferences'>[]>;
  canned?: CannedApi;
  /** A desktop notification for a request offered to me, a transfer or an invitation to a chat. */
  notify?(n: Notice): void;
  /** The request is gone (taken, ended, accepted here): its notification goes too. */
  unnotify?(tag: string): void;
  now?(): number;
}

const emptyThread: Thread = { messages: [], pending: [], unread: 0, loaded: false };
const FINAL_ERRORS = new Set(['bad-request', 'forbidden', 'not-found', 'chat-ended', 'bad-json']);
const TYPING_SHOWN_MS = 7000;

export function isMine(chat: ChatSummary | undefined, me: OperatorProfile | undefined): boolean {
  return !!chat && !!me && chat.operators.some((o) => o.id === me.id);
}

export function visitorLabel(v: { visitorId: string; name?: string } | undefined, fallbackName?: string): string {
  const name = v?.name || fallbackName;
  if (name) return name;
  const id = v?.visitorId || '';
  return `Visitor ${id.slice(-5).toUpperCase()}`;
}

export class ConsoleStore {
  state: ConsoleState = {
    connection: 'connecting',
    operators: [],
    visitors: {},
    chats: {},
    threads: {},
    declined: {},
    parked: {},
    tabs: [],
    overview: false,
    canned: [],
    cannedState: 'idle',
    transcripts: {},
    toasts: [],
    settings: DEFAULT_SETTINGS,
    filter: 'all',
    search: '',
    fresh: {},
    notes: {},
  };
  private readonly listeners = new Set<() => void>();
  private readonly syncs = new SyncTracker();
  private readonly reqs = new Map<string, PendingRequest>();
  private readonly typingOut = new Map<string, TypingThrottle>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Queued chats already announced with the door-bell. */
  private readonly rung = new Set<string>();
  /** Requests with a desktop notification showing. */
  private readonly notified = new Set<string>();
  /** tag-visitor requests in flight: reqId → the row's tag before the optimistic change. */
  private readonly tagReqs = new Map<
    string,
    { visitorId: string; before: VisitorTag | undefined; after: VisitorTag | undefined }
  >();
  private toastSeq = 0;
  /** invite requests in flight: reqId → who waits for the answer (the invite dialog). */
  private readonly inviteReqs = new Map<string, (r: InviteResult) => void>();

  constructor(private readonly deps: StoreDeps) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<ConsoleState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }

  private thread(chatId: string): Thread {
    return this.state.threads[chatId] || emptyThread;
  }

  private setThread(chatId: string, patch: Partial<Thread>): void {
    this.set({ threads: { ...this.state.threads, [chatId]: { ...this.thread(chatId), ...patch } } });
  }

  // ---- derived views ----

  queue(): ChatSummary[] {
    return Object.values(this.state.chats)
      .filter((c) => c.status === 'queued' && !this.state.declined[c.chatId])
      .sort((a, b) => (a.queuePosition ?? 1e9) - (b.queuePosition ?? 1e9) || a.createdAt - b.createdAt);
  }

  /** Requests offered to me that the incoming-request dialog shows, longest waiting first. */
  offers(): ChatSummary[] {
    return pendingOffers(this.state.chats, this.state.me?.id, this.state);
  }

  /** An accept for this chat is on its way (its buttons wait for the answer). */
  isAccepting(chatId: string): boolean {
    for (const r of this.reqs.values()) if (r.action === 'accept' && r.chatId === chatId) return true;
    return false;
  }

  /** My concurrent-chat limit (my own, else the site's). */
  chatLimit(): number {
    return this.state.me?.maxChats ?? this.state.settings.maxChatsPerOperator;
  }

  activeChats(): ChatSummary[] {
    return Object.values(this.state.chats)
      .filter((c) => c.status === 'active')
      .sort((a, b) => (a.acceptedAt ?? a.createdAt) - (b.acceptedAt ?? b.createdAt));
  }

  // ---- connection ----

  setConnection(connection: ConnectionState): void {
    if (connection !== 'open') {
      this.syncs.reset();
      // Replies to what was in flight will not come on a new socket.
      this.reqs.clear();
      for (const done of this.inviteReqs.values())
        done({ ok: false, code: 'network', message: 'The connection dropped' });
      this.inviteReqs.clear();
    }
    this.set({ connection });
  }

  handle(e: ServerEvent): void {
    switch (e.type) {
      case 'welcome': {
        if (e.role !== 'operator') break;
        const me = e.operator;
        const chats: Record<string, ChatSummary> = {};
        for (const c of [...(e.chats || []), ...(e.queue || [])]) chats[c.chatId] = c;
        // Chats that were open in tabs but are gone from the snapshot have ended meanwhile.
        for (const id of this.state.tabs) {
          const old = this.state.chats[id];
          if (!chats[id] && old) chats[id] = { ...old, status: 'ended' };
        }
        const visitors: Record<string, VisitorRow> = {};
        for (const v of e.visitors || []) visitors[v.visitorId] = normaliseRow(v);
        const mine = Object.values(chats).filter((c) => c.status === 'active' && isMine(c, me));
        const tabs = [...this.state.tabs.filter((id) => chats[id])];
        for (const c of mine) if (!tabs.includes(c.chatId)) tabs.push(c.chatId);
        // The welcome names the operators who are not offline; GET /api/operators fills in the rest.
        const known = new Map(this.state.operators.map((o) => [o.id, o]));
        const operators: OperatorInfo[] = (e.operatorsOnline || []).map((o) => ({
          status: 'online' as OperatorStatus,
          ...known.get(o.id),
          ...o,
        }));
        if (!operators.some((o) => o.id === me.id)) operators.push({ id: me.id, name: me.name, status: me.status });
        this.syncs.reset();
        this.set({
          me: normaliseProfile(me),
          operators,
          visitors,
          settings: { ...DEFAULT_SETTINGS, ...e.settings },
          chats,
          tabs,
          activeTab: this.state.activeTab && tabs.includes(this.state.activeTab) ? this.state.activeTab : tabs[0],
        });
        // Load (or top up) every open tab, then resend what did not make it before the socket dropped.
        for (const id of tabs) {
          this.requestSync(id);
          this.resendPending(id);
        }
        this.announceQueue();
        void this.refreshOperators();
        if (this.state.cannedState === 'idle' || this.state.cannedState === 'error') void this.loadCanned();
        break;
      }
      case 'visitor':
        this.upsertVisitors([e.visitor]);
        break;
      case 'visitors':
        this.upsertVisitors(e.visitors || []);
        break;
      case 'visitor-note':
        this.addLiveNote(e.note);
        break;
      case 'ack':
        if (e.reqId) {
          this.inviteReqs.get(e.reqId)?.({ ok: true });
          this.inviteReqs.delete(e.reqId);
          this.tagReqs.delete(e.reqId);
          const req = this.reqs.get(e.reqId);
          this.reqs.delete(e.reqId);
          const v = e.statusVersion;
          const me = this.state.me;
          // My status change is written: it stands unless a newer one is already known.
          if (req?.action === 'set-status' && req.status && me && v !== undefined) {
            if (me.statusVersion === undefined || v > me.statusVersion)
              this.set({ me: { ...me, status: req.status, statusVersion: v } });
          }
          if (req?.action === 'transcript' && req.email) {
            this.setTranscript(req.chatId, { email: req.email, state: 'sent' });
            this.toast(`Transcript sent to ${req.email}`, 'info');
          }
        }
        break;
      case 'visitor-left': {
        const v = this.state.visitors[e.visitorId];
        if (v) this.set({ visitors: { ...this.state.visitors, [e.visitorId]: { ...v, presence: 'departed' } } });
        break;
      }
      case 'chat-update':
        this.onChatUpdate(e.chat, true, e.reqId);
        break;
      case 'message': {
        const { type: _t, reqId: _r, ...msg } = e;
        this.onMessages(msg.chatId, [msg], true);
        break;
      }
      case 'sync': {
        const held = this.thread(e.chatId).messages;
        this.onMessages(e.chatId, e.messages || [], false);
        this.setThread(e.chatId, { loaded: true });
        this.syncs.done(e.chatId);
        // Ask again only if this reply made progress (a server that pages its replies); never loop.
        if (e.chat) this.onChatUpdate(e.chat, this.thread(e.chatId).messages !== held);
        break;
      }
      case 'typing': {
        const me = this.state.me;
        if (e.from.kind === 'operator' && e.from.id === me?.id) break;
        const prev = this.typingTimers.get(e.chatId);
        if (prev) clearTimeout(prev);
        if (e.typing) {
          this.setThread(e.chatId, { typing: { name: e.from.name, until: Date.now() + TYPING_SHOWN_MS } });
          this.typingTimers.set(
            e.chatId,
            setTimeout(() => this.setThread(e.chatId, { typing: undefined }), TYPING_SHOWN_MS),
          );
        } else this.setThread(e.chatId, { typing: undefined });
        break;
      }
      case 'operators': {
        const me = this.state.me;
        const list = Array.isArray(e.operators) ? e.operators : [];
        const known = new Map(this.state.operators.map((o) => [o.id, o]));
        const operators = list.map((o) => ({ ...known.get(o.id), ...o }));
        const self = list.find((o) => o.id === me?.id);
        // Broadcasts of two quick status changes may arrive out of order: an older one never wins.
        const newer =
          self !== undefined &&
          (self.statusVersion === undefined ||
            me?.statusVersion === undefined ||
            self.statusVersion > me.statusVersion);
        this.set({
          operators,
          me:
            me && self && newer
              ? {
                  ...me,
                  status: self.status,
                  ...(self.statusVersion !== undefined ? { statusVersion: self.statusVersion } : {}),
                }
              : me,
        });
        break;
      }
      case 'queue':
        this.set({ counts: { queued: e.queued, active: e.active, operatorsOnline: e.operatorsOnline } });
        break;
      case 'error':
        this.onError(e);
        break;
      default:
        break;
    }
  }

  private onChatUpdate(c: ChatSummary, maySync = true, reqId?: string): void {
    if (!c || typeof c.chatId !== 'string') return;
    const before = this.state.chats[c.chatId];
    const me = this.state.me;
    let { tabs, activeTab, overview } = this.state;
    const wasMine = isMine(before, me);
    const nowMine = isMine(c, me);
    const req = reqId ? this.reqs.get(reqId) : undefined;
    if (reqId && req && req.chatId === c.chatId) this.reqs.delete(reqId);
    let acceptedByMe = req?.action === 'accept' && nowMine;
    for (const [id, r] of this.reqs) {
      if (r.action === 'accept' && r.chatId === c.chatId && c.status !== 'queued') {
        if (nowMine) acceptedByMe = true;
        if (nowMine || c.status === 'ended') this.reqs.delete(id);
      }
    }
    if (c.status === 'active' && nowMine && !tabs.includes(c.chatId)) {
      tabs = [...tabs, c.chatId];
      if (acceptedByMe || !activeTab) {
        activeTab = c.chatId;
        overview = false;
      }
    }
    // I handed the chat over (transfer, leave): its tab closes.
    const handedOver = wasMine && !nowMine && (req?.action === 'transfer' || req?.action === 'leave-chat');
    if (handedOver && tabs.includes(c.chatId)) {
      const i = tabs.indexOf(c.chatId);
      tabs = tabs.filter((id) => id !== c.chatId);
      if (activeTab === c.chatId) activeTab = tabs[Math.min(i, tabs.length - 1)];
    }
    const patch: Partial<ConsoleState> = { chats: { ...this.state.chats, [c.chatId]: c }, tabs, activeTab, overview };
    if (this.state.confirmAccept === c.chatId && c.status !== 'queued') patch.confirmAccept = undefined;
    this.set(patch);
    // Keep the visitor row's chat column in step even before the server's `visitor` frame.
    const v = this.state.visitors[c.visitorId];
    const opIds = c.status === 'ended' ? [] : c.operators.map((o) => o.id);
    if (
      v &&
      (v.chatId !== c.chatId || v.chatStatus !== c.status || (v.chatOperatorIds ?? []).join() !== opIds.join())
    ) {
      const row: VisitorRow = { ...v, chatId: c.chatId, chatStatus: c.status, chatOperatorIds: opIds };
      this.set({ visitors: { ...this.state.visitors, [c.visitorId]: row } });
    }
    if (c.status === 'ended') {
      this.typingOut.get(c.chatId)?.stop();
      if (this.state.threads[c.chatId]?.typing) this.setThread(c.chatId, { typing: undefined });
    }
    const who = visitorLabel(this.state.visitors[c.visitorId], c.visitorName);
    if (before && !wasMine && nowMine && c.status === 'active' && !acceptedByMe) {
      // Someone gave me this chat: a transfer, or a conference meant for me.
      const added = c.addedOperator?.id === me?.id && before.operators.length > 0;
      const by = added ? this.operatorName(c.addedOperator?.by) : undefined;
      const text = added
        ? `${by || 'Another operator'} added you to the chat with ${who}: it is meant for you`
        : `The chat with ${who} was transferred to you`;
      this.toast(text, 'info');
      this.deps.ring();
      this.deps.notify?.({
        tag: `chat-${c.chatId}`,
        title: added ? 'You were added to a chat' : 'Chat transferred to you',
        body: text,
      });
    }
    if (handedOver) {
      const text =
        req?.action === 'leave-chat'
          ? `You left the chat with ${who}`
          : c.status === 'queued'
            ? `The chat with ${who} went back to the queue for ${c.department || req?.label || 'the department'}`
            : `The chat with ${who} is now with ${req?.label || c.operators.map((o) => o.name).join(', ')}`;
      this.toast(text, 'info');
    }
    if (c.status === 'queued' && (before?.status !== 'queued' || isOfferedTo(c, me?.id))) this.announceQueue();
    this.withdrawNotices();
    if (maySync && tabs.includes(c.chatId) && hasGap(this.thread(c.chatId).messages, c.lastSeq)) {
      this.requestSync(c.chatId);
    }
  }

  private operatorName(id: string | undefined): string | undefined {
    if (!id) return undefined;
    return (
      this.state.operators.find((o) => o.id === id)?.name ??
      Object.values(this.state.chats)
        .flatMap((c) => c.operators)
        .find((o) => o.id === id)?.name
    );
  }

  private onMessages(chatId: string, incoming: ChatMessage[], live: boolean): void {
    const t = this.thread(chatId);
    const before = syncPoint(t.messages);
    const messages = mergeMessages(t.messages, incoming);
    if (messages === t.messages) return;
    const added = messages.length - t.messages.length;
    const fromVisitor = incoming.some((m) => m.from.kind === 'visitor');
    const watching = this.state.activeTab === chatId && !this.state.overview && (this.deps.pageVisible?.() ?? true);
    const typing = fromVisitor && live ? undefined : t.typing;
    this.setThread(chatId, {
      messages,
      pending: confirmPending(t.pending, messages),
      unread: live && !watching && fromVisitor ? t.unread + added : t.unread,
      typing,
    });
    // A live message beyond the next seq means frames went missing: replay after what we hold.
    if (live && (incoming[0]?.seq ?? 0) > before + 1 && this.state.tabs.includes(chatId))
      this.requestSync(chatId, before);
  }

  private onError(e: ErrorEvent): void {
    const invited = e.reqId ? this.inviteReqs.get(e.reqId) : undefined;
    if (invited && e.reqId) {
      // The invite dialog shows the server's reason itself.
      this.inviteReqs.delete(e.reqId);
      invited({ ok: false, code: e.code, message: e.message || e.code });
      return;
    }
    const req = e.reqId ? this.reqs.get(e.reqId) : undefined;
    if (e.reqId) this.reqs.delete(e.reqId);
    const tagged = e.reqId ? this.tagReqs.get(e.reqId) : undefined;
    if (tagged && e.reqId) {
      this.tagReqs.delete(e.reqId);
      const v = this.state.visitors[tagged.visitorId];
      // Put the tag back unless something newer has changed it meanwhile.
      if (v && v.tag === tagged.after) {
        this.set({ visitors: { ...this.state.visitors, [v.visitorId]: withTag(v, tagged.before) } });
      }
      this.toast(`The tag was not saved: ${e.message || e.code}`, 'error');
      return;
    }
    if (e.code === 'already-taken') {
      this.toast('Another operator took this chat', 'info');
      return;
    }
    if (req?.action === 'accept') {
      if (e.code === 'at-capacity') this.toast(atCapacityText(this.chatLimit()), 'error');
      else if (e.code === 'chat-ended' || e.code === 'not-found') this.toast('This request has ended', 'info');
      else this.toast(e.message || `Could not accept the chat (${e.code})`, 'error');
      return;
    }
    if (req?.action === 'transcript') {
      const message =
        e.code === 'rate-limited'
          ? 'Already sent to this address, or to three addresses: a transcript goes out at most three times.'
          : e.message || `The transcript was not sent (${e.code})`;
      this.setTranscript(req.chatId, { email: req.email ?? '', state: 'error', message });
      this.toast(message, 'error');
      return;
    }
    if (req) {
      const what =
        req.action === 'transfer'
          ? 'The chat was not transferred'
          : req.action === 'add-operator'
            ? `${req.label || 'The operator'} was not added`
            : req.action === 'leave-chat'
              ? 'You could not leave the chat'
              : 'The chat was not put on hold';
      this.toast(`${what}: ${e.message || e.code}`, 'error');
      return;
    }
    if (e.reqId) {
      for (const [chatId, t] of Object.entries(this.state.threads)) {
        const hit = t.pending.find((p) => p.reqId === e.reqId);
        if (hit && FINAL_ERRORS.has(e.code)) {
          this.setThread(chatId, { pending: t.pending.map((p) => (p === hit ? { ...p, failed: true } : p)) });
        }
      }
    }
    this.toast(e.message || `Error: ${e.code}`, 'error');
  }

  /**
   * Door-bell (and a desktop notification) once per request offered to me; a request from a server
   * that does not say whom it is offered to rings once when it is queued.
   */
  private announceQueue(): void {
    const meId = this.state.me?.id;
    let fresh: ChatSummary | undefined;
    for (const c of this.queue()) {
      if (this.rung.has(c.chatId)) continue;
      if (c.offeredTo && !isOfferedTo(c, meId)) continue;
      this.rung.add(c.chatId);
      fresh ??= c;
      if (c.offeredTo && !this.state.parked[c.chatId]) {
        const v = this.state.visitors[c.visitorId];
        this.notified.add(c.chatId);
        this.deps.notify?.({
          tag: `offer-${c.chatId}`,
          title: 'Incoming chat request',
          body: `${visitorLabel(v, c.visitorName)}${v?.title ? ` on “${v.title}”` : ''} would like to chat`,
        });
      }
    }
    if (fresh) this.deps.ring();
  }

  /** Notifications of requests no longer offered to me (taken, ended, answered here) are withdrawn. */
  private withdrawNotices(): void {
    if (this.notified.size === 0) return;
    const open = new Set(this.offers().map((c) => c.chatId));
    for (const id of [...this.notified]) {
      if (open.has(id)) continue;
      this.notified.delete(id);
      this.deps.unnotify?.(`offer-${id}`);
    }
  }

  private setTranscript(chatId: string, t: TranscriptState): void {
    this.set({ transcripts: { ...this.state.transcripts, [chatId]: t } });
  }

  private requestSync(chatId: string, afterSeq = syncPoint(this.thread(chatId).messages)): void {
    if (!this.syncs.claim(chatId)) return;
    if (!this.deps.send({ action: 'sync', chatId, afterSeq })) this.syncs.done(chatId);
  }

  private transmit(p: PendingMessage): PendingMessage {
    const reqId = this.deps.send({
      action: 'chat-message',
      chatId: p.chatId,
      text: p.text,
      clientMsgId: p.clientMsgId,
    });
    return reqId ? { ...p, reqId } : p;
  }

  private resendPending(chatId: string): void {
    const t = this.thread(chatId);
    if (!t.pending.some((p) => !p.failed)) return;
    this.setThread(chatId, { pending: t.pending.map((p) => (p.failed ? p : this.transmit(p))) });
  }

  // ---- operator actions ----

  toast(text: string, kind: Toast['kind'] = 'info'): void {
    const id = ++this.toastSeq;
    this.set({ toasts: [...this.state.toasts, { id, text, kind }].slice(-4) });
    setTimeout(() => this.dismissToast(id), 5000);
  }

  dismissToast(id: number): void {
    if (this.state.toasts.some((t) => t.id === id)) this.set({ toasts: this.state.toasts.filter((t) => t.id !== id) });
  }

  setStatus(status: OperatorStatus, auto = false): void {
    const me = this.state.me;
    const reqId = this.deps.send({ action: 'set-status', status });
    if (!reqId) {
      if (!auto) this.toast('Not connected. Try again in a moment.', 'error');
      return;
    }
    this.reqs.set(reqId, { action: 'set-status', chatId: '', status });
    // A status the operator chose themselves is never undone by the idle watcher.
    if (me) this.set({ me: { ...me, status }, autoAway: auto && status === 'away' });
  }

  /** Idle for the site's autoAwayMs: an Online operator becomes Away (visitors see nobody available). */
  idle(): void {
    if (this.state.me?.status !== 'online') return;
    this.setStatus('away', true);
    if (this.state.autoAway) this.toast('You were idle, so your status is Away. Move the mouse to be Online again.');
  }

  /** Back at the keyboard: Online again, but only if the idle watcher set Away. */
  active(): void {
    if (this.state.autoAway && this.state.me?.status === 'away') this.setStatus('online', true);
  }

  accept(chatId: string): void {
    if (this.isAccepting(chatId)) return;
    const reqId = this.deps.send({ action: 'accept', chatId });
    if (!reqId) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return;
    }
    this.reqs.set(reqId, { action: 'accept', chatId });
    this.set({ confirmAccept: undefined });
  }

  decline(chatId: string): void {
    this.deps.send({ action: 'decline', chatId });
    const { [chatId]: _gone, ...parked } = this.state.parked;
    this.set({ declined: { ...this.state.declined, [chatId]: true }, parked });
    this.withdrawNotices();
  }

  /** "Queue" in the incoming-request dialog: it closes, the request stays in the communication queue. */
  park(chatId: string): void {
    this.set({ parked: { ...this.state.parked, [chatId]: true } });
    this.withdrawNotices();
  }

  /** Asks "This chat will be assigned to you" before accepting (a waiting visitor's row, Next chat). */
  askAccept(chatId: string): void {
    const c = this.state.chats[chatId];
    if (c?.status !== 'queued') return;
    this.set({ confirmAccept: chatId });
  }

  cancelAccept(): void {
    if (this.state.confirmAccept) this.set({ confirmAccept: undefined });
  }

  private request(r: PendingRequest, frame: OperatorFrame): boolean {
    const reqId = this.deps.send(frame);
    if (!reqId) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return false;
    }
    this.reqs.set(reqId, r);
    return true;
  }

  /** Hands my chat to another online operator. */
  transferTo(chatId: string, operator: { id: string; name: string }): boolean {
    return this.request(
      { action: 'transfer', chatId, label: operator.name },
      { action: 'transfer', chatId, toOperatorId: operator.id },
    );
  }

  /** Sends my chat back to the queue, offered to one department's operators. */
  transferToDepartment(chatId: string, department: string): boolean {
    return this.request(
      { action: 'transfer', chatId, label: department },
      { action: 'transfer', chatId, toDepartment: department },
    );
  }

  /** Conference: another online operator joins the chat (and is told it is meant for them). */
  addOperator(chatId: string, operator: { id: string; name: string }): boolean {
    return this.request(
      { action: 'add-operator', chatId, label: operator.name },
      { action: 'add-operator', chatId, operatorId: operator.id },
    );
  }

  /** Leaves a chat others still handle. */
  leaveChat(chatId: string): boolean {
    this.typingOut.get(chatId)?.stop();
    return this.request({ action: 'leave-chat', chatId }, { action: 'leave-chat', chatId });
  }

  /** Hold (the visitor is told I will be right back) or resume. */
  hold(chatId: string, on: boolean): boolean {
    return this.request({ action: 'hold', chatId }, { action: 'hold', chatId, on });
  }

  /** Has the chat's transcript e-mailed (also after it ended). */
  sendTranscript(chatId: string, email: string): boolean {
    const to = email.trim();
    if (!to) return false;
    const ok = this.request({ action: 'transcript', chatId, email: to }, { action: 'transcript', chatId, email: to });
    if (ok) this.setTranscript(chatId, { email: to, state: 'sending' });
    return ok;
  }

  /** Refreshes every operator's status, chats and departments (GET /api/operators). */
  async refreshOperators(): Promise<void> {
    if (!this.deps.loadOperators) return;
    try {
      const list = await this.deps.loadOperators();
      if (!Array.isArray(list)) return;
      const meId = this.state.me?.id;
      const operators: OperatorInfo[] = list.map((o) => ({
        id: o.id,
        name: o.name,
        status: o.status,
        activeChats: o.activeChats,
        departments: o.departments ?? [],
        ...(o.maxChats !== undefined ? { maxChats: o.maxChats } : {}),
      }));
      const me = this.state.me;
      const self = operators.find((o) => o.id === meId);
      this.set({ operators, me: me && self ? { ...me, status: self.status } : me });
    } catch {
      /* the welcome's list stays */
    }
  }

  // ---- canned messages ----

  async loadCanned(): Promise<void> {
    if (!this.deps.canned) return;
    this.set({ cannedState: 'loading' });
    try {
      const canned = await this.deps.canned.list();
      this.set({ canned: Array.isArray(canned) ? sortCanned(canned) : [], cannedState: 'ready' });
    } catch {
      this.set({ cannedState: 'error' });
    }
  }

  /** Creates (no id) or updates a canned message; throws the server's refusal for the form to show. */
  async saveCanned(input: Omit<CannedMessage, 'id'>, id?: string): Promise<CannedMessage> {
    if (!this.deps.canned) throw new Error('Canned messages are not available');
    const saved = await this.deps.canned.save(input, id);
    const rest = this.state.canned.filter((c) => c.id !== saved.id);
    this.set({ canned: sortCanned([...rest, saved]) });
    return saved;
  }

  async deleteCanned(id: string): Promise<void> {
    if (!this.deps.canned) throw new Error('Canned messages are not available');
    await this.deps.canned.remove(id);
    this.set({ canned: this.state.canned.filter((c) => c.id !== id) });
  }

  openTab(chatId: string): void {
    const tabs = this.state.tabs.includes(chatId) ? this.state.tabs : [...this.state.tabs, chatId];
    this.set({ tabs });
    this.activate(chatId);
    if (!this.thread(chatId).loaded) this.requestSync(chatId);
  }

  activate(chatId: string): void {
    this.set({ activeTab: chatId, overview: false });
    if (this.thread(chatId).unread) this.setThread(chatId, { unread: 0 });
  }

  /** The chat overview: every session I lead, with its last message. */
  showOverview(): void {
    this.set({ overview: true });
  }

  closeTab(chatId: string): void {
    const i = this.state.tabs.indexOf(chatId);
    if (i < 0) return;
    const tabs = this.state.tabs.filter((id) => id !== chatId);
    const activeTab = this.state.activeTab === chatId ? tabs[Math.min(i, tabs.length - 1)] : this.state.activeTab;
    this.set({ tabs, activeTab, overview: this.state.overview && tabs.length > 0 });
  }

  sendText(chatId: string, text: string): boolean {
    const chat = this.state.chats[chatId];
    const body = text.trim().slice(0, LIMITS.chatText);
    if (!chat || chat.status === 'ended' || !body || !isMine(chat, this.state.me)) return false;
    this.typingOut.get(chatId)?.stop();
    const p = this.transmit({ chatId, clientMsgId: randomId(), text: body, at: Date.now() });
    this.setThread(chatId, { pending: [...this.thread(chatId).pending, p] });
    return true;
  }

  draftChanged(chatId: string, draft: string): void {
    const chat = this.state.chats[chatId];
    if (!chat || chat.status === 'ended') return;
    let t = this.typingOut.get(chatId);
    if (!t) {
      t = new TypingThrottle((typing) => this.deps.send({ action: 'typing', chatId, typing }));
      this.typingOut.set(chatId, t);
    }
    t.input(draft);
  }

  endChat(chatId: string): void {
    this.typingOut.get(chatId)?.stop();
    if (!this.deps.send({ action: 'end-chat', chatId })) this.toast('Not connected. Try again in a moment.', 'error');
  }

  // ---- visitors grid ----

  private upsertVisitors(rows: readonly VisitorRow[]): void {
    if (rows.length === 0) return;
    const now = this.now();
    const fresh = arrivals(this.state.visitors, rows, now, this.state.settings);
    const visitors = { ...this.state.visitors };
    for (const r of rows) {
      if (!r || typeof r.visitorId !== 'string') continue;
      visitors[r.visitorId] = normaliseRow(r);
    }
    const patch: Partial<ConsoleState> = { visitors };
    if (fresh.length) {
      const marks = { ...this.state.fresh };
      for (const id of fresh) marks[id] = now;
      for (const [id, at] of Object.entries(marks)) if (now - at > FRESH_MS) delete marks[id];
      patch.fresh = marks;
    }
    this.set(patch);
    if (fresh.length && this.state.me?.preferences?.newVisitorSound !== false) this.deps.chime?.();
  }

  private addLiveNote(note: VisitorNote): void {
    if (!note || typeof note.visitorId !== 'string' || typeof note.id !== 'string') return;
    const list = this.state.notes[note.visitorId] ?? [];
    if (list.some((n) => n.id === note.id)) return;
    this.set({ notes: { ...this.state.notes, [note.visitorId]: [...list, note] } });
  }

  /** Drops long-departed rows (called every few seconds by the app). */
  prune(): void {
    const visitors = pruneExpired(this.state.visitors, this.now(), this.state.settings);
    if (visitors === this.state.visitors) return;
    const selected = this.state.selected && visitors[this.state.selected] ? this.state.selected : undefined;
    this.set({ visitors, selected });
  }

  setFilter(filter: GridFilter): void {
    this.set({ filter });
  }

  setSearch(search: string): void {
    this.set({ search });
  }

  setSort(sort: GridSort | undefined): void {
    this.set({ sort });
  }

  select(visitorId: string | undefined): void {
    this.set({ selected: visitorId });
  }

  setSettings(settings: ConsoleSettings): void {
    this.set({ settings: { ...DEFAULT_SETTINGS, ...settings } });
  }

  /** Tags a visitor (null clears). Optimistic; put back if the server refuses. */
  tagVisitor(visitorId: string, tag: VisitorTag | null): void {
    const v = this.state.visitors[visitorId];
    const reqId = this.deps.send({ action: 'tag-visitor', visitorId, tag });
    if (!reqId) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return;
    }
    const after = tag ?? undefined;
    this.tagReqs.set(reqId, { visitorId, before: v?.tag, after });
    if (v) this.set({ visitors: { ...this.state.visitors, [visitorId]: withTag(v, after) } });
  }

  openInvite(visitorId: string | undefined): void {
    this.set({ inviting: visitorId });
  }

  /**
   * A proactive invitation (empty text: the site's default). Resolves with the server's answer; the
   * visitor's row shows it (and what the visitor does with it) through the usual row updates.
   */
  invite(visitorId: string, text: string): Promise<InviteResult> {
    const body = text.trim().slice(0, LIMITS.chatText);
    const reqId = this.deps.send({ action: 'invite', visitorId, ...(body ? { text: body } : {}) });
    if (!reqId)
      return Promise.resolve({ ok: false, code: 'network', message: 'Not connected. Try again in a moment.' });
    return new Promise((resolve) => this.inviteReqs.set(reqId, resolve));
  }

  /** Adds an operator note; it shows once the server echoes it (visitor-note). */
  addNote(visitorId: string, text: string): boolean {
    const body = text.trim().slice(0, LIMITS.note);
    if (!body) return false;
    if (!this.deps.send({ action: 'note-visitor', visitorId, text: body })) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return false;
    }
    return true;
  }

  /** Notes fetched over HTTP for the info panel are merged in (de-duplicated by id). */
  mergeNotes(visitorId: string, notes: readonly VisitorNote[]): void {
    const list = this.state.notes[visitorId] ?? [];
    const seen = new Set(list.map((n) => n.id));
    const added = notes.filter((n) => !seen.has(n.id));
    if (added.length === 0 && this.state.notes[visitorId]) return;
    this.set({ notes: { ...this.state.notes, [visitorId]: [...list, ...added].sort((a, b) => a.at - b.at) } });
  }

  /** The profile the server answered after the operator changed their own name (Settings). */
  setMe(profile: OperatorProfile): void {
    const me = this.state.me;
    if (me) this.set({ me: { ...me, name: profile.name, preferences: { ...me.preferences, ...profile.preferences } } });
  }

  /** The new-visitor sound, per operator. Optimistic; put back if saving fails. */
  async setNewVisitorSound(on: boolean): Promise<void> {
    const me = this.state.me;
    if (!me) return;
    const before = me.preferences;
    this.set({ me: { ...me, preferences: { ...before, newVisitorSound: on } } });
    if (!this.deps.savePreferences) return;
    try {
      const saved = await this.deps.savePreferences({ ...before, newVisitorSound: on });
      const cur = this.state.me;
      if (cur && saved?.preferences)
        this.set({ me: { ...cur, preferences: { ...cur.preferences, ...saved.preferences } } });
    } catch (err) {
      const cur = this.state.me;
      if (cur && cur.preferences.newVisitorSound === on) this.set({ me: { ...cur, preferences: before } });
      this.toast(`Could not save the sound setting: ${err instanceof Error ? err.message : String(err)}`, 'error');
    }
  }

  /** The page became visible again: the open tab's messages count as read. */
  seen(): void {
    if (this.state.overview) return;
    const id = this.state.activeTab;
    if (id && this.thread(id).unread) this.setThread(id, { unread: 0 });
  }
}

/** Shared first, then mine, each by title. */
function sortCanned(list: CannedMessage[]): CannedMessage[] {
  return [...list].sort((a, b) => a.scope.localeCompare(b.scope) * -1 || a.title.localeCompare(b.title));
}

function withTag(v: VisitorRow, tag: VisitorTag | undefined): VisitorRow {
  const { tag: _old, ...rest } = v;
  return tag ? { ...rest, tag } : rest;
}

/** Fills what an older server (or an older frame path) may leave out. */
function normaliseRow(v: VisitorRow): VisitorRow {
  return {
    ...v,
    status: v.status ?? (v.returning ? 'returning' : 'no-activity'),
    visitStart: v.visitStart || v.firstSeen,
    notes: v.notes ?? 0,
  };
}

function normaliseProfile(me: OperatorProfile): OperatorProfile {
  return {
    ...me,
    departments: me.departments ?? [],
    silent: me.silent === true,
    preferences: { newVisitorSound: me.preferences?.newVisitorSound !== false },
  };
}
