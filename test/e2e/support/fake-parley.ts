/**
 * A small in-memory stand-in for the Parley backend, speaking the wire protocol of
 * functions/protocol (one origin: static files, /cognito/, /api/*, /ws).
 * It exists to test the browser code on its own (rendering, de-duplication, resend, gap filling,
 * the visitors grid and info panel with rich rows); the real backend is exercised by
 * first-chat.test.ts and visitor-monitoring.test.ts through local/stack.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import { DEFAULT_SETTINGS } from '../../../console-web/grid.js';
import type {
  ChatMessage,
  ChatSummary,
  ConsoleSettings,
  OperatorRef,
  PageViewRecord,
  ServerEvent,
  SiteReport,
  VisitorDetails,
  VisitorNote,
  VisitorRow,
  VisitorStatus,
  VisitSummary,
} from '../../../functions/protocol/events.js';

const root = resolve(fileURLToPath(import.meta.url), '../../../..');
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
};

interface Operator {
  id: string;
  email: string;
  password: string;
  name: string;
  status: 'online' | 'away' | 'offline';
  role: 'admin' | 'operator';
  silent: boolean;
  newVisitorSound: boolean;
}
interface Conn {
  ws: WebSocket;
  role: 'visitor' | 'operator';
  id: string;
  welcomed: boolean;
}
interface Chat extends ChatSummary {
  messages: ChatMessage[];
  declinedBy: Set<string>;
}

export interface FakeParley {
  url: string;
  operators: Operator[];
  /** Every frame any client sent, in order (for assertions). */
  received: { role: string; id: string; frame: Record<string, unknown> }[];
  /** Return false to drop a server→client frame (to simulate loss). */
  filter: (to: { role: string; id: string }, e: ServerEvent) => boolean;
  /** Return true to drop a client→server frame before it is handled (lost on the way). */
  dropIncoming: (from: { role: string; id: string }, frame: Record<string, unknown>) => boolean;
  chats: Map<string, Chat>;
  visitors: Map<string, VisitorRow>;
  pageViews: Map<string, PageViewRecord[]>;
  notes: VisitorNote[];
  settings: ConsoleSettings;
  /** What GET /api/reports answers (from/to are filled in from the query). */
  report: Omit<SiteReport, 'from' | 'to'>;
  /** Extra details per visitor for GET /api/visitors/{id} (previous visits, older chats). */
  extraDetails: Map<string, Partial<Pick<VisitorDetails, 'visits' | 'chats'>>>;
  /** HTTP requests to /api/ (method, path, body) in order. */
  http: { method: string; path: string; body?: unknown }[];
  /** Return a status to fail an /api/ request on purpose. */
  failHttp: (method: string, path: string) => number | undefined;
  addOperator(o: {
    email: string;
    password: string;
    name: string;
    role?: 'admin' | 'operator';
    silent?: boolean;
  }): Operator;
  /** Puts a visitor row in the grid (as if it browsed earlier) and tells every console. */
  seedVisitor(row: Partial<VisitorRow> & { visitorId: string }, pages?: PageViewRecord[]): VisitorRow;
  /** Stores a chat message as a visitor would have sent it (history for a seeded visitor). */
  seedChat(
    c: Partial<ChatSummary> & { visitorId: string },
    messages?: { from: 'visitor' | 'operator'; text: string }[],
  ): Chat;
  /** Stores a message as the operator would, optionally without delivering it. */
  postAsOperator(chatId: string, operatorId: string, text: string, deliver?: boolean): ChatMessage;
  dropVisitorSockets(): void;
  stop(): Promise<void>;
}

export async function startFakeParley(): Promise<FakeParley> {
  const operators: Operator[] = [];
  const tickets = new Map<string, string>();
  const tokens = new Map<string, string>();
  const conns = new Set<Conn>();
  const visitors = new Map<string, VisitorRow>();
  const pageViews = new Map<string, PageViewRecord[]>();
  const chats = new Map<string, Chat>();
  let n = 0;
  const id = (p: string) => `${p}${(++n).toString(36).padStart(4, '0')}`;

  const fake: FakeParley = {
    url: '',
    operators,
    received: [],
    filter: () => true,
    dropIncoming: () => false,
    chats,
    visitors,
    pageViews,
    notes: [],
    settings: { ...DEFAULT_SETTINGS, departedGraceMs: 5_000 },
    report: { pages: [], entryPages: [], exitPages: [], days: [] },
    extraDetails: new Map(),
    http: [],
    failHttp: () => undefined,
    addOperator(o) {
      const op: Operator = {
        email: o.email,
        password: o.password,
        name: o.name,
        id: id('op'),
        status: 'offline',
        role: o.role ?? 'admin',
        silent: o.silent ?? false,
        newVisitorSound: true,
      };
      operators.push(op);
      return op;
    },
    seedVisitor(partial, pages) {
      const now = Date.now();
      const row: VisitorRow = {
        presence: 'browsing',
        connections: 1,
        status: 'no-activity',
        returning: false,
        visits: 1,
        pageViews: pages?.length || 1,
        url: 'http://shop.test/',
        title: 'Home',
        firstSeen: now,
        lastSeen: now,
        visitStart: now,
        pageSince: now,
        notes: 0,
        ...partial,
      };
      visitors.set(row.visitorId, row);
      if (pages) pageViews.set(row.visitorId, pages);
      rowChanged(row);
      return row;
    },
    seedChat(partial, messages = []) {
      const ch: Chat = {
        chatId: id('c'),
        visitorName: visitors.get(partial.visitorId)?.name || 'Visitor',
        status: 'ended',
        operators: [],
        createdAt: Date.now(),
        lastSeq: 0,
        messages: [],
        declinedBy: new Set(),
        ...partial,
      };
      chats.set(ch.chatId, ch);
      for (const m of messages) {
        const op = ch.operators[0];
        append(
          ch,
          m.from === 'visitor'
            ? { kind: 'visitor', id: ch.visitorId, name: ch.visitorName }
            : { kind: 'operator', id: op?.id || 'op', name: op?.name || 'Operator' },
          m.text,
        );
      }
      return ch;
    },
    postAsOperator(chatId, operatorId, text, deliver = true) {
      const chat = chats.get(chatId);
      if (!chat) throw new Error('no chat');
      const op = operators.find((o) => o.id === operatorId);
      const m = append(chat, { kind: 'operator', id: operatorId, name: op?.name || 'Operator' }, text);
      if (deliver) toChat(chat, { type: 'message', ...m });
      return m;
    },
    dropVisitorSockets() {
      for (const c of conns) if (c.role === 'visitor') c.ws.terminate();
    },
    async stop() {
      for (const c of conns) c.ws.terminate();
      wss.close();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };

  const send = (c: Conn, e: ServerEvent) => {
    if (!fake.filter({ role: c.role, id: c.id }, e)) return;
    if (c.ws.readyState === 1) c.ws.send(JSON.stringify(e));
  };
  const toOperators = (e: ServerEvent) => {
    for (const c of conns) if (c.role === 'operator' && c.welcomed) send(c, e);
  };
  const toVisitor = (visitorId: string, e: ServerEvent) => {
    for (const c of conns) if (c.role === 'visitor' && c.id === visitorId) send(c, e);
  };
  const summary = (c: Chat): ChatSummary => {
    const { messages: _m, declinedBy: _d, ...s } = c;
    const queued = [...chats.values()].filter((x) => x.status === 'queued').sort((a, b) => a.createdAt - b.createdAt);
    const pos = queued.findIndex((x) => x.chatId === c.chatId);
    return { ...s, queuePosition: pos >= 0 ? pos + 1 : undefined };
  };
  const toChat = (chat: Chat, e: ServerEvent) => {
    toVisitor(chat.visitorId, e);
    for (const c of conns) if (c.role === 'operator' && chat.operators.some((o) => o.id === c.id)) send(c, e);
  };
  const chatUpdate = (chat: Chat) => {
    const e: ServerEvent = { type: 'chat-update', chat: summary(chat) };
    toVisitor(chat.visitorId, e);
    toOperators(e);
  };
  const append = (chat: Chat, from: ChatMessage['from'], text: string, clientMsgId?: string): ChatMessage => {
    const m: ChatMessage = {
      chatId: chat.chatId,
      seq: chat.lastSeq + 1,
      id: id('m'),
      from,
      text,
      at: Date.now(),
      clientMsgId,
    };
    chat.lastSeq = m.seq;
    chat.messages.push(m);
    return m;
  };
  const online = (): OperatorRef[] =>
    operators.filter((o) => o.status === 'online').map(({ id, name }) => ({ id, name }));
  const openChatOf = (visitorId: string) =>
    [...chats.values()].find((c) => c.visitorId === visitorId && c.status !== 'ended');

  /** The seed's statuses, as functions/core derives them (simplified). */
  const statusOf = (v: VisitorRow): VisitorStatus => {
    const open = openChatOf(v.visitorId);
    if (open?.status === 'queued') return 'waiting-for-chat';
    if (open?.status === 'active') {
      const last = [...open.messages].reverse().find((m) => m.from.kind !== 'system');
      return last?.from.kind === 'operator' ? 'operator-waiting' : 'waiting-for-response';
    }
    if ([...chats.values()].some((c) => c.visitorId === v.visitorId)) return 'chatted-invited';
    return v.returning ? 'returning' : 'no-activity';
  };
  /** Re-derives a row's chat fields and status, then sends it to every console (one `visitors` frame). */
  const rowChanged = (v: VisitorRow) => {
    const open = openChatOf(v.visitorId);
    const last = [...chats.values()].filter((c) => c.visitorId === v.visitorId).at(-1);
    v.chatId = open?.chatId ?? last?.chatId;
    v.chatStatus = open?.status ?? last?.status;
    v.chatOperatorIds = open ? open.operators.map((o) => o.id) : [];
    if (v.presence !== 'departed') v.presence = open ? 'chatting' : 'browsing';
    if (v.connections > 0) v.presence = open ? 'chatting' : 'browsing';
    v.status = statusOf(v);
    v.notes = fake.notes.filter((x) => x.visitorId === v.visitorId).length;
    toOperators({ type: 'visitors', visitors: [{ ...v }] });
  };

  const server: Server = createServer(async (req, res) => {
    try {
      await route(req, res);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });

  const body = (req: IncomingMessage) =>
    new Promise<string>((r) => {
      let s = '';
      req.on('data', (d) => {
        s += d;
      });
      req.on('end', () => r(s));
    });

  const jwt = (sub: string, email: string) => {
    const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const t = `${b64({ alg: 'none' })}.${b64({ sub, email, exp: Math.floor(Date.now() / 1000) + 3600 })}.sig`;
    tokens.set(t, sub);
    return t;
  };

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url || '/', 'http://x');
    if (req.method === 'POST' && url.pathname === '/cognito/') {
      const b = JSON.parse(await body(req));
      const target = String(req.headers['x-amz-target'] || '');
      const json = (status: number, o: unknown) => {
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(o));
      };
      if (target.endsWith('InitiateAuth') && b.AuthFlow === 'USER_PASSWORD_AUTH') {
        const op = operators.find(
          (o) => o.email === b.AuthParameters?.USERNAME && o.password === b.AuthParameters?.PASSWORD,
        );
        if (!op) return json(400, { __type: 'NotAuthorizedException', message: 'Incorrect username or password.' });
        const t = jwt(op.id, op.email);
        return json(200, {
          AuthenticationResult: { IdToken: t, AccessToken: t, RefreshToken: `r-${op.id}`, ExpiresIn: 3600 },
        });
      }
      if (target.endsWith('InitiateAuth') && b.AuthFlow === 'REFRESH_TOKEN_AUTH') {
        const op = operators.find((o) => `r-${o.id}` === b.AuthParameters?.REFRESH_TOKEN);
        if (!op) return json(400, { __type: 'NotAuthorizedException', message: 'Invalid refresh token.' });
        const t = jwt(op.id, op.email);
        return json(200, { AuthenticationResult: { IdToken: t, AccessToken: t, ExpiresIn: 3600 } });
      }
      return json(400, { __type: 'InvalidParameterException', message: 'unsupported' });
    }
    if (url.pathname.startsWith('/api/')) return api(req, res, url);
    if (url.pathname === '/console/config.json') {
      const cfg = {
        region: 'local',
        userPoolId: 'local_pool',
        clientId: 'fake-client',
        cognitoEndpoint: '/cognito/',
        apiUrl: '/api',
        wsUrl: '/ws',
        siteId: 'demo',
      };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(cfg));
      return;
    }
    let file: string;
    if (url.pathname.startsWith('/widget/')) file = join(root, 'dist/widget', url.pathname.slice(8));
    else if (url.pathname.startsWith('/console/'))
      file = join(root, 'dist/console', url.pathname.slice(9) || 'index.html');
    else if (url.pathname === '/__blank') {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><title>blank</title>');
      return;
    } else file = join(root, 'local/site', url.pathname === '/' ? 'index.html' : url.pathname.slice(1));
    file = normalize(file);
    if (!file.startsWith(root)) return void res.writeHead(403).end();
    try {
      const data = await readFile(file);
      res.writeHead(200, { 'content-type': TYPES[extname(file)] || 'application/octet-stream' }).end(data);
    } catch {
      res.writeHead(404).end('not found');
    }
  }

  /** The operator HTTP API of functions/handlers/http-api.ts, in memory. */
  async function api(req: IncomingMessage, res: ServerResponse, url: URL) {
    const raw = req.method === 'PUT' || req.method === 'POST' ? await body(req) : '';
    const parsed = raw ? JSON.parse(raw) : undefined;
    const path = url.pathname;
    fake.http.push({ method: req.method || 'GET', path: `${path}${url.search}`, body: parsed });
    const reply = (status: number, o: unknown) =>
      void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(o));
    const fail = (status: number, code: string, message: string) => reply(status, { error: { code, message } });
    const sub = tokens.get(String(req.headers.authorization || '').replace(/^Bearer /, ''));
    const me = operators.find((o) => o.id === sub);
    if (!me) return reply(401, { message: 'Unauthorized' });
    const forced = fake.failHttp(req.method || 'GET', path);
    if (forced) return fail(forced, 'internal', 'failed on purpose');
    const visitorPath = /^\/api\/visitors\/([^/]+)$/.exec(path);
    const chatPath = /^\/api\/chats\/([^/]+)\/messages$/.exec(path);
    if (req.method === 'POST' && path === '/api/ws-ticket') {
      const ticket = randomUUID();
      tickets.set(ticket, me.id);
      return reply(200, { ticket, expiresAt: Date.now() + 60_000 });
    }
    if (req.method === 'GET' && visitorPath) {
      const v = visitors.get(decodeURIComponent(visitorPath[1]!));
      if (!v) return fail(404, 'not-found', 'no such visitor');
      const pages = pageViews.get(v.visitorId) ?? [];
      const extra = fake.extraDetails.get(v.visitorId) ?? {};
      const current: VisitSummary = {
        start: v.visitStart,
        end: v.lastSeen,
        pages: pages.filter((p) => p.at >= v.visitStart).length,
        entryUrl: pages.find((p) => p.at >= v.visitStart)?.url ?? v.url,
        referrer: v.referrer,
      };
      const details: VisitorDetails = {
        visitor: v,
        pageViews: pages.map((p, i) => ({
          ...p,
          durationMs: i === pages.length - 1 ? Math.max(0, v.lastSeen - p.at) : p.durationMs,
        })),
        visits: [current, ...(extra.visits ?? [])],
        chats: [...[...chats.values()].filter((c) => c.visitorId === v.visitorId).map(summary), ...(extra.chats ?? [])],
        notes: fake.notes.filter((x) => x.visitorId === v.visitorId),
      };
      return reply(200, details);
    }
    if (req.method === 'GET' && chatPath) {
      const chat = chats.get(decodeURIComponent(chatPath[1]!));
      if (!chat) return fail(404, 'not-found', 'no such chat');
      return reply(200, { chatId: chat.chatId, messages: chat.messages });
    }
    if (req.method === 'GET' && path === '/api/reports') {
      const from = url.searchParams.get('from') || '';
      const to = url.searchParams.get('to') || '';
      if (!/^\d{4}-\d{2}-\d{2}$/.test(from) || !/^\d{4}-\d{2}-\d{2}$/.test(to)) {
        return fail(400, 'bad-request', 'from and to must be YYYY-MM-DD');
      }
      return reply(200, {
        from,
        to,
        ...fake.report,
        days: fake.report.days.filter((d) => d.day >= from && d.day <= to),
      });
    }
    if (req.method === 'PUT' && path === '/api/me/preferences') {
      if (typeof parsed?.newVisitorSound !== 'boolean') return fail(400, 'bad-request', 'newVisitorSound: boolean');
      me.newVisitorSound = parsed.newVisitorSound;
      return reply(200, {
        id: me.id,
        name: me.name,
        email: me.email,
        role: me.role,
        status: me.status,
        departments: me.silent ? ['silent'] : [],
        silent: me.silent,
        activeChats: 0,
        preferences: { newVisitorSound: me.newVisitorSound },
      });
    }
    if (path === '/api/settings') {
      if (req.method === 'GET') return reply(200, fake.settings);
      if (req.method === 'PUT') {
        if (me.role !== 'admin') return fail(403, 'forbidden', 'admins only');
        fake.settings = { ...fake.settings, ...parsed };
        return reply(200, fake.settings);
      }
    }
    return fail(404, 'not-found', `no route ${req.method} ${path}`);
  }

  const wss = new WebSocketServer({ noServer: true });
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url || '/', 'http://x');
    if (url.pathname !== '/ws') return socket.destroy();
    const role = url.searchParams.get('role');
    let connId: string;
    if (role === 'operator') {
      const t = url.searchParams.get('ticket') || '';
      const sub = tickets.get(t);
      if (!sub) {
        socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
        return socket.destroy();
      }
      tickets.delete(t);
      connId = sub;
    } else if (role === 'visitor') {
      const vt = url.searchParams.get('vt') || '';
      connId = vt.startsWith('vt.') ? vt.slice(3) : id('v');
    } else return socket.destroy();
    // The page view on connect (`pv`): recorded like a page-view frame, the welcome pushed (no reqId).
    let pv: Record<string, unknown> | undefined;
    if (role === 'visitor' && url.searchParams.has('pv')) {
      try {
        pv = JSON.parse(url.searchParams.get('pv') || '');
      } catch {}
      if (!pv || typeof pv !== 'object' || typeof pv.url !== 'string') {
        socket.write('HTTP/1.1 400 Bad Request\r\n\r\n');
        return socket.destroy();
      }
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Conn = { ws, role: role as Conn['role'], id: connId, welcomed: false };
      conns.add(c);
      ws.on('message', (data) => onFrame(c, String(data)));
      if (pv) onFrame(c, JSON.stringify({ ...pv, action: 'page-view' }));
      ws.on('close', () => {
        conns.delete(c);
        const v = c.role === 'visitor' ? visitors.get(c.id) : undefined;
        if (v) {
          v.connections = [...conns].filter((o) => o.role === 'visitor' && o.id === c.id).length;
          v.lastSeen = Date.now();
          rowChanged(v);
        }
      });
    });
  });

  function onFrame(c: Conn, raw: string) {
    let f: Record<string, unknown>;
    try {
      f = JSON.parse(raw);
    } catch {
      return send(c, { type: 'error', code: 'bad-json', message: 'not JSON' });
    }
    fake.received.push({ role: c.role, id: c.id, frame: f });
    if (fake.dropIncoming({ role: c.role, id: c.id }, f)) return;
    const reqId = typeof f.reqId === 'string' ? f.reqId : undefined;
    const err = (code: 'not-found' | 'already-taken' | 'forbidden' | 'unknown-action', message: string) =>
      send(c, { type: 'error', code, message, reqId });
    const chat = typeof f.chatId === 'string' ? chats.get(f.chatId) : undefined;
    const me = operators.find((o) => o.id === c.id);
    switch (f.action) {
      case 'page-view': {
        const now = Date.now();
        const prev = visitors.get(c.id);
        const firstOnConn = !c.welcomed;
        const newVisit = !prev || (prev.connections <= 0 && now - prev.lastSeen > fake.settings.departedGraceMs);
        const url = String(f.url);
        const title = String(f.title || '');
        const row: VisitorRow = {
          ...(prev ?? {
            visitorId: c.id,
            presence: 'browsing',
            connections: 0,
            status: 'no-activity',
            returning: false,
            visits: 0,
            pageViews: 0,
            firstSeen: now,
            visitStart: now,
            notes: 0,
            ip: '127.0.0.1',
            geo: { country: 'ZZ', city: 'Localhost' },
          }),
          url,
          title,
          lastSeen: now,
          pageSince: now,
        };
        if (newVisit) {
          row.visits = (prev?.visits ?? 0) + 1;
          row.returning = !!prev;
          row.visitStart = now;
          if (typeof f.referrer === 'string') row.referrer = f.referrer;
        }
        if (firstOnConn) row.connections = [...conns].filter((o) => o.role === 'visitor' && o.id === c.id).length;
        row.presence = openChatOf(c.id) ? 'chatting' : 'browsing';
        if (typeof f.lang === 'string') row.lang = f.lang;
        if (f.screen && typeof f.screen === 'object') row.screen = f.screen as VisitorRow['screen'];
        if (f.custom && typeof f.custom === 'object')
          row.custom = { ...row.custom, ...(f.custom as Record<string, string>) };
        // A reconnect on the same page is not a new page view.
        const list = pageViews.get(c.id) ?? [];
        if (list.at(-1)?.url !== url || !firstOnConn || newVisit) {
          const last = list.at(-1);
          if (last) last.durationMs = now - last.at;
          list.push({ url, title, at: now, durationMs: 0 });
          row.pageViews = (prev?.pageViews ?? 0) + 1;
        }
        pageViews.set(c.id, list);
        visitors.set(c.id, row);
        if (!c.welcomed) {
          c.welcomed = true;
          const open = openChatOf(c.id);
          send(c, {
            type: 'welcome',
            role: 'visitor',
            reqId,
            visitorId: c.id,
            visitorToken: `vt.${c.id}`,
            returning: row.returning,
            operatorsOnline: online().length,
            chat: open ? { ...summary(open), messages: open.messages } : undefined,
            widget: { greeting: '', color: '', position: 'right', lang: 'en' },
            chatBlocked: row.tag === 'unwelcome',
          });
        }
        rowChanged(row);
        return;
      }
      case 'visitor-info': {
        const v = visitors.get(c.id);
        if (!v) return err('not-found', 'page-view first');
        v.custom = { ...v.custom, ...(f.custom as Record<string, string>) };
        rowChanged(v);
        return;
      }
      case 'tag-visitor': {
        const v = typeof f.visitorId === 'string' ? visitors.get(f.visitorId) : undefined;
        if (!v || !me) return err('not-found', 'no such visitor');
        if (f.tag) v.tag = f.tag as VisitorRow['tag'];
        else delete v.tag;
        send(c, { type: 'ack', reqId, action: 'tag-visitor' });
        rowChanged(v);
        return;
      }
      case 'note-visitor': {
        const v = typeof f.visitorId === 'string' ? visitors.get(f.visitorId) : undefined;
        if (!v || !me) return err('not-found', 'no such visitor');
        const note: VisitorNote = {
          id: id('n'),
          visitorId: v.visitorId,
          text: String(f.text),
          operatorId: me.id,
          operatorName: me.name,
          at: Date.now(),
        };
        fake.notes.push(note);
        for (const o of conns) {
          if (o.role === 'operator' && o.welcomed)
            send(o, { type: 'visitor-note', note, ...(o === c ? { reqId } : {}) } as ServerEvent);
        }
        rowChanged(v);
        return;
      }
      case 'chat-request': {
        const existing = openChatOf(c.id);
        if (existing) return send(c, { type: 'chat-update', reqId, chat: summary(existing) });
        const v = visitors.get(c.id);
        const name = typeof f.name === 'string' && f.name ? f.name : '';
        if (v && name) v.name = name;
        const ch: Chat = {
          chatId: id('c'),
          visitorId: c.id,
          visitorName: name || 'Visitor',
          status: 'queued',
          operators: [],
          createdAt: Date.now(),
          lastSeq: 0,
          messages: [],
          declinedBy: new Set(),
        };
        chats.set(ch.chatId, ch);
        append(ch, { kind: 'system', id: 'system', name: 'Parley' }, 'Chat requested');
        chatUpdate(ch);
        if (v) rowChanged(v);
        return;
      }
      case 'hello': {
        c.welcomed = true;
        if (!me) return;
        send(c, {
          type: 'welcome',
          role: 'operator',
          reqId,
          operator: {
            id: me.id,
            name: me.name,
            email: me.email,
            role: me.role,
            status: me.status,
            departments: me.silent ? ['silent'] : [],
            silent: me.silent,
            activeChats: 0,
            preferences: { newVisitorSound: me.newVisitorSound },
          },
          operatorsOnline: online(),
          settings: fake.settings,
          visitors: [...visitors.values()].filter((v) => Date.now() - v.lastSeen <= fake.settings.departedVisibleMs),
          queue: [...chats.values()].filter((x) => x.status === 'queued').map(summary),
          chats: [...chats.values()].filter((x) => x.status === 'active').map(summary),
        });
        return;
      }
      case 'set-status': {
        if (!me) return;
        me.status = f.status as Operator['status'];
        send(c, { type: 'ack', reqId, action: 'set-status' });
        toOperators({
          type: 'operators',
          operators: operators.map(({ id, name, status }) => ({ id, name, status, activeChats: 0, departments: [] })),
        });
        return;
      }
      case 'accept': {
        if (!chat || !me) return err('not-found', 'no such chat');
        if (chat.status !== 'queued') return err('already-taken', 'Another operator took this chat');
        chat.status = 'active';
        chat.acceptedAt = Date.now();
        chat.operators = [{ id: me.id, name: me.name }];
        append(chat, { kind: 'system', id: 'system', name: 'Parley' }, `${me.name} joined the chat`);
        chatUpdate(chat);
        const v = visitors.get(chat.visitorId);
        if (v) rowChanged(v);
        return;
      }
      case 'decline':
        chat?.declinedBy.add(c.id);
        return send(c, { type: 'ack', reqId, action: 'decline' });
      case 'chat-message': {
        if (!chat) return err('not-found', 'no such chat');
        const dup = chat.messages.find((m) => m.clientMsgId && m.clientMsgId === f.clientMsgId);
        if (dup) return send(c, { type: 'message', reqId, ...dup });
        const from: ChatMessage['from'] =
          c.role === 'visitor'
            ? { kind: 'visitor', id: c.id, name: visitors.get(c.id)?.name || 'Visitor' }
            : { kind: 'operator', id: c.id, name: me?.name || 'Operator' };
        const m = append(chat, from, String(f.text), String(f.clientMsgId));
        toChat(chat, { type: 'message', ...m });
        const v = visitors.get(chat.visitorId);
        if (v) rowChanged(v);
        return;
      }
      case 'typing': {
        if (!chat) return;
        const from: ChatMessage['from'] =
          c.role === 'visitor'
            ? { kind: 'visitor', id: c.id, name: visitors.get(c.id)?.name || 'Visitor' }
            : { kind: 'operator', id: c.id, name: me?.name || 'Operator' };
        toChat(chat, { type: 'typing', chatId: chat.chatId, from, typing: f.typing !== false });
        return;
      }
      case 'end-chat': {
        if (!chat) return err('not-found', 'no such chat');
        chat.status = 'ended';
        chat.endedAt = Date.now();
        chat.endedBy = c.role === 'visitor' ? 'visitor' : 'operator';
        append(chat, { kind: 'system', id: 'system', name: 'Parley' }, 'The chat has ended');
        chatUpdate(chat);
        const v = visitors.get(chat.visitorId);
        if (v) rowChanged(v);
        return;
      }
      case 'sync': {
        if (!chat) return err('not-found', 'no such chat');
        const after = Number(f.afterSeq) || 0;
        send(c, {
          type: 'sync',
          reqId,
          chatId: chat.chatId,
          messages: chat.messages.filter((m) => m.seq > after),
          chat: summary(chat),
        });
        return;
      }
      default:
        return err('unknown-action', `unknown action ${String(f.action)}`);
    }
  }

  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
