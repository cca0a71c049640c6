/**
 * Property-based fuzzing (fast-check) of every route's input through the real handlers, invoked as
 * API Gateway would (synthetic events on real connections of a local stack, against dynalite):
 * at least 500 generated cases per route, arbitrary JSON and near-valid frames. For every case: the
 * handler returns normally (no unhandled exception, no 500, no `internal` error); invalid input is
 * answered with an `error` frame or a 4xx carrying a code, and makes no write at all (counted per
 * invocation on the real DynamoDB client); the table is compared before and after each batch that
 * can only be invalid. Nothing pollutes Object.prototype.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_API_ENTRY, HTTP_ROUTES, WS_AUTHORIZER_ENTRY, WS_ROUTES } from '../../functions/handlers/routes.js';
import * as adminSchemas from '../../functions/protocol/admin-schemas.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import * as schemas from '../../functions/protocol/schemas.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';
import {
  arbitraryFrame,
  counted,
  countWrites,
  hostileFrame,
  hostileValue,
  httpEvent,
  lambdaContext,
  nearValid,
  Raw,
  render,
  tryParse,
  wsEvent,
} from '../support/fuzz.js';
import { tableSnapshot } from '../support/table.js';

// The fuzzer sends thousands of frames per connection; the rate limit has its own test.
process.env.WS_RATE_VISITOR = '1000000/1000000';
process.env.WS_RATE_OPERATOR = '1000000/1000000';

const RUNS = Number(process.env.FUZZ_RUNS ?? 500);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const fcOptions = { numRuns: RUNS, ...(SEED !== undefined ? { seed: SEED } : {}), endOnFailure: true };

type Handler = (event: unknown, context: unknown) => Promise<{ statusCode: number; body?: string } | undefined>;
type Schema = { safeParse(v: unknown): { success: boolean } };

let stack: LocalStack;
const casesRun = new Map<string, number>();
const protoKeysBefore = Object.getOwnPropertyNames(Object.prototype).sort();

interface Endpoint {
  ws: WsClient;
  connectionId: string;
  authorizer: Record<string, unknown>;
}
let visitor: Endpoint;
let operator: Endpoint;
let fx: { chatId: string; visitorId: string; otherOperatorId: string; cannedId: string; adminId: string };
let claims: Record<string, unknown>;
let settingsBody: Record<string, unknown>;

async function handlerOf(entry: string): Promise<Handler> {
  const mod = (await import(`../../functions/handlers/${entry}.ts`)) as { handler: Handler };
  return mod.handler;
}

/** The zod schema whose `action` is this literal (every WebSocket action has one in schemas.ts). */
function schemaOfAction(action: string): Schema | undefined {
  for (const s of Object.values(schemas) as { _zod?: { def?: { shape?: Record<string, unknown> } } }[]) {
    const lit = (s?._zod?.def?.shape?.action as { _zod?: { def?: { values?: unknown[] } } } | undefined)?._zod?.def
      ?.values;
    if (Array.isArray(lit) && lit.includes(action)) return s as unknown as Schema;
  }
  return undefined;
}

/** Opens a socket and learns its connection id from the gateway. */
async function endpoint<T extends { ws: WsClient }>(open: () => Promise<T>): Promise<T & { connectionId: string }> {
  const before = new Set(stack.gateway.connectionIds());
  const opened = await open();
  const id = stack.gateway.connectionIds().find((c) => !before.has(c));
  if (!id) throw new Error('no new connection');
  return { ...opened, connectionId: id };
}

/** Storage that a refused request must not change (presence timestamps of live sockets aside). */
async function durable() {
  await new Promise((r) => setTimeout(r, 150));
  await stack.stream.idle();
  return (await tableSnapshot(stack)).map((i) => {
    const { lastSeen, ...rest } = i;
    void lastSeen;
    return rest;
  });
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  const { documentClient } = await import('../../functions/adapters/dynamo-client.js');
  countWrites(documentClient());

  const other = { email: 'fuzz-other@parley.local', password: 'Fuzz-other-2026!', name: 'Olga Other' };
  const otherOperatorId = await stack.createOperator(other);
  const admin = await endpoint(() => operatorSession(stack, stack.demoOperator));
  const page = await endpoint(() => visitorPage(stack));
  const visitorId = String(page.welcome.visitorId);
  const queued = await page.ws.request({ action: 'chat-request', name: 'Fuzz' });
  const chatId = String((queued.chat as { chatId: string }).chatId);
  await admin.ws.request({ action: 'accept', chatId });
  await page.ws.request({ action: 'chat-message', chatId, text: 'first', clientMsgId: 'first' });
  const me = await api<{ id: string }>(stack, admin.idToken, 'GET', '/api/me');
  const canned = await api<{ id: string }>(stack, admin.idToken, 'POST', '/api/canned', {
    scope: 'personal',
    title: 'Hi',
    text: 'Hello!',
  });
  settingsBody = (await api(stack, admin.idToken, 'GET', '/api/settings')).body;
  fx = { chatId, visitorId, otherOperatorId, cannedId: canned.body.id, adminId: me.body.id };
  claims = {
    sub: me.body.id,
    email: stack.demoOperator.email,
    name: stack.demoOperator.name,
    'cognito:groups': ['admin'],
  };
  visitor = {
    ws: page.ws,
    connectionId: page.connectionId,
    authorizer: {
      role: 'visitor',
      siteId: stack.siteId,
      visitorId,
      returning: 'false',
      principalId: `visitor:${visitorId}`,
    },
  };
  operator = {
    ws: admin.ws,
    connectionId: admin.connectionId,
    authorizer: {
      role: 'operator',
      siteId: stack.siteId,
      operatorId: me.body.id,
      principalId: `operator:${me.body.id}`,
    },
  };
});

afterAll(async () => {
  if (casesRun.size) {
    const total = [...casesRun.values()].reduce((a, b) => a + b, 0);
    console.log(
      `fuzz: ${casesRun.size} routes, ${total} cases\n${[...casesRun].map(([r, n]) => `  ${r}: ${n}`).join('\n')}`,
    );
  }
  await visitor?.ws.close();
  await operator?.ws.close();
  await stack?.stop();
});

/** A valid frame of each action, from which near-valid ones are mutated. */
function baseFrame(action: string): Record<string, unknown> {
  const { chatId, visitorId, otherOperatorId } = fx;
  const bases: Record<string, Record<string, unknown>> = {
    'page-view': {
      url: 'https://shop.example/fuzz',
      title: 'Fuzz',
      referrer: 'https://www.google.com/search?q=kettle',
      lang: 'en',
      screen: { w: 1280, h: 800 },
      custom: { plan: 'gold' },
    },
    'visitor-info': { custom: { plan: 'gold', id: '42' } },
    'chat-request': { name: 'Ann', email: 'ann@example.com', department: 'sales', text: 'Hi' },
    'chat-message': { chatId, text: 'hello', clientMsgId: 'c1' },
    typing: { chatId, typing: true, preview: 'hel' },
    'end-chat': { chatId },
    sync: { chatId, afterSeq: 0 },
    hello: {},
    'set-status': { status: 'online' },
    accept: { chatId },
    decline: { chatId },
    transfer: { chatId, toOperatorId: otherOperatorId },
    'add-operator': { chatId, operatorId: otherOperatorId },
    'leave-chat': { chatId },
    hold: { chatId, on: true },
    transcript: { chatId, email: 'ann@example.com' },
    invite: { visitorId, text: 'Can I help?' },
    'invite-response': { inviteId: '01JINVITE', accept: false },
    'tag-visitor': { visitorId, tag: 'customer' },
    'note-visitor': { visitorId, text: 'a note' },
    'leave-message': { name: 'Ann', email: 'ann@example.com', text: 'Call me back', clientMsgId: 'lm1' },
  };
  return { action, ...(bases[action] ?? {}) };
}

/** Puts a fresh reqId into an object frame that has none, so its reply can be told apart. */
function withReqId(text: string, n: number): { body: string; reqId?: string } {
  const parsed = tryParse(text);
  if (!parsed.ok || !parsed.value || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { body: text };
  }
  const existing = (parsed.value as { reqId?: unknown }).reqId;
  if (Object.hasOwn(parsed.value, 'reqId')) {
    return typeof existing === 'string' && existing.length <= 64 ? { body: text, reqId: existing } : { body: text };
  }
  const reqId = `z${n}`;
  const rest = text.trimStart().slice(1).trimStart();
  return { body: `{"reqId":"${reqId}"${rest.startsWith('}') ? '' : ','}${rest}`, reqId };
}

function isAllowed(action: string, role: 'visitor' | 'operator'): boolean {
  return ((role === 'visitor' ? schemas.VISITOR_ACTIONS : schemas.OPERATOR_ACTIONS) as readonly string[]).includes(
    action,
  );
}

const ACTIONS = WS_ROUTES.filter((r) => !r.routeKey.startsWith('$'));

describe('fuzzing every WebSocket action through its real handler', () => {
  let n = 0;
  for (const route of ACTIONS) {
    it(`${route.routeKey}: ${RUNS} hostile frames, each refused with an error code and no write when invalid`, async () => {
      const handler = await handlerOf(route.entry);
      const schema = schemaOfAction(route.routeKey);
      expect(schema, `a schema for ${route.routeKey}`).toBeDefined();
      const roles = (['visitor', 'operator'] as const).filter((r) => isAllowed(route.routeKey, r));
      expect(roles.length, `${route.routeKey} is an action of someone`).toBeGreaterThan(0);
      let invalid = 0;
      await fc.assert(
        fc.asyncProperty(hostileFrame(route.routeKey, baseFrame(route.routeKey)), fc.nat(), async (text, pick) => {
          const who = roles[pick % roles.length] === 'visitor' ? visitor : operator;
          const { body, reqId } = withReqId(text, ++n);
          const parsed = tryParse(body);
          const valid =
            Buffer.byteLength(body) <= LIMITS.frameBytes &&
            parsed.ok &&
            !!parsed.value &&
            typeof parsed.value === 'object' &&
            !Array.isArray(parsed.value) &&
            schema!.safeParse(parsed.value).success;
          const from = who.ws.frames.length;
          const { result, writes } = await counted(() =>
            handler(wsEvent(route.routeKey, who.connectionId, who.authorizer, body), lambdaContext),
          );
          expect(result?.statusCode).toBe(200);
          if (valid) return;
          invalid++;
          const err = await who.ws.next((f) => f.type === 'error' && (!reqId || f.reqId === reqId), 3000, from);
          expect(err.code).toMatch(/^[a-z-]+$/);
          expect(err.code).not.toBe('internal');
          expect(writes, `writes for ${body.slice(0, 200)}`).toEqual([]);
        }),
        fcOptions,
      );
      casesRun.set(route.routeKey, RUNS);
      expect(invalid).toBeGreaterThan(RUNS / 2);
    }, 120_000);
  }

  it('refuses prototype names as custom-info keys (found by fuzzing: a `constructor` key made the map unstorable; zod drops `__proto__` keys itself)', async () => {
    for (const [entry, body] of [
      ['page-view', '{"action":"page-view","url":"https://shop.example/","custom":{"constructor":"x"}}'],
      ['visitor-info', '{"action":"visitor-info","custom":{"prototype":"x"}}'],
    ] as const) {
      const handler = await handlerOf(entry);
      const reqId = `proto-${++n}`;
      const from = visitor.ws.frames.length;
      const { writes } = await counted(() =>
        handler(
          wsEvent(entry, visitor.connectionId, visitor.authorizer, body.replace('{', `{"reqId":"${reqId}",`)),
          lambdaContext,
        ),
      );
      const err = await visitor.ws.next((f) => f.reqId === reqId, 3000, from);
      expect(err).toMatchObject({ type: 'error', code: 'bad-request' });
      expect(writes).toEqual([]);
    }
  });

  it(`$default: ${RUNS} frames of any kind, each answered with an error and no write`, async () => {
    const handler = await handlerOf('ws-default');
    const before = await durable();
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(arbitraryFrame('launch-rockets'), nearValid({ action: 'nope', x: 1 }), hostileFrame('', {})),
        async (text) => {
          const { body, reqId } = withReqId(text, ++n);
          const from = visitor.ws.frames.length;
          const { result, writes } = await counted(() =>
            handler(wsEvent('$default', visitor.connectionId, visitor.authorizer, body), lambdaContext),
          );
          expect(result?.statusCode).toBe(200);
          const err = await visitor.ws.next((f) => f.type === 'error' && (!reqId || f.reqId === reqId), 3000, from);
          expect(['unknown-action', 'bad-json', 'frame-too-large']).toContain(err.code);
          expect(writes).toEqual([]);
        },
      ),
      fcOptions,
    );
    expect(await durable()).toEqual(before);
    casesRun.set('$default', RUNS);
  }, 120_000);

  it('never answers with an internal error, on either connection, after all of the above', () => {
    for (const ws of [visitor.ws, operator.ws]) {
      expect(ws.frames.filter((f) => f.type === 'error' && f.code === 'internal')).toEqual([]);
      expect(ws.frames.filter((f) => (f as { message?: unknown }).message === 'Internal server error')).toEqual([]);
      expect(ws.closed).toBe(false);
    }
  });
});

const hostileString = hostileValue.map((v) => (typeof v === 'string' ? v : render(v)));

describe('fuzzing $connect (the authorizer: $connect itself and $disconnect run no Lambda)', () => {
  it(`$connect: ${RUNS} hostile query strings and headers, never an operator without a ticket, never another visitor`, async () => {
    const handler = await handlerOf(WS_AUTHORIZER_ENTRY);
    const page = await visitorPage(stack);
    const token = String(page.welcome.visitorToken);
    const realId = String(page.welcome.visitorId);
    await page.ws.close();
    const tampered = fc.oneof(
      fc.constant(token),
      fc
        .nat({ max: token.length - 1 })
        .chain((i) => fc.string({ minLength: 1, maxLength: 1 }).map((c) => token.slice(0, i) + c + token.slice(i + 1))),
      fc.constant(`${realId}.`),
      fc.constant(`${realId}.${'A'.repeat(43)}`),
      fc.constant(token.replace(realId, fx.visitorId)),
      hostileString,
    );
    const headers = fc.dictionary(
      fc.constantFrom(
        'user-agent',
        'User-Agent',
        'accept-language',
        'cloudfront-viewer-address',
        'cloudfront-viewer-country',
        'cloudfront-viewer-country-region',
        'cloudfront-viewer-city',
        'cloudfront-viewer-postal-code',
        'cloudfront-viewer-time-zone',
        'cloudfront-viewer-asn',
        'x-parley-isp',
        'x-forwarded-for',
      ),
      hostileString,
    );
    await new Promise((r) => setTimeout(r, 300));
    const before = await durable();
    let i = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            role: fc.oneof(fc.constantFrom('visitor', 'operator', 'admin', ''), hostileString),
            site: fc.oneof(fc.constant(stack.siteId), fc.constant('other-site'), hostileString),
            vt: tampered,
            ticket: fc.oneof(hostileString, fc.stringMatching(/^[0-9A-Z]{52}$/)),
          },
          { requiredKeys: [] },
        ),
        headers,
        async (query, hdrs) => {
          const result = (await handler(
            {
              type: 'REQUEST',
              methodArn: 'arn:aws:execute-api:local:000000000000:local/ws/$connect',
              queryStringParameters: query,
              headers: hdrs,
              requestContext: {
                routeKey: '$connect',
                eventType: 'CONNECT',
                connectionId: `fuzz${++i}=`,
                connectedAt: Date.now(),
                identity: { sourceIp: '127.0.0.1', userAgent: 'fuzz' },
              },
            },
            lambdaContext,
          )) as unknown as { policyDocument: { Statement: { Effect: string }[] }; context?: Record<string, string> };
          const allowed = result.policyDocument.Statement.every((s) => s.Effect === 'Allow');
          if (!allowed) return;
          expect(result.context?.role).toBe('visitor');
          expect(query.role).toBe('visitor');
          // Only the untouched token names its visitor; anything else is a new one.
          if (result.context?.visitorId === realId) expect(query.vt).toBe(token);
          expect(result.context?.visitorId).not.toBe(fx.visitorId);
          // The context rides on every event of the connection: whatever the headers, it stays small.
          expect(JSON.stringify(result.context).length).toBeLessThan(4096);
        },
      ),
      fcOptions,
    );
    // Refused or admitted, a connect request stores nothing until the socket's first page view.
    expect(await durable()).toEqual(before);
    casesRun.set('$connect (authorizer)', RUNS);
  }, 120_000);

  it(`$connect with a page view (pv): ${RUNS} hostile or near-valid views, refused without a write or recorded as valid`, async () => {
    const handler = await handlerOf(WS_AUTHORIZER_ENTRY);
    const base = {
      url: 'https://shop.example/fuzz',
      title: 'Fuzz',
      referrer: 'https://search.example/?q=x',
      lang: 'en',
    };
    const pv = fc.oneof(nearValid({ action: 'page-view', ...base }), hostileString);
    const admitted: { visitorId: string; pv: string }[] = [];
    let refused = 0;
    let i = 0;
    await new Promise((r) => setTimeout(r, 300));
    const profiles = async () =>
      (await durable()).filter((item) => String(item.pk).startsWith('VIS#') && item.sk === 'PROFILE');
    const visitorsBefore = (await profiles()).length;
    await fc.assert(
      fc.asyncProperty(pv, async (raw) => {
        const result = (await handler(
          {
            type: 'REQUEST',
            methodArn: 'arn:aws:execute-api:local:000000000000:local/ws/$connect',
            queryStringParameters: { role: 'visitor', site: stack.siteId, pv: raw },
            headers: { 'user-agent': 'fuzz' },
            requestContext: {
              routeKey: '$connect',
              eventType: 'CONNECT',
              connectionId: `fuzzpv${++i}=`,
              connectedAt: Date.now(),
              identity: { sourceIp: '127.0.0.1', userAgent: 'fuzz' },
            },
          },
          lambdaContext,
        )) as unknown as { policyDocument: { Statement: { Effect: string }[] }; context?: Record<string, string> };
        const allowed = result.policyDocument.Statement.every((s) => s.Effect === 'Allow');
        if (!allowed) {
          refused += 1;
          return;
        }
        // Admitted only with a view the frame's own schema accepts.
        const parsed = tryParse(raw);
        expect(parsed.ok).toBe(true);
        // (what only a frame may carry is ignored: a reqId, spa, resume)
        const { reqId: _r, spa: _s, resume: _re, ...view } = parsed.ok ? (parsed.value as Record<string, unknown>) : {};
        expect(schemas.pageViewSchema.safeParse({ ...view, action: 'page-view' }).success).toBe(true);
        admitted.push({ visitorId: String(result.context?.visitorId), pv: raw });
      }),
      fcOptions,
    );
    // Every refused connect wrote nothing: the only new visitors are the admitted ones, each
    // holding its own view (no pollution of any other item, no half-written visitor).
    const after = await profiles();
    expect(after.length - visitorsBefore).toBe(admitted.length);
    for (const a of admitted) {
      const item = after.find((v) => v.visitorId === a.visitorId);
      const parsed = tryParse(a.pv);
      expect(item?.url).toBe(parsed.ok ? (parsed.value as { url: string }).url : undefined);
      expect(Object.prototype).not.toHaveProperty('polluted');
    }
    expect(refused).toBeGreaterThan(RUNS / 4);
    casesRun.set('$connect (authorizer) with pv', RUNS);
  }, 180_000);
});

/** Bodies the HTTP routes take, with a valid example to mutate. */
function httpBody(key: string): { schema: Schema; base: Record<string, unknown> } | undefined {
  const s = schemas as unknown as Record<string, Schema>;
  const a = adminSchemas as unknown as Record<string, Schema>;
  const table: Record<string, { schema?: Schema; base: Record<string, unknown> | unknown[] }> = {
    'PUT /api/me/preferences': { schema: s.preferencesSchema, base: { newVisitorSound: true } },
    'PUT /api/settings': { schema: s.settingsSchema, base: settingsBody },
    'POST /api/canned': { schema: s.cannedSchema, base: { scope: 'personal', title: 'T', text: 'x', shortcut: 'hi' } },
    'PUT /api/canned/{cannedId}': { schema: s.cannedSchema, base: { scope: 'personal', title: 'T', text: 'y' } },
    'POST /api/offline-messages/{messageId}/reply': { schema: s.offlineReplySchema, base: { text: 'Thanks!' } },
    'POST /api/operators': {
      schema: a.createOperatorSchema,
      base: { email: 'fuzzed@parley.local', name: 'Fuzzed', role: 'operator', departments: [], maxChats: 3 },
    },
    'PUT /api/operators/{operatorId}': { schema: a.updateOperatorSchema, base: { name: 'Olga', maxChats: null } },
    'POST /api/departments': { schema: a.departmentSchema, base: { name: 'Sales', silent: false } },
    'PUT /api/departments/{departmentId}': { schema: a.departmentSchema, base: { name: 'Sales 2' } },
  };
  const entry = table[key];
  return entry?.schema && !Array.isArray(entry.base) ? { schema: entry.schema, base: entry.base } : undefined;
}

const rule = {
  id: 'r1',
  enabled: false,
  priority: 1,
  delaySeconds: 30,
  scope: 'site',
  text: 'Hello',
  onlyWhenOperatorAvailable: true,
};

describe('fuzzing every HTTP route through the real handler', () => {
  for (const route of HTTP_ROUTES) {
    const key = `${route.method} ${route.path}`;
    it(`${key}: ${RUNS} hostile requests, never a 5xx, 4xx with a code and no write`, async () => {
      const handler = await handlerOf(HTTP_API_ENTRY);
      const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!);
      const validParam: Record<string, string> = {
        chatId: fx.chatId,
        visitorId: fx.visitorId,
        cannedId: fx.cannedId,
        operatorId: fx.otherOperatorId,
      };
      const body = httpBody(key);
      const isRules = key === 'PUT /api/auto-invitations';
      const bodyArb: fc.Arbitrary<string | undefined> = body
        ? hostileFrame('', body.base).map((t) => t)
        : isRules
          ? fc.oneof(
              nearValid(rule).map((t) => `[${t}]`),
              arbitraryFrame(''),
              fc.constant(render(Array.from({ length: 51 }, () => rule))),
            )
          : fc.option(arbitraryFrame(''), { nil: undefined });
      const paramArb = fc.record(
        Object.fromEntries(params.map((p) => [p, fc.oneof(fc.constant(validParam[p] ?? 'x'), hostileString)])),
      ) as fc.Arbitrary<Record<string, string>>;
      const queryArb = fc.dictionary(
        fc.oneof(fc.constantFrom('after', 'from', 'to', 'status', 'limit', '__proto__'), fc.string({ maxLength: 8 })),
        hostileString,
        { maxKeys: 4 },
      );
      let refused = 0;
      await fc.assert(
        fc.asyncProperty(bodyArb, paramArb, queryArb, async (text, pathParameters, query) => {
          const { result, writes } = await counted(() =>
            handler(
              httpEvent(route.method, route.path, claims, {
                pathParameters,
                query,
                ...(text !== undefined ? { body: text } : {}),
              }),
              lambdaContext,
            ),
          );
          expect(result!.statusCode, `${key} ${text?.slice(0, 200)}`).toBeLessThan(500);
          const reply = tryParse(result!.body);
          if (result!.statusCode >= 400) {
            refused++;
            expect(reply.ok && (reply.value as { error?: { code?: unknown } }).error?.code).toMatch(/^[a-z-]+$/);
            expect(writes, `writes of a refused ${key} ${text?.slice(0, 200)}`).toEqual([]);
          }
          if (body && text !== undefined) {
            const parsed = tryParse(text);
            const valid = parsed.ok && body.schema.safeParse(parsed.value).success;
            if (!valid) expect(result!.statusCode, `${key} ${text.slice(0, 200)}`).toBeGreaterThanOrEqual(400);
          }
        }),
        fcOptions,
      );
      casesRun.set(key, RUNS);
      if (body || isRules) expect(refused).toBeGreaterThan(RUNS / 2);
    }, 120_000);
  }

  it('left Object.prototype as it was', () => {
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(protoKeysBefore);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    void Raw;
  });
});
