/**
 * The operator HTTP API (`config.apiUrl`), with the IdToken as a Bearer token. A 401 is retried
 * once with a refreshed token; other failures become an ApiError with the server's code and message.
 */
import type {
  AutoInvitationRule,
  CannedMessage,
  ChatMessage,
  ConsoleSettings,
  OperatorPreferences,
  OperatorProfile,
  SiteReport,
  VisitorDetails,
} from '../functions/protocol/events.js';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export class Api {
  constructor(
    private readonly base: string,
    private readonly idToken: (force?: boolean) => Promise<string>,
  ) {}

  async request<T>(method: 'GET' | 'PUT' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
    const go = async (force: boolean) => {
      const headers: Record<string, string> = { Authorization: `Bearer ${await this.idToken(force)}` };
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      return fetch(`${this.base}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        cache: 'no-store',
      });
    };
    let res: Response;
    try {
      res = await go(false);
      if (res.status === 401) res = await go(true);
    } catch (err) {
      throw new ApiError(0, 'network', `The server could not be reached (${err instanceof Error ? err.message : err})`);
    }
    let data: unknown;
    try {
      data = await res.json();
    } catch {
      data = undefined;
    }
    if (!res.ok) {
      const e = (data as { error?: { code?: string; message?: string } } | undefined)?.error;
      throw new ApiError(res.status, e?.code || `http-${res.status}`, e?.message || `HTTP ${res.status}`);
    }
    return data as T;
  }

  visitor(visitorId: string): Promise<VisitorDetails> {
    return this.request('GET', `/visitors/${encodeURIComponent(visitorId)}`);
  }

  chatMessages(chatId: string): Promise<{ chatId: string; messages: ChatMessage[] }> {
    return this.request('GET', `/chats/${encodeURIComponent(chatId)}/messages`);
  }

  report(from: string, to: string): Promise<SiteReport> {
    return this.request('GET', `/reports?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`);
  }

  /** `name`: the operator's own new display name. */
  savePreferences(p: OperatorPreferences & { name?: string }): Promise<OperatorProfile> {
    return this.request('PUT', '/me/preferences', p);
  }

  settings(): Promise<ConsoleSettings> {
    return this.request('GET', '/settings');
  }

  saveSettings(s: ConsoleSettings): Promise<ConsoleSettings> {
    return this.request('PUT', '/settings', s);
  }

  /** Every operator of the site (for the transfer and add-operator pickers). */
  operators(): Promise<Omit<OperatorProfile, 'preferences'>[]> {
    return this.request('GET', '/operators');
  }

  /** Shared canned messages and my own. */
  canned(): Promise<CannedMessage[]> {
    return this.request('GET', '/canned');
  }

  /** Creates a canned message, or replaces the one with this id. */
  saveCanned(input: Omit<CannedMessage, 'id'>, id?: string): Promise<CannedMessage> {
    return id
      ? this.request('PUT', `/canned/${encodeURIComponent(id)}`, input)
      : this.request('POST', '/canned', input);
  }

  deleteCanned(id: string): Promise<{ deleted: boolean }> {
    return this.request('DELETE', `/canned/${encodeURIComponent(id)}`);
  }

  /** The automatic invitation rules (anyone reads them; only admins save). */
  autoInvitations(): Promise<AutoInvitationRule[]> {
    return this.request('GET', '/auto-invitations');
  }

  saveAutoInvitations(rules: AutoInvitationRule[]): Promise<AutoInvitationRule[]> {
    return this.request('PUT', '/auto-invitations', rules);
  }
}
