/**
 * The console's state and the frames it sends, without any UI. Server frames go in through
 * `handle`, operator actions through the methods; views re-render on `subscribe`.
 * State is replaced immutably, so components can compare by reference.
 */
import type {
  ChatMessage,
  ChatSummary,
  ConsoleSettings,
  ErrorEvent,
  OperatorPreferences,
  OperatorProfile,
  OperatorRef,
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

/** How long a new row stays highlighted. */
export const FRESH_MS = 4000;

export interface ConsoleState {
  connection: ConnectionState;
  me?: OperatorProfile;
  operators: (OperatorRef & { status: OperatorStatus })[];
  visitors: Record<string, VisitorRow>;
  chats: Record<string, ChatSummary>;
  threads: Record<string, Thread>;
  /** Chats I declined: hidden from my queue only. */
  declined: Record<string, true>;
  tabs: string[];
  activeTab?: string;
  toasts: Toast[];
  counts?: { queued: number; active: number; operatorsOnline: number };
  settings: ConsoleSettings;
  /** The grid's view (a silent operator is forced to `mine` whatever this says). */
  filter: GridFilter;
  search: string;
  sort?: GridSort;
  /** The visitor whose info panel is open. */
  selected?: string;
  /** Rows that arrived recently (visitorId → when), highlighted for FRESH_MS. */
  fresh: Record<string, number>;
  /** Notes that arrived live (visitor-note), by visitor; the info panel merges them with what it fetched. */
  notes: Record<string, VisitorNote[]>;
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
    tabs: [],
    toasts: [],
    settings: DEFAULT_SETTINGS,
    filter: 'all',
    search: '',
    fresh: {},
    notes: {},
  };
  private readonly listeners = new Set<() => void>();
  private readonly syncs = new SyncTracker();
  private readonly acceptReqs = new Map<string, string>();
  private readonly typingOut = new Map<string, TypingThrottle>();
  private readonly typingTimers = new Map<string, ReturnType<typeof setTimeout>>();
  /** Queued chats already announced with the door-bell. */
  private readonly rung = new Set<string>();
  /** tag-visitor requests in flight: reqId → the row's tag before the optimistic change. */
  private readonly tagReqs = new Map<
    string,
    { visitorId: string; before: VisitorTag | undefined; after: VisitorTag | undefined }
  >();
  private toastSeq = 0;

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

  activeChats(): ChatSummary[] {
    return Object.values(this.state.chats)
      .filter((c) => c.status === 'active')
      .sort((a, b) => (a.acceptedAt ?? a.createdAt) - (b.acceptedAt ?? b.createdAt));
  }

  // ---- connection ----

  setConnection(connection: ConnectionState): void {
    if (connection !== 'open') this.syncs.reset();
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
        const operators = (e.operatorsOnline || []).map((o) => ({ ...o, status: 'online' as OperatorStatus }));
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
        if (e.reqId) this.tagReqs.delete(e.reqId);
        break;
      case 'visitor-left': {
        const v = this.state.visitors[e.visitorId];
        if (v) this.set({ visitors: { ...this.state.visitors, [e.visitorId]: { ...v, presence: 'departed' } } });
        break;
      }
      case 'chat-update':
        this.onChatUpdate(e.chat);
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
        const self = e.operators.find((o) => o.id === me?.id);
        this.set({ operators: e.operators, me: me && self ? { ...me, status: self.status } : me });
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

  private onChatUpdate(c: ChatSummary, maySync = true): void {
    const before = this.state.chats[c.chatId];
    const me = this.state.me;
    let { tabs, activeTab } = this.state;
    const acceptedByMe = [...this.acceptReqs.values()].includes(c.chatId) && isMine(c, me);
    if (acceptedByMe) {
      for (const [req, id] of this.acceptReqs) if (id === c.chatId) this.acceptReqs.delete(req);
    }
    if (c.status === 'active' && isMine(c, me) && !tabs.includes(c.chatId)) {
      tabs = [...tabs, c.chatId];
      if (acceptedByMe || !activeTab) activeTab = c.chatId;
    }
    this.set({ chats: { ...this.state.chats, [c.chatId]: c }, tabs, activeTab });
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
    if (c.status === 'queued' && before?.status !== 'queued') this.announceQueue();
    if (maySync && tabs.includes(c.chatId) && hasGap(this.thread(c.chatId).messages, c.lastSeq)) {
      this.requestSync(c.chatId);
    }
  }

  private onMessages(chatId: string, incoming: ChatMessage[], live: boolean): void {
    const t = this.thread(chatId);
    const before = syncPoint(t.messages);
    const messages = mergeMessages(t.messages, incoming);
    if (messages === t.messages) return;
    const added = messages.length - t.messages.length;
    const fromVisitor = incoming.some((m) => m.from.kind === 'visitor');
    const watching = this.state.activeTab === chatId && (this.deps.pageVisible?.() ?? true);
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
    if (e.reqId) this.acceptReqs.delete(e.reqId);
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

  /** Door-bell once per newly queued chat (not for ones I declined). */
  private announceQueue(): void {
    let fresh = false;
    for (const c of this.queue()) {
      if (this.rung.has(c.chatId)) continue;
      this.rung.add(c.chatId);
      fresh = true;
    }
    if (fresh) this.deps.ring();
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

  setStatus(status: OperatorStatus): void {
    const me = this.state.me;
    if (!this.deps.send({ action: 'set-status', status })) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return;
    }
    if (me) this.set({ me: { ...me, status } });
  }

  accept(chatId: string): void {
    const reqId = this.deps.send({ action: 'accept', chatId });
    if (!reqId) {
      this.toast('Not connected. Try again in a moment.', 'error');
      return;
    }
    this.acceptReqs.set(reqId, chatId);
  }

  decline(chatId: string): void {
    this.deps.send({ action: 'decline', chatId });
    this.set({ declined: { ...this.state.declined, [chatId]: true } });
  }

  openTab(chatId: string): void {
    const tabs = this.state.tabs.includes(chatId) ? this.state.tabs : [...this.state.tabs, chatId];
    this.set({ tabs });
    this.activate(chatId);
    if (!this.thread(chatId).loaded) this.requestSync(chatId);
  }

  activate(chatId: string): void {
    this.set({ activeTab: chatId });
    if (this.thread(chatId).unread) this.setThread(chatId, { unread: 0 });
  }

  closeTab(chatId: string): void {
    const i = this.state.tabs.indexOf(chatId);
    if (i < 0) return;
    const tabs = this.state.tabs.filter((id) => id !== chatId);
    const activeTab = this.state.activeTab === chatId ? tabs[Math.min(i, tabs.length - 1)] : this.state.activeTab;
    this.set({ tabs, activeTab });
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
    const id = this.state.activeTab;
    if (id && this.thread(id).unread) this.setThread(id, { unread: 0 });
  }
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
