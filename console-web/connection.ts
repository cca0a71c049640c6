/**
 * The operator's WebSocket: fetch a single-use ticket (POST {apiUrl}/ws-ticket with the IdToken),
 * connect with it, send `hello`, reconnect with backoff and a NEW ticket every time.
 */
import type { ServerEvent } from '../functions/protocol/events.js';
import type { TicketResponse } from '../functions/protocol/schemas.js';
import { backoffDelay } from '../widget/core/backoff.js';
import type { OperatorFrame } from '../widget/core/frames.js';
import type { ResolvedConfig } from './config.js';

export type ConnectionState = 'connecting' | 'open' | 'closed';

export class TicketError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'TicketError';
  }
}

export interface ConnectionHooks {
  idToken(force?: boolean): Promise<string>;
  onEvent(e: ServerEvent): void;
  onState(s: ConnectionState): void;
  /** The API refused our credentials even after a refresh: sign in again. */
  onAuthFailed(): void;
}

export class OperatorConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private reqSeq = 0;
  private stopped = false;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly cfg: ResolvedConfig,
    private readonly hooks: ConnectionHooks,
  ) {}

  start(): void {
    this.stopped = false;
    void this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const ws = this.ws;
    this.ws = undefined;
    ws?.close(1000, 'sign out');
  }

  get open(): boolean {
    return !!this.ws && this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a frame with a fresh reqId; returns the reqId, or undefined when not connected. */
  send(frame: OperatorFrame): string | undefined {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN) return undefined;
    const reqId = `c${++this.reqSeq}`;
    this.ws.send(JSON.stringify({ ...frame, reqId }));
    return reqId;
  }

  private async ticket(): Promise<string> {
    const post = async (force: boolean) => {
      const token = await this.hooks.idToken(force);
      return fetch(`${this.cfg.apiBase}/ws-ticket`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
        body: '{}',
      });
    };
    let res = await post(false);
    if (res.status === 401) res = await post(true);
    if (!res.ok) throw new TicketError(res.status, `ws-ticket: HTTP ${res.status}`);
    const body = (await res.json()) as TicketResponse;
    if (!body.ticket) throw new TicketError(500, 'ws-ticket: no ticket in the reply');
    return body.ticket;
  }

  private retry(): void {
    if (this.stopped) return;
    this.hooks.onState('closed');
    this.timer = setTimeout(() => void this.connect(), backoffDelay(this.attempt++));
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.hooks.onState('connecting');
    let ticket: string;
    try {
      ticket = await this.ticket();
    } catch (err) {
      if (this.stopped) return;
      if (err instanceof TicketError && (err.status === 401 || err.status === 403)) {
        this.hooks.onAuthFailed();
        return;
      }
      this.retry();
      return;
    }
    if (this.stopped) return;
    const url = new URL(this.cfg.wsBase);
    url.searchParams.set('role', 'operator');
    url.searchParams.set('ticket', ticket);
    const ws = new WebSocket(url.href);
    this.ws = ws;
    ws.onopen = () => {
      this.hooks.onState('open');
      this.send({ action: 'hello' });
    };
    ws.onmessage = (m) => {
      let e: ServerEvent;
      try {
        e = JSON.parse(typeof m.data === 'string' ? m.data : '');
      } catch {
        return;
      }
      if (!e || typeof e.type !== 'string') return;
      if (e.type === 'welcome') this.attempt = 0;
      this.hooks.onEvent(e);
    };
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = undefined;
      this.retry();
    };
  }
}
