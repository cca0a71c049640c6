/**
 * A local API Gateway: the WebSocket API (authorizer on `$connect`, route selection on
 * `$request.body.action`, `$disconnect`, frame and message limits, idle timeout), its management
 * API (`/@connections/{id}` with 410 for gone connections, so the real
 * ApiGatewayManagementApiClient works unchanged), the HTTP API with a Cognito JWT authorizer, and
 * the static origin CloudFront serves in AWS. Handlers are the very Lambda handlers AWS runs.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP, type Socket } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { WebSocket, WebSocketServer } from 'ws';
import { documentClient } from '../functions/adapters/dynamo-client.js';
import {
  HTTP_API_ENTRY,
  HTTP_ROUTES,
  WS_AUTHORIZER_ENTRY,
  WS_INTEGRATIONS,
  WS_ROUTES,
} from '../functions/handlers/routes.js';
import { integrationRequest } from '../functions/handlers/ws-integrations.js';
import { LIMITS } from '../functions/protocol/limits.js';
import { currentInvocation, type Invoke } from './lambda-runner.js';

export interface GatewayOptions {
  port: number;
  root: string;
  cognito: { url: string; issuer: string; jwksUrl: string; clientId: string };
  consoleConfig: () => Record<string, unknown>;
  idleTimeoutMs?: number;
  /** Runs a handler entry as Lambda would (local/lambda-runner.ts). */
  invoke: Invoke;
  /**
   * CloudFront viewer headers for an address, from MaxMind files (local/geoip.ts `openGeoIp`).
   * Without it, or when it finds nothing (private addresses), labelled local values are used.
   */
  geoip?: (ip: string) => Record<string, string>;
}

interface Conn {
  id: string;
  socket: WebSocket;
  authorizer: Record<string, unknown>;
  connectedAt: number;
  lastActiveAt: number;
  sourceIp: string;
  userAgent: string;
  idle?: NodeJS.Timeout;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
};

export class LocalGateway {
  private server?: Server;
  private wss = new WebSocketServer({ noServer: true, maxPayload: LIMITS.messageBytes });
  private conns = new Map<string, Conn>();
  private jwks: ReturnType<typeof createRemoteJWKSet>;
  port = 0;
  private closing = false;

  constructor(private readonly opts: GatewayOptions) {
    this.jwks = createRemoteJWKSet(new URL(opts.cognito.jwksUrl));
  }

  private invoke(entry: string, event: unknown): Promise<unknown> {
    return this.opts.invoke(entry, event);
  }

  /**
   * A route API Gateway serves itself (WS_INTEGRATIONS): a mock does nothing, a DynamoDB
   * integration sends the very request its VTL template renders in AWS (functions/handlers/
   * ws-integrations.ts), through the handlers' DynamoDB client (the benchmark counts it as the
   * route's). Failures are what API Gateway logs and otherwise ignores on `$disconnect`.
   */
  private async integrate(routeKey: string, conn: Pick<Conn, 'id' | 'connectedAt' | 'authorizer'>) {
    const integration = WS_INTEGRATIONS[routeKey];
    if (!integration || integration.kind === 'mock') return;
    const { input } = integrationRequest(integration, String(process.env.TABLE_NAME), {
      connectionId: conn.id,
      connectedAt: conn.connectedAt,
      requestTimeEpoch: Date.now(),
      authorizer: conn.authorizer,
    });
    await currentInvocation.run(routeKey, async () => {
      try {
        // biome-ignore lint/suspicious/noExplicitAny: a low-level command through the shared document client
        await documentClient().send(new UpdateItemCommand(input) as any);
      } catch (err) {
        // A refused condition: the socket was never recorded (no page view) or is already gone.
        if ((err as Error)?.name !== 'ConditionalCheckFailedException') throw err;
      }
    });
  }

  async listen(): Promise<number> {
    this.server = createServer((req, res) => void this.onRequest(req, res));
    this.server.on('upgrade', (req, socket, head) => void this.onUpgrade(req, socket as Socket, head));
    await new Promise<void>((resolveListen, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.opts.port, '127.0.0.1', () => resolveListen());
    });
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  async close(): Promise<void> {
    this.closing = true;
    const open = [...this.conns.values()];
    this.conns.clear();
    for (const c of open) {
      clearTimeout(c.idle);
      c.socket.terminate();
    }
    // Closing sockets run `$disconnect` as in AWS, so a restart (--data) finds nobody still present.
    await Promise.allSettled(open.map((c) => this.integrate('$disconnect', c)));
    await new Promise<void>((r) => this.wss.close(() => r()));
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((r) => this.server!.close(() => r()));
    }
  }

  /** Open connection ids (tests use it to drop a socket the way a network would). */
  connectionIds(): string[] {
    return [...this.conns.keys()];
  }

  // ---------- WebSocket API ----------

  private baseContext(
    conn: Pick<Conn, 'id' | 'connectedAt' | 'sourceIp' | 'userAgent'>,
    routeKey: string,
    eventType: string,
  ) {
    return {
      routeKey,
      eventType,
      connectionId: conn.id,
      connectedAt: conn.connectedAt,
      requestTimeEpoch: Date.now(),
      messageId: randomBytes(6).toString('base64url'),
      domainName: `127.0.0.1:${this.port}`,
      stage: 'ws',
      apiId: 'local',
      requestId: randomBytes(8).toString('hex'),
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    };
  }

  private async onUpgrade(req: IncomingMessage, socket: Socket, head: Buffer) {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== '/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    const query = Object.fromEntries(url.searchParams);
    const headers = {
      ...Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      ...viewerHeaders(req, this.opts.geoip),
    };
    const pending = {
      id: `${randomBytes(9).toString('base64').replace(/[+/]/g, 'x')}=`,
      connectedAt: Date.now(),
      sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    try {
      const auth = (await this.invoke(WS_AUTHORIZER_ENTRY, {
        type: 'REQUEST',
        methodArn: 'arn:aws:execute-api:local:000000000000:local/ws/$connect',
        queryStringParameters: query,
        headers,
        requestContext: this.baseContext(pending, '$connect', 'CONNECT'),
      })) as {
        principalId: string;
        policyDocument: { Statement: { Effect: string }[] };
        context?: Record<string, unknown>;
      };
      if (auth.policyDocument.Statement.some((s) => s.Effect !== 'Allow')) {
        socket.end('HTTP/1.1 403 Forbidden\r\ncontent-length: 0\r\n\r\n');
        return;
      }
      const authorizer = { ...(auth.context ?? {}), principalId: auth.principalId };
      await this.integrate('$connect', { ...pending, authorizer });
      this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, { ...pending, authorizer }));
    } catch (err) {
      console.error('[gateway] $connect failed', err);
      socket.end('HTTP/1.1 500 Internal Server Error\r\ncontent-length: 0\r\n\r\n');
    }
  }

  private accept(socket: WebSocket, c: Omit<Conn, 'socket' | 'lastActiveAt'>) {
    const conn: Conn = { ...c, socket, lastActiveAt: Date.now() };
    this.conns.set(conn.id, conn);
    this.touch(conn);
    socket.on('message', (data, isBinary) => {
      this.touch(conn);
      const body = isBinary ? Buffer.from(data as Buffer).toString('base64') : data.toString();
      void this.route(conn, body);
    });
    socket.on('close', () => {
      if (!this.conns.delete(conn.id)) return;
      clearTimeout(conn.idle);
      void this.integrate('$disconnect', conn).catch((err) => {
        // Stopping: the table may already be gone.
        if (!this.closing) console.error('[gateway] $disconnect failed', err);
      });
    });
    socket.on('error', () => socket.terminate());
  }

  /** API Gateway closes a connection that sent nothing for 10 minutes. */
  private touch(conn: Conn) {
    conn.lastActiveAt = Date.now();
    clearTimeout(conn.idle);
    conn.idle = setTimeout(() => conn.socket.close(1001, 'Going away'), this.opts.idleTimeoutMs ?? 10 * 60_000);
    conn.idle.unref();
  }

  private async route(conn: Conn, body: string) {
    let routeKey = '$default';
    try {
      const action = (JSON.parse(body) as { action?: unknown })?.action;
      if (typeof action === 'string' && WS_ROUTES.some((r) => r.routeKey === action && !action.startsWith('$'))) {
        routeKey = action;
      }
    } catch {
      // not JSON: $default answers it
    }
    const entry = WS_ROUTES.find((r) => r.routeKey === routeKey)!.entry;
    try {
      await this.invoke(entry, {
        body,
        isBase64Encoded: false,
        requestContext: { ...this.baseContext(conn, routeKey, 'MESSAGE'), authorizer: conn.authorizer },
      });
    } catch (err) {
      // A Lambda that throws: API Gateway sends the client an "Internal server error" message.
      console.error(`[gateway] ${routeKey} failed`, err);
      if (conn.socket.readyState === WebSocket.OPEN) {
        conn.socket.send(JSON.stringify({ message: 'Internal server error', connectionId: conn.id }));
      }
    }
  }

  private async onManagement(req: IncomingMessage, res: ServerResponse, id: string) {
    const conn = this.conns.get(id);
    if (!conn || conn.socket.readyState !== WebSocket.OPEN) {
      res.writeHead(410, { 'content-type': 'application/json', 'x-amzn-errortype': 'GoneException' });
      res.end(JSON.stringify({ message: 'Gone' }));
      return;
    }
    if (req.method === 'POST') {
      const body = await readBody(req, LIMITS.messageBytes + 1);
      if (body.length > LIMITS.messageBytes) {
        res.writeHead(413, { 'x-amzn-errortype': 'PayloadTooLargeException' }).end();
        return;
      }
      conn.socket.send(body.toString());
      res.writeHead(200).end();
    } else if (req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          ConnectedAt: new Date(conn.connectedAt).toISOString(),
          LastActiveAt: new Date(conn.lastActiveAt).toISOString(),
          Identity: { SourceIp: conn.sourceIp, UserAgent: conn.userAgent },
        }),
      );
    } else if (req.method === 'DELETE') {
      conn.socket.close(1000);
      res.writeHead(204).end();
    } else {
      res.writeHead(405).end();
    }
  }

  // ---------- HTTP: management API, HTTP API, Cognito proxy, static origin ----------

  private async onRequest(req: IncomingMessage, res: ServerResponse) {
    try {
      const url = new URL(req.url ?? '/', 'http://local');
      const path = url.pathname;
      if (path.startsWith('/@connections/')) {
        return await this.onManagement(req, res, decodeURIComponent(path.slice('/@connections/'.length)));
      }
      if (path.startsWith('/api/')) return await this.onApi(req, res, url);
      if (path === '/cognito' || path === '/cognito/') return await this.proxyCognito(req, res);
      if (path === '/console/config.json') {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
        res.end(JSON.stringify(this.opts.consoleConfig()));
        return;
      }
      if (path === '/console') {
        res.writeHead(301, { location: '/console/' }).end();
        return;
      }
      if (path.startsWith('/console/'))
        return this.serveStatic(res, join(this.opts.root, 'dist', 'console'), path.slice(9), true);
      if (path.startsWith('/widget/'))
        return this.serveStatic(res, join(this.opts.root, 'dist', 'widget'), path.slice(8), false, true);
      return this.serveStatic(res, join(this.opts.root, 'local', 'site'), path);
    } catch (err) {
      console.error('[gateway] request failed', err);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end('Internal error');
    }
  }

  private serveStatic(res: ServerResponse, base: string, rel: string, console = false, cors = false) {
    const safe = normalize(decodeURIComponent(rel)).replace(/^([/\\])+/, '');
    let file = resolve(base, safe);
    if (!file.startsWith(resolve(base) + sep) && file !== resolve(base)) {
      res.writeHead(403).end();
      return;
    }
    if (existsSync(file) && statSync(file).isDirectory()) file = join(file, 'index.html');
    if (!existsSync(file)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end(existsSync(base) ? 'Not found' : `Not built yet: run npm run build (${base} is missing)`);
      return;
    }
    const headers: Record<string, string> = {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'cache-control': 'no-cache',
      'x-content-type-options': 'nosniff',
    };
    if (console) {
      // The same policy CloudFront's response headers policy sets on the console in AWS.
      headers['content-security-policy'] =
        "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
      headers['referrer-policy'] = 'same-origin';
    }
    // Like CloudFront's /widget/* behaviour: other sites embed it, and chat.js is a CORS module import.
    if (cors) headers['access-control-allow-origin'] = '*';
    res.writeHead(200, headers);
    createReadStream(file).pipe(res);
  }

  private async proxyCognito(req: IncomingMessage, res: ServerResponse) {
    const body = await readBody(req, 64 * 1024);
    const upstream = await fetch(this.opts.cognito.url, {
      method: 'POST',
      headers: {
        'content-type': String(req.headers['content-type'] ?? 'application/x-amz-json-1.1'),
        'x-amz-target': String(req.headers['x-amz-target'] ?? ''),
      },
      body: new Uint8Array(body),
    });
    res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await upstream.arrayBuffer()));
  }

  /** HTTP API: JWT authorizer (issuer, audience, signature against the JWKS), then the handler. */
  private async onApi(req: IncomingMessage, res: ServerResponse, url: URL) {
    const method = req.method ?? 'GET';
    let params: Record<string, string> | undefined;
    const route = HTTP_ROUTES.find((r) => {
      if (r.method !== method) return false;
      params = matchPath(r.path, url.pathname);
      return params !== undefined;
    });
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (!route) return send(404, { message: 'Not Found' });
    let claims: Record<string, unknown> = {};
    if (route.auth) {
      const token = /^Bearer (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
      if (!token) return send(401, { message: 'Unauthorized' });
      try {
        const { payload } = await jwtVerify(token, this.jwks, {
          issuer: this.opts.cognito.issuer,
          audience: this.opts.cognito.clientId,
        });
        claims = payload as Record<string, unknown>;
      } catch {
        return send(401, { message: 'Unauthorized' });
      }
    }
    const body = await readBody(req, 1024 * 1024);
    const result = (await this.invoke(HTTP_API_ENTRY, {
      version: '2.0',
      routeKey: `${route.method} ${route.path}`,
      rawPath: url.pathname,
      rawQueryString: url.search.slice(1),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)])),
      queryStringParameters: url.searchParams.size ? Object.fromEntries(url.searchParams) : undefined,
      pathParameters: params && Object.keys(params).length ? params : undefined,
      body: body.length ? body.toString() : undefined,
      isBase64Encoded: false,
      requestContext: {
        routeKey: `${route.method} ${route.path}`,
        http: {
          method,
          path: url.pathname,
          sourceIp: req.socket.remoteAddress ?? '',
          userAgent: String(req.headers['user-agent'] ?? ''),
        },
        authorizer: { jwt: { claims, scopes: null } },
        requestId: randomBytes(8).toString('hex'),
        timeEpoch: Date.now(),
        stage: '$default',
      },
    })) as { statusCode: number; headers?: Record<string, string>; body?: string };
    res.writeHead(result.statusCode, result.headers ?? {});
    res.end(result.body ?? '');
  }
}

/**
 * The CloudFront viewer headers the `/ws` origin request policy forwards in AWS. Locally there is
 * no CloudFront, so the gateway adds them: the viewer's address, and its place from the MaxMind
 * lookup when one is configured and finds the address, else labelled local values ("ZZ" is the
 * ISO code for an unknown country). The viewer is the socket's peer or, when that peer is this
 * machine and says it forwards for someone (a local reverse proxy or tunnel), the first
 * `X-Forwarded-For` address. Every geo header is always set (empty when unknown), so a client
 * cannot supply its own, just as CloudFront forwards only the allow-listed headers it sets.
 */
export function viewerHeaders(
  req: Pick<IncomingMessage, 'headers'> & { socket: Pick<Socket, 'remoteAddress' | 'remotePort'> },
  geoip?: (ip: string) => Record<string, string>,
): Record<string, string> {
  const peer = req.socket.remoteAddress ?? '127.0.0.1';
  const forwardedFor = String(req.headers['x-forwarded-for'] ?? '')
    .split(',')[0]
    ?.trim();
  const ip = /^(?:127\.|::1$|::ffff:127\.)/.test(peer) && forwardedFor && isIP(forwardedFor) ? forwardedFor : peer;
  const headers: Record<string, string> = {
    'cloudfront-viewer-address': `${ip}:${req.socket.remotePort ?? 0}`,
    'cloudfront-viewer-country': '',
    'cloudfront-viewer-country-region': '',
    'cloudfront-viewer-city': '',
    'cloudfront-viewer-postal-code': '',
    'cloudfront-viewer-metro-code': '',
    'cloudfront-viewer-time-zone': '',
    'cloudfront-viewer-asn': '',
    'x-parley-isp': '',
  };
  let found: Record<string, string> = {};
  if (geoip) {
    try {
      found = geoip(ip);
    } catch {
      found = {};
    }
  }
  if (Object.values(found).some(Boolean)) return { ...headers, ...found };
  return {
    ...headers,
    'cloudfront-viewer-country': 'ZZ',
    'cloudfront-viewer-country-region': 'LOCAL',
    'cloudfront-viewer-city': 'Localhost',
    'cloudfront-viewer-postal-code': '00000',
    'cloudfront-viewer-time-zone': Intl.DateTimeFormat().resolvedOptions().timeZone,
    'cloudfront-viewer-asn': '0',
  };
}

function matchPath(template: string, path: string): Record<string, string> | undefined {
  const t = template.split('/');
  const p = path.split('/');
  if (t.length !== p.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < t.length; i++) {
    const seg = t[i]!;
    if (seg.startsWith('{') && seg.endsWith('}')) params[seg.slice(1, -1)] = decodeURIComponent(p[i]!);
    else if (seg !== p[i]) return undefined;
  }
  return params;
}

async function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > max) break;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
