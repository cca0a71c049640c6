/**
 * The authorization matrix: every WebSocket action and every HTTP route (read from routes.ts, so a
 * new route without a row fails here) against every kind of caller, over real sockets and HTTP
 * through the local gateway (authorizers included). Each cell states allowed (A) or denied (D); a
 * denial must also leave storage exactly as it was.
 *
 * Callers: no credentials · the chat's visitor · another visitor · the operator assigned to the
 * chat · an operator not assigned · an operator of a silent department · an admin · a disabled
 * operator. The chat is active and held by the assigned operator, except for accept/decline (a
 * queued chat in the general queue, offered to every available operator but the silent one) and
 * invite-response (an invitation to "the chat's visitor").
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import { HTTP_ROUTES, WS_INTEGRATIONS, WS_ROUTES } from '../../functions/handlers/routes.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, signIn, visitorPage, WsClient, wsTicket } from '../support/clients.js';
import { tableSnapshot } from '../support/table.js';

const CALLERS = ['none', 'visitor', 'otherVisitor', 'assigned', 'unassigned', 'silent', 'admin', 'disabled'] as const;
type Caller = (typeof CALLERS)[number];
type Cell = 'A' | 'D';

function table(rows: Record<string, string>): Record<string, Record<Caller, Cell>> {
  return Object.fromEntries(
    Object.entries(rows).map(([route, row]) => {
      const cells = row.trim().split(/\s+/) as Cell[];
      if (cells.length !== CALLERS.length || cells.some((c) => c !== 'A' && c !== 'D')) {
        throw new Error(`row ${route} needs ${CALLERS.length} cells of A or D`);
      }
      return [route, Object.fromEntries(CALLERS.map((c, i) => [c, cells[i]!])) as Record<Caller, Cell>];
    }),
  );
}

// biome-ignore format: an aligned table is the point
const WS_MATRIX = table({
  //                   none  visitor  other  assigned  unassigned  silent  admin  disabled
  '$connect':        'D     A        A      A         A           A       A      D',
  'page-view':       'D     A        A      D         D           D       D      D',
  'visitor-info':    'D     A        A      D         D           D       D      D',
  'chat-request':    'D     A        A      D         D           D       D      D',
  'leave-message':   'D     A        A      D         D           D       D      D',
  'chat-message':    'D     A        D      A         D           D       D      D',
  'typing':          'D     A        D      A         D           D       D      D',
  'sync':            'D     A        D      A         A           D       A      D',
  'end-chat':        'D     A        D      A         D           D       A      D',
  'transcript':      'D     A        D      A         D           D       A      D',
  'invite-response': 'D     A        D      D         D           D       D      D',
  'hello':           'D     D        D      A         A           A       A      D',
  'set-status':      'D     D        D      A         A           A       A      D',
  'accept':          'D     D        D      A         A           D       A      D',
  'decline':         'D     D        D      A         A           D       A      D',
  'transfer':        'D     D        D      A         D           D       A      D',
  'add-operator':    'D     D        D      A         D           D       A      D',
  'leave-chat':      'D     D        D      A         D           D       D      D',
  'hold':            'D     D        D      A         D           D       A      D',
  'invite':          'D     D        D      A         A           D       A      D',
  'tag-visitor':     'D     D        D      A         A           D       A      D',
  'note-visitor':    'D     D        D      A         A           D       A      D',
});

/** Every WebSocket route key: Lambda routes and those API Gateway serves itself ($connect, $disconnect). */
const WS_KEYS = [...Object.keys(WS_INTEGRATIONS), ...WS_ROUTES.map((r) => r.routeKey)];

/** Not a client request: API Gateway calls it when a socket closes; nothing to authorize. */
const NOT_CLIENT_CALLABLE = new Set(['$disconnect']);
/** `$default` answers unknown actions alike for everyone (bad-input.test.ts covers it). */
const UNROUTED = new Set(['$default']);

// biome-ignore format: an aligned table is the point
const HTTP_MATRIX = table({
  //                                                  none  visitor  other  assigned  unassigned  silent  admin  disabled
  'POST /api/ws-ticket':                            'D     D        D      A         A           A       A      D',
  'GET /api/me':                                    'D     D        D      A         A           A       A      D',
  'GET /api/chats/{chatId}/messages':               'D     D        D      A         A           D       A      D',
  'GET /api/visitors/{visitorId}':                  'D     D        D      A         A           D       A      D',
  'GET /api/reports':                               'D     D        D      A         A           A       A      D',
  'PUT /api/me/preferences':                        'D     D        D      A         A           A       A      D',
  'GET /api/settings':                              'D     D        D      A         A           A       A      D',
  'PUT /api/settings':                              'D     D        D      D         D           D       A      D',
  'GET /api/canned':                                'D     D        D      A         A           A       A      D',
  'POST /api/canned':                               'D     D        D      A         A           A       A      D',
  'PUT /api/canned/{cannedId}':                     'D     D        D      D         D           D       A      D',
  'DELETE /api/canned/{cannedId}':                  'D     D        D      D         D           D       A      D',
  'GET /api/operators':                             'D     D        D      A         A           A       A      D',
  'GET /api/auto-invitations':                      'D     D        D      A         A           A       A      D',
  'PUT /api/auto-invitations':                      'D     D        D      D         D           D       A      D',
  'GET /api/offline-messages':                      'D     D        D      A         A           A       A      D',
  'POST /api/offline-messages/{messageId}/handled': 'D     D        D      A         A           A       A      D',
  'POST /api/offline-messages/{messageId}/reply':   'D     D        D      A         A           A       A      D',
  'POST /api/operators':                            'D     D        D      D         D           D       A      D',
  'PUT /api/operators/{operatorId}':                'D     D        D      D         D           D       A      D',
  'POST /api/operators/{operatorId}/disable':       'D     D        D      D         D           D       A      D',
  'POST /api/operators/{operatorId}/enable':        'D     D        D      D         D           D       A      D',
  'GET /api/departments':                           'D     D        D      A         A           A       A      D',
  'POST /api/departments':                          'D     D        D      D         D           D       A      D',
  'PUT /api/departments/{departmentId}':            'D     D        D      D         D           D       A      D',
  'DELETE /api/departments/{departmentId}':         'D     D        D      D         D           D       A      D',
  'GET /api/visitors/{visitorId}/export':           'D     D        D      D         D           D       A      D',
  'DELETE /api/visitors/{visitorId}':               'D     D        D      D         D           D       A      D',
});

type Frame = Record<string, unknown> & { type: string };
interface Op {
  id: string;
  ws: WsClient;
  idToken: string;
}

let stack: LocalStack;
let store: ReturnType<typeof createDynamoStore>;
let ops: Record<'assigned' | 'unassigned' | 'silent' | 'admin', Op>;
/** Another operator of the assigned one's conference (leave-chat needs someone to leave the chat to). */
let colleague: Op;
let disabled: { id: string; idToken: string; tickets: string[] };
let cells = 0;
let n = 0;

const who = (name: string) => ({
  email: `${name.toLowerCase()}@matrix.local`,
  password: `${name}-Matrix-2026!`,
  name: `${name} Matrix`,
});

async function session(name: string, role: 'admin' | 'operator' = 'operator'): Promise<Op> {
  const w = who(name);
  const id = await stack.createOperator({ ...w, role });
  const s = await operatorSession(stack, w);
  return { id, ws: s.ws, idToken: s.idToken };
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  store = createDynamoStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamoEndpoint,
        region: 'local',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    ),
    stack.tableName,
    { now: () => Date.now() },
  );
  const admin = await operatorSession(stack, stack.demoOperator);
  const adminId = String((admin.welcome.operator as { id: string }).id);
  ops = {
    admin: { id: adminId, ws: admin.ws, idToken: admin.idToken },
    assigned: await session('Ada'),
    unassigned: await session('Ben'),
    silent: await session('Sid'),
  };
  colleague = await session('Cat');
  // Sid is in a silent department (the record says so; departments are the admin screens' business).
  const sid = (await store.getOperator(ops.silent.id))!;
  await store.putOperator({ ...sid, departments: ['Back office'], silent: true });
  // Dee is disabled after signing in: her token and tickets issued before must be worthless at once.
  const dee = who('Dee');
  const deeId = await stack.createOperator(dee);
  const deeToken = await signIn(stack, dee.email, dee.password);
  const tickets: string[] = [];
  for (let i = 0; i < Object.keys(WS_MATRIX).length + 2; i++) tickets.push(await wsTicket(stack, deeToken));
  await store.putOperator({ ...(await store.getOperator(deeId))!, disabled: true });
  disabled = { id: deeId, idToken: deeToken, tickets };
}, 120_000);

afterAll(async () => {
  console.log(`authorization matrix: ${cells} cells checked`);
  for (const o of [...Object.values(ops ?? {}), colleague]) await o?.ws.close();
  await stack?.stop();
});

/** Storage as it matters: everything but socket bookkeeping (connection items, presence: sockets, last seen). */
async function durable(settleMs = 60) {
  await new Promise((r) => setTimeout(r, settleMs));
  await stack.stream.idle();
  return (await tableSnapshot(stack))
    .filter((i) => !String(i.pk).startsWith('CONN#') && !String(i.pk).startsWith('TICKET#'))
    .map((i) => {
      const { lastSeen, connections, connIds, ...rest } = i;
      void lastSeen;
      void connections;
      void connIds;
      return rest;
    });
}

/** What differs between two snapshots, item by item (a readable failure instead of a 500-line dump). */
function changes(before: Record<string, unknown>[], after: Record<string, unknown>[]): string[] {
  const key = (i: Record<string, unknown>) => `${i.pk}|${i.sk}`;
  const old = new Map(before.map((i) => [key(i), i]));
  const now = new Map(after.map((i) => [key(i), i]));
  const out: string[] = [];
  for (const [k, v] of now) {
    const was = old.get(k);
    if (!was) out.push(`+ ${k}`);
    else if (JSON.stringify(was) !== JSON.stringify(v)) {
      const fields = [...new Set([...Object.keys(was), ...Object.keys(v)])].filter(
        (f) => JSON.stringify(was[f]) !== JSON.stringify(v[f]),
      );
      out.push(`~ ${k}: ${fields.map((f) => `${f} ${JSON.stringify(was[f])} → ${JSON.stringify(v[f])}`).join(', ')}`);
    }
  }
  for (const k of old.keys()) if (!now.has(k)) out.push(`- ${k}`);
  return out;
}

/**
 * Storage once the follow-ups of earlier steps have landed (system messages after an accept, a
 * closed socket's bookkeeping, the mail function marking an offline message mailed).
 */
async function settled() {
  let last = await durable(100);
  for (let i = 0; i < 30; i++) {
    const now = await durable(100);
    if (changes(last, now).length === 0) return now;
    last = now;
  }
  throw new Error('storage never settled');
}

// ---------- the world each cell acts on ----------

interface World {
  kind: 'active' | 'queued' | 'invited' | 'conference' | 'browsing';
  own: WsClient;
  visitorId: string;
  visitorToken: string;
  chatId: string;
  inviteId: string;
}
let world: World | undefined;
let dirty = false;

function worldKind(action: string): World['kind'] {
  if (action === 'accept' || action === 'decline') return 'queued';
  if (action === 'invite-response') return 'invited';
  // Leaving needs a colleague to leave the chat to; inviting needs a visitor not yet chatting.
  if (action === 'leave-chat') return 'conference';
  if (action === 'invite') return 'browsing';
  return 'active';
}

async function freshWorld(kind: World['kind']): Promise<World> {
  if (world) {
    await world.own.close();
    // Whatever the last cell left open is ended, so nobody runs out of chat slots.
    const chat = world.chatId ? await store.getChat(world.chatId) : undefined;
    if (chat && chat.status !== 'ended') {
      const ended = await store.endChat(chat.chatId, 'system', Date.now());
      if (ended && chat.status === 'active') for (const o of ended.operators) await store.releaseChatSlot(o.id);
    }
  }
  const page = await visitorPage(stack);
  const w: World = {
    kind,
    own: page.ws,
    visitorId: String(page.welcome.visitorId),
    visitorToken: String(page.welcome.visitorToken),
    chatId: '',
    inviteId: '',
  };
  if (kind === 'browsing') return w;
  if (kind === 'invited') {
    const from = page.ws.frames.length;
    const r = await ops.assigned.ws.request({ action: 'invite', visitorId: w.visitorId, text: 'Can I help?' });
    expect(r.type, JSON.stringify(r)).not.toBe('error');
    const inv = await page.ws.next((f) => f.type === 'invitation', 5000, from);
    w.inviteId = String(inv.inviteId);
  } else {
    const r = await page.ws.request({ action: 'chat-request', name: 'Owner' });
    w.chatId = String((r.chat as { chatId: string }).chatId);
    if (kind === 'active' || kind === 'conference') {
      const a = await ops.assigned.ws.request({ action: 'accept', chatId: w.chatId });
      expect(a.type, JSON.stringify(a)).toBe('chat-update');
    }
    if (kind === 'conference') {
      const c = await ops.assigned.ws.request({ action: 'add-operator', chatId: w.chatId, operatorId: colleague.id });
      expect(c.type, JSON.stringify(c)).not.toBe('error');
    }
  }
  return w;
}

/** The world for this action; a fresh one after any cell that may have changed it. */
async function worldFor(action: string): Promise<World> {
  if (!world || dirty || world.kind !== worldKind(action)) {
    world = await freshWorld(worldKind(action));
    dirty = false;
  }
  return world;
}

// ---------- WebSocket cells ----------

function frameFor(action: string, w: World): Record<string, unknown> {
  const { chatId, visitorId } = w;
  switch (action) {
    case 'page-view':
      return { action, url: 'https://shop.example/matrix', title: 'Matrix' };
    case 'visitor-info':
      return { action, custom: { plan: 'gold' } };
    case 'chat-request':
      return { action, name: 'Asker' };
    case 'leave-message':
      return { action, name: 'Ann', email: 'ann@example.com', text: 'Call me back', clientMsgId: `lm${++n}` };
    case 'chat-message':
      return { action, chatId, text: 'hello', clientMsgId: `m${++n}` };
    case 'typing':
      return { action, chatId, typing: true };
    case 'sync':
      return { action, chatId, afterSeq: 0 };
    case 'end-chat':
    case 'accept':
    case 'decline':
    case 'leave-chat':
      return { action, chatId };
    case 'transcript':
      return { action, chatId, email: `t${++n}@example.com` };
    case 'invite-response':
      return { action, inviteId: w.inviteId, accept: false };
    case 'hello':
      return { action };
    case 'set-status':
      return { action, status: 'online' };
    case 'transfer':
      return { action, chatId, toOperatorId: ops.unassigned.id };
    case 'add-operator':
      return { action, chatId, operatorId: ops.unassigned.id };
    case 'hold':
      return { action, chatId, on: true };
    case 'invite':
      return { action, visitorId, text: 'Hello there' };
    case 'tag-visitor':
      return { action, visitorId, tag: 'customer' };
    case 'note-visitor':
      return { action, visitorId, text: 'a note' };
    default:
      throw new Error(`no frame for ${action}: add one, and a row to WS_MATRIX`);
  }
}

const DENIED = new Set(['forbidden', 'not-found']);
/** Actions that answer nothing on success (typing indicators go to the other side only). */
const SILENT_ON_SUCCESS = new Set(['typing', 'page-view']);

/** Sends the frame and classifies the answer: denied (forbidden / not found) or allowed. */
async function attempt(ws: WsClient, frame: Record<string, unknown>): Promise<{ cell: Cell; reply?: Frame }> {
  const reqId = `x${++n}`;
  const from = ws.frames.length;
  ws.send({ ...frame, reqId });
  const quiet = SILENT_ON_SUCCESS.has(String(frame.action));
  const reply = await ws.next((f) => f.reqId === reqId, quiet ? 800 : 8000, from).catch(() => undefined);
  if (!reply) {
    if (quiet) return { cell: 'A' };
    throw new Error(`no reply to ${JSON.stringify(frame)}`);
  }
  if (reply.type === 'error') {
    if (DENIED.has(String(reply.code))) return { cell: 'D', reply };
    throw new Error(`refused for a reason other than authorization: ${JSON.stringify(reply)}`);
  }
  return { cell: 'A', reply };
}

async function refusedAtConnect(query: string): Promise<boolean> {
  try {
    const ws = await WsClient.open(`${stack.wsUrl}${query}`);
    await ws.close();
    return false;
  } catch (err) {
    return /403/.test(String(err));
  }
}

describe('authorization matrix: WebSocket', () => {
  it('has a row for every WebSocket route', () => {
    const missing = WS_KEYS.filter((k) => !WS_MATRIX[k] && !NOT_CLIENT_CALLABLE.has(k) && !UNROUTED.has(k));
    expect(missing, 'routes without a matrix row').toEqual([]);
  });

  const actions = WS_KEYS.filter((k) => WS_MATRIX[k]);
  for (const action of actions) {
    for (const caller of CALLERS) {
      const expected = WS_MATRIX[action]![caller];
      it(`${action} by ${caller}: ${expected === 'A' ? 'allowed' : 'denied'}`, async () => {
        const w = await worldFor(action);
        let other: WsClient | undefined;
        if (caller === 'otherVisitor' && action !== '$connect') other = (await visitorPage(stack)).ws;
        // Storage is compared around every cell expected to be denied (an unexpected allow fails anyway).
        const before = expected === 'D' ? await settled() : [];
        let cell: Cell;
        let reply: Frame | undefined;
        if (caller === 'none') {
          // No credentials: no socket at all, whatever the frame would have been.
          const refused =
            (await refusedAtConnect('?role=operator')) &&
            (await refusedAtConnect('')) &&
            (await refusedAtConnect(`?role=visitor`)) &&
            (await refusedAtConnect(`?role=operator&ticket=${'A'.repeat(52)}`));
          cell = refused ? 'D' : 'A';
        } else if (caller === 'disabled') {
          cell = (await refusedAtConnect(`?role=operator&ticket=${disabled.tickets.pop()}`)) ? 'D' : 'A';
        } else if (action === '$connect') {
          if (caller === 'visitor') {
            const again = await WsClient.open(
              `${stack.wsUrl}?role=visitor&site=${stack.siteId}&vt=${encodeURIComponent(w.visitorToken)}`,
            );
            const welcome = await again.request({ action: 'page-view', url: 'https://shop.example/', title: 'x' });
            expect(welcome.visitorId).toBe(w.visitorId);
            await again.close();
          } else if (caller === 'otherVisitor') {
            const page = await visitorPage(stack);
            expect(page.welcome.visitorId).not.toBe(w.visitorId);
            await page.ws.close();
          } else {
            const ticket = await wsTicket(stack, ops[caller].idToken);
            const ws = await WsClient.open(`${stack.wsUrl}?role=operator&ticket=${ticket}`);
            await ws.close();
          }
          cell = 'A';
        } else {
          let ws: WsClient;
          if (caller === 'visitor') ws = w.own;
          else if (caller === 'otherVisitor') ws = other!;
          else ws = ops[caller].ws;
          ({ cell, reply } = await attempt(ws, frameFor(action, w)));
        }
        if (cell === 'D' && expected === 'D') {
          expect(changes(before, await durable()), 'a denial changed storage').toEqual([]);
        } else {
          dirty = true;
        }
        await other?.close();
        cells++;
        expect(cell, `reply: ${JSON.stringify(reply)}`).toBe(expected);
      });
    }
  }

  it('never lets a forged, tampered or foreign visitor token reach another visitor', async () => {
    dirty = true;
    const w = await worldFor('chat-message');
    const [id, mac] = w.visitorToken.split('.');
    const forgeries = [
      `${id}.${mac!.slice(0, -1)}${mac!.endsWith('A') ? 'B' : 'A'}`,
      `${id}.`,
      `${id}`,
      `${id}.${mac}.${mac}`,
      `${id!.toLowerCase()}.${mac}`,
      `${id}.${'A'.repeat(mac!.length)}`,
      `${(await visitorPage(stack)).welcome.visitorId}.${mac}`,
    ];
    for (const vt of forgeries) {
      const ws = await WsClient.open(`${stack.wsUrl}?role=visitor&site=${stack.siteId}&vt=${encodeURIComponent(vt)}`);
      const welcome = await ws.request({ action: 'page-view', url: 'https://shop.example/', title: 'x' });
      expect(welcome.visitorId, vt).not.toBe(w.visitorId);
      expect(welcome.returning, vt).toBe(false);
      expect(welcome.chat, vt).toBeUndefined();
      // Naming the other visitor's chat gets nothing.
      const sync = await ws.request({ action: 'sync', chatId: w.chatId, afterSeq: 0 });
      expect(sync).toMatchObject({ type: 'error', code: 'not-found' });
      await ws.close();
    }
    // A token of another site is worthless here.
    const foreign = await WsClient.open(
      `${stack.wsUrl}?role=visitor&site=other-site&vt=${encodeURIComponent(w.visitorToken)}`,
    );
    const fw = await foreign.request({ action: 'page-view', url: 'https://shop.example/', title: 'x' });
    expect(fw.visitorId).not.toBe(w.visitorId);
    await foreign.close();
    dirty = true;
  });
});

// ---------- HTTP cells ----------

interface HttpWorld {
  chatId: string;
  visitorId: string;
  cannedId: string;
  messageId: string;
  departmentId: string;
  targetOperatorId: string;
}

async function http(
  token: string | undefined,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, body: parsed };
}

async function freshHttpWorld(): Promise<HttpWorld> {
  const w = await freshWorld('active');
  world = w;
  const admin = ops.admin.idToken;
  const canned = await http(admin, 'POST', '/api/canned', { scope: 'shared', title: `Shared ${++n}`, text: 'Hi!' });
  expect(canned.status).toBe(201);
  // An offline message to act on (no department: every operator may handle it).
  const page = await visitorPage(stack);
  const left = await page.ws.request({
    action: 'leave-message',
    name: 'Lea',
    email: 'lea@example.com',
    text: 'Please call',
    clientMsgId: `om${++n}`,
  });
  await page.ws.close();
  // The mail function marks it mailed shortly after; let that land before any cell compares storage.
  for (let i = 0; i < 100; i++) {
    const items = await tableSnapshot(stack);
    if (items.filter((x) => String(x.pk).startsWith('OFFMSG#')).every((x) => x.mailedAt !== undefined)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const list = await http(admin, 'GET', '/api/offline-messages');
  const messages = (
    Array.isArray(list.body) ? list.body : ((list.body as { messages?: unknown[] })?.messages ?? [])
  ) as {
    id: string;
  }[];
  const messageId = String((left as { id?: string }).id ?? messages[0]?.id ?? 'none');
  const dept = await http(admin, 'POST', '/api/departments', { name: `Dept ${++n}` });
  const departmentId = String((dept.body as { id?: string })?.id ?? 'none');
  const target = await http(admin, 'POST', '/api/operators', {
    email: `target${++n}@matrix.local`,
    name: `Target ${n}`,
    role: 'operator',
  });
  const targetOperatorId = String((target.body as { id?: string })?.id ?? 'none');
  return {
    chatId: w.chatId,
    visitorId: w.visitorId,
    cannedId: String((canned.body as { id: string }).id),
    messageId,
    departmentId,
    targetOperatorId,
  };
}

function httpRequest(key: string, h: HttpWorld): { path: string; body?: unknown } {
  const [, template] = key.split(' ') as [string, string];
  const path = template
    .replace('{chatId}', h.chatId)
    .replace('{visitorId}', h.visitorId)
    .replace('{cannedId}', h.cannedId)
    .replace('{messageId}', h.messageId)
    .replace('{departmentId}', h.departmentId)
    .replace('{operatorId}', h.targetOperatorId);
  const bodies: Record<string, unknown> = {
    'PUT /api/me/preferences': { newVisitorSound: false },
    'POST /api/canned': { scope: 'personal', title: `Mine ${++n}`, text: 'Mine' },
    'PUT /api/canned/{cannedId}': { scope: 'shared', title: 'Renamed', text: 'Changed' },
    'PUT /api/auto-invitations': [],
    'POST /api/offline-messages/{messageId}/reply': { text: 'We will call you.' },
    'POST /api/operators': { email: `new${++n}@matrix.local`, name: `New ${n}`, role: 'operator' },
    'PUT /api/operators/{operatorId}': { name: `Renamed ${++n}` },
    'POST /api/departments': { name: `Dept ${++n}` },
    'PUT /api/departments/{departmentId}': { name: `Renamed dept ${++n}` },
  };
  return { path, ...(bodies[key] !== undefined ? { body: bodies[key] } : {}) };
}

let httpWorld: HttpWorld | undefined;
let settingsBody: unknown;

describe('authorization matrix: HTTP API', () => {
  it('has a row for every HTTP route', () => {
    const missing = HTTP_ROUTES.map((r) => `${r.method} ${r.path}`).filter((k) => !HTTP_MATRIX[k]);
    expect(missing, 'routes without a matrix row').toEqual([]);
  });

  for (const route of HTTP_ROUTES) {
    const key = `${route.method} ${route.path}`;
    if (!HTTP_MATRIX[key]) continue;
    for (const caller of CALLERS) {
      const expected = HTTP_MATRIX[key]![caller];
      it(`${key} by ${caller}: ${expected === 'A' ? 'allowed' : 'denied'}`, async () => {
        if (!httpWorld || dirty) {
          httpWorld = await freshHttpWorld();
          settingsBody ??= (await http(ops.admin.idToken, 'GET', '/api/settings')).body;
          dirty = false;
        }
        const { path, body } = httpRequest(key, httpWorld);
        // GET answers a blank site name that PUT refuses: a valid body, so only the caller decides.
        const payload = key === 'PUT /api/settings' ? { ...(settingsBody as object), siteName: 'Parley Matrix' } : body;
        const token =
          caller === 'none'
            ? undefined
            : caller === 'visitor' || caller === 'otherVisitor'
              ? // A visitor has no operator token; the best it can present is its own visitor token.
                world!.visitorToken
              : caller === 'disabled'
                ? disabled.idToken
                : ops[caller].idToken;
        const before = expected === 'D' ? await settled() : [];
        const res = await http(token, route.method, path, payload);
        const cell: Cell = res.status < 300 ? 'A' : 'D';
        if (cell === 'D') {
          expect([401, 403, 404], JSON.stringify(res)).toContain(res.status);
          if (res.status !== 401) expect((res.body as { error?: { code?: string } }).error?.code).toBeTruthy();
          if (expected === 'D') expect(changes(before, await durable()), 'a denial changed storage').toEqual([]);
        } else if (route.method !== 'GET') {
          dirty = true;
        }
        cells++;
        expect(cell, `${res.status} ${JSON.stringify(res.body).slice(0, 300)}`).toBe(expected);
      });
    }
  }
});

describe('a disabled operator', () => {
  it('is refused by the HTTP API and at $connect at once, and their open console is closed', async () => {
    const w = who('Eve');
    const id = await stack.createOperator(w);
    const eve = await operatorSession(stack, w);
    const spare = await wsTicket(stack, eve.idToken);
    expect((await http(eve.idToken, 'GET', '/api/me')).status).toBe(200);
    const res = await http(ops.admin.idToken, 'POST', `/api/operators/${id}/disable`);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // At once: the very next request with the same, still unexpired token.
    expect((await http(eve.idToken, 'GET', '/api/me')).status).toBe(403);
    expect((await http(eve.idToken, 'POST', '/api/ws-ticket')).status).toBe(403);
    expect(await refusedAtConnect(`?role=operator&ticket=${spare}`)).toBe(true);
    for (let i = 0; i < 40 && !eve.ws.closed; i++) await new Promise((r) => setTimeout(r, 50));
    expect(eve.ws.closed).toBe(true);
  });
});
