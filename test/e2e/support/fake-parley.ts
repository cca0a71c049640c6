/**
 * A small in-memory stand-in for the Parley backend, speaking the wire protocol of
 * functions/protocol (one origin: static files, /cognito/, /api/ws-ticket, /ws).
 * It exists to test the browser code on its own (rendering, de-duplication, resend, gap filling);
 * the real backend is exercised by first-chat.test.ts through local/stack.ts.
 */
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import type {
  ChatMessage,
  ChatSummary,
  OperatorRef,
  ServerEvent,
  VisitorRow,
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
  addOperator(o: { email: string; password: string; name: string }): Operator;
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
    addOperator(o) {
      const op: Operator = { ...o, id: id('op'), status: 'offline' };
      operators.push(op);
      return op;
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
    if (req.method === 'POST' && url.pathname === '/api/ws-ticket') {
      const auth = String(req.headers.authorization || '').replace(/^Bearer /, '');
      const sub = tokens.get(auth);
      if (!sub) return void res.writeHead(401).end('{"message":"Unauthorized"}');
      const ticket = randomUUID();
      tickets.set(ticket, sub);
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ ticket, expiresAt: Date.now() + 60_000 }));
      return;
    }
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
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Conn = { ws, role: role as Conn['role'], id: connId, welcomed: false };
      conns.add(c);
      ws.on('message', (data) => onFrame(c, String(data)));
      ws.on('close', () => {
        conns.delete(c);
        if (c.role === 'visitor' && ![...conns].some((o) => o.role === 'visitor' && o.id === c.id)) {
          const v = visitors.get(c.id);
          if (v) {
            v.presence = 'departed';
            toOperators({ type: 'visitor-left', visitorId: c.id });
          }
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
        const row: VisitorRow = {
          visitorId: c.id,
          name: prev?.name,
          presence: openChatOf(c.id) ? 'chatting' : 'browsing',
          returning: !!prev,
          visits: prev?.visits || 1,
          pageViews: (prev?.pageViews || 0) + 1,
          url: String(f.url),
          title: String(f.title || ''),
          firstSeen: prev?.firstSeen || now,
          lastSeen: now,
          pageSince: now,
          chatId: openChatOf(c.id)?.chatId,
          chatStatus: openChatOf(c.id)?.status,
        };
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
            returning: !!prev,
            operatorsOnline: online().length,
            chat: open ? { ...summary(open), messages: open.messages } : undefined,
            widget: { greeting: '', color: '', position: 'right', lang: 'en' },
          });
        }
        toOperators({ type: 'visitor', visitor: row });
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
        if (v) {
          v.presence = 'chatting';
          v.chatId = ch.chatId;
          v.chatStatus = 'queued';
          toOperators({ type: 'visitor', visitor: v });
        }
        chatUpdate(ch);
        return;
      }
      case 'hello': {
        c.welcomed = true;
        if (!me) return;
        send(c, {
          type: 'welcome',
          role: 'operator',
          reqId,
          operator: { id: me.id, name: me.name, email: me.email, role: 'admin', status: me.status },
          operatorsOnline: online(),
          visitors: [...visitors.values()],
          queue: [...chats.values()].filter((x) => x.status === 'queued').map(summary),
          chats: [...chats.values()].filter((x) => x.status === 'active').map(summary),
        });
        return;
      }
      case 'set-status': {
        if (!me) return;
        me.status = f.status as Operator['status'];
        send(c, { type: 'ack', reqId, action: 'set-status' });
        toOperators({ type: 'operators', operators: operators.map(({ id, name, status }) => ({ id, name, status })) });
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
        if (v) {
          v.chatStatus = 'active';
          toOperators({ type: 'visitor', visitor: v });
        }
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
        if (v) {
          v.chatStatus = 'ended';
          v.presence = 'browsing';
          toOperators({ type: 'visitor', visitor: v });
        }
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
