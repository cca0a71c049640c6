/**
 * The console's message queue: offline messages by status, the count of new ones (from the
 * welcome and every `offline-message` frame) and the operator's actions on them (HTTP API).
 * Kept apart from ConsoleStore: it only needs the frames and the API.
 */
import type {
  OfflineMessage,
  OfflineMessagePage,
  OfflineMessageStatus,
  ServerEvent,
} from '../functions/protocol/events.js';
import type { Api } from './api.js';

export interface InboxState {
  /** New messages this operator may see (the nav badge). */
  newCount: number;
  lists: Record<OfflineMessageStatus, OfflineMessage[]>;
  /** The next page of each list, if there is one. */
  next: Partial<Record<OfflineMessageStatus, string>>;
  loading: boolean;
  error?: string;
  /** Ids that arrived while the console was open (highlighted until seen). */
  fresh: string[];
}

const byNewest = (a: OfflineMessage, b: OfflineMessage) => b.createdAt - a.createdAt;

export class OfflineInbox {
  state: InboxState = { newCount: 0, lists: { new: [], handled: [] }, next: {}, loading: false, fresh: [] };
  private readonly listeners = new Set<() => void>();

  constructor(private readonly api: Pick<Api, 'request'>) {}

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private set(patch: Partial<InboxState>): void {
    this.state = { ...this.state, ...patch };
    for (const fn of this.listeners) fn();
  }

  handle(e: ServerEvent): void {
    if (e.type === 'welcome' && e.role === 'operator') {
      if (typeof e.offlineMessagesNew === 'number') this.set({ newCount: e.offlineMessagesNew });
    } else if (e.type === 'offline-message') {
      this.put(e.message, true);
      if (typeof e.newCount === 'number') this.set({ newCount: e.newCount });
    }
  }

  /** Puts a message in the list of its status (and out of the other one). */
  private put(m: OfflineMessage, fresh = false): void {
    const other: OfflineMessageStatus = m.status === 'new' ? 'handled' : 'new';
    const lists = {
      ...this.state.lists,
      [m.status]: [m, ...this.state.lists[m.status].filter((x) => x.id !== m.id)].sort(byNewest),
      [other]: this.state.lists[other].filter((x) => x.id !== m.id),
    } as InboxState['lists'];
    this.set({ lists, fresh: fresh ? [...this.state.fresh, m.id] : this.state.fresh });
  }

  async load(status: OfflineMessageStatus, more = false): Promise<void> {
    const cursor = more ? this.state.next[status] : undefined;
    if (more && !cursor) return;
    this.set({ loading: true, error: undefined });
    try {
      const q = `status=${status}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await this.api.request<OfflineMessagePage>('GET', `/offline-messages?${q}`);
      const list = more ? [...this.state.lists[status], ...page.messages] : page.messages;
      const seen = new Set<string>();
      const lists = { ...this.state.lists, [status]: list.filter((m) => !seen.has(m.id) && seen.add(m.id)) };
      const next = { ...this.state.next, [status]: page.next };
      // The first page of new messages is the truth for the badge too, when it is the whole list.
      const newCount = status === 'new' && !page.next && !more ? page.messages.length : this.state.newCount;
      this.set({ lists, next, loading: false, newCount });
    } catch (err) {
      this.set({ loading: false, error: err instanceof Error ? err.message : String(err) });
    }
  }

  /** Marks it handled; a colleague who was first wins (the server returns their record). */
  async markHandled(id: string): Promise<OfflineMessage> {
    const m = await this.api.request<OfflineMessage>('POST', `/offline-messages/${encodeURIComponent(id)}/handled`);
    const wasNew = this.state.lists.new.some((x) => x.id === id);
    this.put(m);
    if (wasNew && m.status === 'handled') this.set({ newCount: Math.max(0, this.state.newCount - 1) });
    return m;
  }

  /** E-mails a reply to the visitor (the message becomes handled). */
  async reply(id: string, text: string): Promise<OfflineMessage> {
    const m = await this.api.request<OfflineMessage>('POST', `/offline-messages/${encodeURIComponent(id)}/reply`, {
      text,
    });
    const wasNew = this.state.lists.new.some((x) => x.id === id);
    this.put(m);
    if (wasNew && m.status === 'handled') this.set({ newCount: Math.max(0, this.state.newCount - 1) });
    return m;
  }

  seen(): void {
    if (this.state.fresh.length) this.set({ fresh: [] });
  }
}
