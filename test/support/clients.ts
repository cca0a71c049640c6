/** Test clients that talk to a local stack over real sockets, as the widget and console do. */
import WebSocket from 'ws';
import type { LocalStack } from '../../local/stack.js';

type Frame = Record<string, unknown> & { type: string };

export class WsClient {
  readonly frames: Frame[] = [];
  private waiters: { match: (f: Frame) => boolean; resolve: (f: Frame) => void; reject: (e: Error) => void }[] = [];
  private seq = 0;
  closed = false;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Frame;
      this.frames.push(frame);
      this.waiters = this.waiters.filter((w) => {
        if (!w.match(frame)) return true;
        w.resolve(frame);
        return false;
      });
    });
    socket.on('close', () => {
      this.closed = true;
    });
  }

  static open(url: string, headers?: Record<string, string>): Promise<WsClient> {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, headers ? { headers } : {});
      socket.once('open', () => resolve(new WsClient(socket)));
      socket.once('unexpected-response', (_req, res) => reject(new Error(`refused with HTTP ${res.statusCode}`)));
      socket.once('error', reject);
    });
  }

  send(frame: Record<string, unknown> | string): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Waits for the first frame (already received or future) that matches. */
  next(match: (f: Frame) => boolean, timeoutMs = 5000, fromIndex = 0): Promise<Frame> {
    const seen = this.frames.slice(fromIndex).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`no matching frame within ${timeoutMs} ms; got ${JSON.stringify(this.frames.slice(-5))}`)),
        timeoutMs,
      );
      this.waiters.push({
        match,
        resolve: (f) => {
          clearTimeout(timer);
          resolve(f);
        },
        reject,
      });
    });
  }

  /** Sends a frame with a fresh reqId and waits for the reply that echoes it. */
  async request(frame: Record<string, unknown>, timeoutMs = 5000): Promise<Frame> {
    const reqId = `r${++this.seq}`;
    const from = this.frames.length;
    this.send({ ...frame, reqId });
    return this.next((f) => f.reqId === reqId, timeoutMs, from);
  }

  /** Resolves after `ms` with the frames that arrived meanwhile. */
  async collect(ms: number): Promise<Frame[]> {
    const from = this.frames.length;
    await new Promise((r) => setTimeout(r, ms));
    return this.frames.slice(from);
  }

  close(): Promise<void> {
    if (this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      this.socket.once('close', () => resolve());
      this.socket.close();
    });
  }
}

export async function signIn(stack: LocalStack, email: string, password: string): Promise<string> {
  const res = await fetch(`${stack.url}/cognito/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': 'AWSCognitoIdentityProviderService.InitiateAuth',
    },
    body: JSON.stringify({
      AuthFlow: 'USER_PASSWORD_AUTH',
      ClientId: (await (await fetch(`${stack.url}/console/config.json`)).json()).clientId,
      AuthParameters: { USERNAME: email, PASSWORD: password },
    }),
  });
  const body = (await res.json()) as { AuthenticationResult?: { IdToken: string } };
  if (!body.AuthenticationResult) throw new Error(`sign-in failed: ${JSON.stringify(body)}`);
  return body.AuthenticationResult.IdToken;
}

export async function wsTicket(stack: LocalStack, idToken: string): Promise<string> {
  const res = await fetch(`${stack.url}/api/ws-ticket`, {
    method: 'POST',
    headers: { authorization: `Bearer ${idToken}` },
  });
  if (res.status !== 200) throw new Error(`ticket refused: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { ticket: string }).ticket;
}

/** An operator console's socket: sign-in, ticket, connect, hello, and optionally online. */
export async function operatorSession(
  stack: LocalStack,
  who: { email: string; password: string },
  options: { online?: boolean } = {},
): Promise<{ ws: WsClient; welcome: Frame; idToken: string }> {
  const idToken = await signIn(stack, who.email, who.password);
  const ticket = await wsTicket(stack, idToken);
  const ws = await WsClient.open(`${stack.wsUrl}?role=operator&ticket=${encodeURIComponent(ticket)}`);
  const welcome = await ws.request({ action: 'hello' });
  if (options.online !== false) await ws.request({ action: 'set-status', status: 'online' });
  return { ws, welcome, idToken };
}

/** A page a test visitor loads: the page (defaults: the shop's home), a token, headers, more fields. */
export interface VisitorPageOptions {
  url?: string;
  title?: string;
  vt?: string;
  referrer?: string;
  headers?: Record<string, string>;
  extra?: Record<string, unknown>;
}

/** The page view such a page sends, as the `page-view` frame's fields. */
function pageViewOf(page: VisitorPageOptions): Record<string, unknown> {
  return {
    url: page.url ?? 'https://shop.example/',
    title: page.title ?? 'Home',
    ...(page.referrer ? { referrer: page.referrer } : {}),
    ...page.extra,
  };
}

const visitorUrl = (stack: LocalStack, page: VisitorPageOptions) =>
  `${stack.wsUrl}?role=visitor&site=${stack.siteId}${page.vt ? `&vt=${encodeURIComponent(page.vt)}` : ''}`;

/** A visitor page: connect, page-view, welcome. */
export async function visitorPage(
  stack: LocalStack,
  page: VisitorPageOptions = {},
): Promise<{ ws: WsClient; welcome: Frame }> {
  const ws = await WsClient.open(visitorUrl(stack, page), page.headers);
  const welcome = await ws.request({ action: 'page-view', ...pageViewOf(page) });
  return { ws, welcome };
}

/**
 * A visitor page as the widget loads it: the page view travels in the connect request (`pv`), the
 * authorizer records it, and the welcome arrives unasked (posted by the table stream).
 */
export async function visitorPageAtConnect(
  stack: LocalStack,
  page: VisitorPageOptions = {},
  timeoutMs = 5000,
): Promise<{ ws: WsClient; welcome: Frame }> {
  const pv = encodeURIComponent(JSON.stringify(pageViewOf(page)));
  const ws = await WsClient.open(`${visitorUrl(stack, page)}&pv=${pv}`, page.headers);
  const welcome = await ws.next((f) => f.type === 'welcome' && f.role === 'visitor', timeoutMs);
  return { ws, welcome };
}

/** The HTTP API as the console calls it. */
export async function api<T = Record<string, unknown>>(
  stack: LocalStack,
  idToken: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${idToken}`,
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as T };
}

/** The latest row of a visitor among the `visitors` frames a console received. */
export function latestRow(ws: WsClient, visitorId: string): Record<string, unknown> | undefined {
  for (let i = ws.frames.length - 1; i >= 0; i--) {
    const f = ws.frames[i]!;
    if (f.type !== 'visitors') continue;
    const row = (f.visitors as Record<string, unknown>[]).find((v) => v.visitorId === visitorId);
    if (row) return row;
  }
  return undefined;
}

/** Waits until a console's latest row for the visitor satisfies `test`. */
export async function waitForRow(
  ws: WsClient,
  visitorId: string,
  test: (row: Record<string, unknown>) => boolean,
  timeoutMs = 8000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = latestRow(ws, visitorId);
    if (row && test(row)) return row;
    if (Date.now() > deadline) throw new Error(`row of ${visitorId} never matched; last: ${JSON.stringify(row)}`);
    await ws.collect(50);
  }
}
