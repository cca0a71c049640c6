/**
 * Connection bookkeeping without Lambdas: a full page load (new socket, page-view, close) through
 * the local gateway runs the authorizer and the page-view function only; `$connect` is a mock and
 * `$disconnect` the one DynamoDB UpdateItem of WS_INTEGRATIONS, executed from the same definition
 * CDK renders into the integration's VTL. Counts come from a middleware on the real client.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { documentClient } from '../../functions/adapters/dynamo-client.js';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import { RequestCounter } from '../../functions/adapters/request-counter.js';
import type { Store } from '../../functions/core/ports.js';
import {
  REPORT_STREAM_ENTRY,
  STREAM_ENTRY,
  WS_AUTHORIZER_ENTRY,
  WS_INTEGRATIONS,
} from '../../functions/handlers/routes.js';
import { integrationRequest, requestTemplate } from '../../functions/handlers/ws-integrations.js';
import type { VisitorWelcome } from '../../functions/protocol/events.js';
import { welcomeDigest } from '../../functions/protocol/welcome-digest.js';
import { currentInvocation } from '../../local/lambda-runner.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, visitorPageAtConnect, WsClient } from '../support/clients.js';
import { until } from '../support/until.js';

let stack: LocalStack;
let store: Store;
let console1: WsClient;
const invocations: string[] = [];
const ddb = new RequestCounter(() => currentInvocation.getStore() ?? 'test');

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100, onInvoke: (e) => invocations.push(e) });
  ddb.attach(documentClient());
  store = createDynamoStore(documentClient(), stack.tableName, { now: () => Date.now() });
  console1 = (await operatorSession(stack, stack.demoOperator)).ws;
}, 60_000);
afterAll(async () => {
  await console1?.close();
  await stack?.stop();
});

const disconnect = WS_INTEGRATIONS.$disconnect as Extract<(typeof WS_INTEGRATIONS)[string], { kind: 'dynamodb' }>;

describe('a full page load', () => {
  it('costs two Lambda invocations and, on its own path, one DynamoDB request each for the view and the close', async () => {
    // Warm: a visitor with a token, continuing a visit (the common page load).
    const first = await visitorPage(stack, { url: 'https://shop.example/a', title: 'A' });
    const vt = String(first.welcome.visitorToken);
    const visitorId = String(first.welcome.visitorId);
    await first.ws.close();
    await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);
    await stack.stream.idle();

    invocations.length = 0;
    ddb.reset();
    const page = await visitorPage(stack, { url: 'https://shop.example/b', title: 'B', vt });
    expect(page.welcome).toMatchObject({ type: 'welcome', visitorId, returning: true });
    await page.ws.close();
    await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);

    const onPath = invocations.filter((e) => e !== STREAM_ENTRY && e !== REPORT_STREAM_ENTRY);
    expect(onPath.sort()).toEqual([WS_AUTHORIZER_ENTRY, 'page-view'].sort());
    expect(ddb.byLabel.get('page-view')).toBe(1);
    expect(ddb.byLabel.get('$disconnect')).toBe(1);
    expect(ddb.byLabel.get('$connect')).toBeUndefined();
    expect(ddb.byLabel.get(WS_AUTHORIZER_ENTRY)).toBeUndefined();
  });

  it('with the page view in the connect request costs one Lambda invocation on its path, and the welcome comes unasked', async () => {
    const first = await visitorPageAtConnect(stack, { url: 'https://shop.example/pv1', title: 'PV1' });
    const vt = String(first.welcome.visitorToken);
    const visitorId = String(first.welcome.visitorId);
    expect(first.welcome).toMatchObject({ type: 'welcome', role: 'visitor', returning: false });
    expect(first.welcome.reqId).toBeUndefined();
    await first.ws.close();
    await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);
    await stack.stream.idle();

    invocations.length = 0;
    ddb.reset();
    const page = await visitorPageAtConnect(stack, { url: 'https://shop.example/pv2', title: 'PV2', vt });
    expect(page.welcome).toMatchObject({
      type: 'welcome',
      visitorId,
      returning: true,
      visitorToken: expect.any(String),
    });
    // The view is stored before the socket opened: the grid row and the history follow from it.
    const stored = await store.getVisitor(visitorId);
    expect(stored).toMatchObject({ url: 'https://shop.example/pv2', title: 'PV2', pageViews: 2, connections: 1 });
    await page.ws.close();
    await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);
    await stack.stream.idle();
    await until(async () => (await store.pageViews(visitorId, 10)).length === 2);

    // No page-view function: the authorizer recorded the view (one UpdateItem, the visit going on).
    expect(invocations.filter((e) => e !== STREAM_ENTRY && e !== REPORT_STREAM_ENTRY)).toEqual([WS_AUTHORIZER_ENTRY]);
    expect(ddb.byLabel.get(WS_AUTHORIZER_ENTRY)).toBe(1);
    expect(ddb.byLabel.get('page-view')).toBeUndefined();
    expect(ddb.byLabel.get('$disconnect')).toBe(1);
  });

  it('welcomes each tab that connects with a page view, once, and a later page-view frame on it is a view, not a second welcome', async () => {
    const a = await visitorPageAtConnect(stack, { url: 'https://shop.example/t1', title: 'T1' });
    const vt = String(a.welcome.visitorToken);
    const b = await visitorPageAtConnect(stack, { url: 'https://shop.example/t2', title: 'T2', vt });
    expect(b.welcome.visitorId).toBe(a.welcome.visitorId);
    const from = b.ws.frames.length;
    const ack = b.ws.request({ action: 'page-view', url: 'https://shop.example/t3', title: 'T3', spa: true }, 800);
    await expect(ack).rejects.toThrow(/no matching frame/); // a view with nothing to answer
    await stack.stream.idle();
    await new Promise((r) => setTimeout(r, 150));
    expect(b.ws.frames.slice(from).filter((f) => f.type === 'welcome')).toEqual([]);
    expect(a.ws.frames.filter((f) => f.type === 'welcome')).toHaveLength(1);
    expect((await store.getVisitor(String(a.welcome.visitorId)))?.url).toBe('https://shop.example/t3');
    await a.ws.close();
    await b.ws.close();
  }, 15_000);

  it('sends no welcome to a widget that holds the same one (pv.known), and one when anything differs or a chat is open', async () => {
    const first = await visitorPageAtConnect(stack, { url: 'https://shop.example/k1', title: 'K1' });
    const w = first.welcome as unknown as VisitorWelcome;
    const vt = w.visitorToken;
    await first.ws.close();
    const quiet = async (known: string, url: string) => {
      const pv = { url, title: url, known };
      const ws = await WsClient.open(
        `${stack.wsUrl}?role=visitor&site=${stack.siteId}&vt=${encodeURIComponent(vt)}&pv=${encodeURIComponent(JSON.stringify(pv))}`,
      );
      await until(async () => (await store.getVisitor(w.visitorId))?.url === url);
      await stack.stream.idle();
      await new Promise((r) => setTimeout(r, 200));
      await stack.stream.idle();
      return { ws, welcomes: ws.frames.filter((f) => f.type === 'welcome') };
    };

    // Same welcome held: the view is recorded, the grid learns it, and nothing is posted to the page.
    const same = await quiet(welcomeDigest(w), 'https://shop.example/k2');
    expect(same.welcomes).toEqual([]);
    await console1.next(
      (f) =>
        f.type === 'visitors' &&
        (f.visitors as { visitorId: string; url: string }[]).some(
          (r) => r.visitorId === w.visitorId && r.url === 'https://shop.example/k2',
        ),
    );
    await same.ws.close();

    // Another availability than the page holds: the server's welcome comes.
    const stale = await quiet(
      welcomeDigest({ ...w, operatorsOnline: w.operatorsOnline + 5 }),
      'https://shop.example/k3',
    );
    expect(stale.welcomes).toHaveLength(1);
    expect(stale.welcomes[0]).toMatchObject({ visitorId: w.visitorId, operatorsOnline: w.operatorsOnline });
    // An open chat: restored by a welcome, whatever the widget holds.
    const asked = await stale.ws.request({ action: 'chat-request', name: 'Kay' });
    expect(asked.type).toBe('chat-update');
    await stale.ws.close();
    const chatting = await quiet(welcomeDigest(w), 'https://shop.example/k4');
    expect(chatting.welcomes).toHaveLength(1);
    expect(chatting.welcomes[0]!.chat).toMatchObject({ chatId: (asked.chat as { chatId: string }).chatId });
    await chatting.ws.request({ action: 'end-chat', chatId: (asked.chat as { chatId: string }).chatId });
    await chatting.ws.close();
  }, 20_000);

  it('refuses a connect whose page view is invalid, before any write', async () => {
    const invalid = [
      '{not json',
      '[]',
      JSON.stringify({ url: 'not a url', title: 'x' }),
      JSON.stringify({ title: 'no url' }),
      JSON.stringify({ url: 'https://shop.example/', custom: { a: 'x'.repeat(5000) } }),
    ];
    for (const pv of invalid) {
      ddb.reset();
      await expect(
        WsClient.open(`${stack.wsUrl}?role=visitor&site=${stack.siteId}&pv=${encodeURIComponent(pv)}`),
      ).rejects.toThrow(/refused with HTTP 403/);
      expect(ddb.byLabel.get(WS_AUTHORIZER_ENTRY)).toBeUndefined();
    }
  });

  it('records the socket with the page view and forgets it on close, with the time the visitor left', async () => {
    const page = await visitorPage(stack, { url: 'https://shop.example/c', title: 'C' });
    const visitorId = String(page.welcome.visitorId);
    const open = await store.getVisitor(visitorId);
    expect(open?.connections).toBe(1);
    const [socket] = open!.sockets!;
    expect(stack.gateway.connectionIds()).toContain(socket!.connectionId);

    const closedAt = Date.now();
    await page.ws.close();
    await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);
    const left = await store.getVisitor(visitorId);
    expect(left?.sockets).toEqual([]);
    expect(left!.lastSeen).toBeGreaterThanOrEqual(closedAt - 5);
    // the console learns it through the stream: connections 0, departed after the grace period
    await console1.next(
      (f) =>
        f.type === 'visitors' &&
        (f.visitors as { visitorId: string; connections: number }[]).some(
          (r) => r.visitorId === visitorId && r.connections === 0,
        ),
      5_000,
    );
  });

  it('writes the page-view history from the stream, one item per view', async () => {
    const first = await visitorPage(stack, { url: 'https://shop.example/h1', title: 'H1' });
    const visitorId = String(first.welcome.visitorId);
    first.ws.send({ action: 'page-view', url: 'https://shop.example/h2', title: 'H2', spa: true });
    await new Promise((r) => setTimeout(r, 200));
    await first.ws.close();
    await stack.stream.idle();
    await until(async () => (await store.pageViews(visitorId, 10)).length === 2);
    expect((await store.pageViews(visitorId, 10)).map((p) => p.url).sort()).toEqual([
      'https://shop.example/h1',
      'https://shop.example/h2',
    ]);
  });

  it('writes nothing when a socket that never sent a page view closes', async () => {
    const before = new Set(stack.gateway.connectionIds());
    const socket = new WebSocket(`${stack.wsUrl}?role=visitor&site=${stack.siteId}`);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    const id = stack.gateway.connectionIds().find((c) => !before.has(c));
    ddb.reset();
    socket.close();
    await until(async () => !stack.gateway.connectionIds().includes(id!));
    await new Promise((r) => setTimeout(r, 100));
    // one refused conditional write; no visitor item was created
    expect(ddb.byLabel.get('$disconnect')).toBe(1);
    expect(ddb.counts.get('UpdateItemCommand')).toBe(1);
  });
});

describe('the $disconnect integration', () => {
  const ctx = (authorizer: Record<string, unknown>) => ({
    connectionId: 'AbC=',
    connectedAt: 1_795_000_000_000,
    requestTimeEpoch: 1_795_000_060_000,
    authorizer,
  });

  it('is the same request locally as the VTL template renders, per role', () => {
    const visitor = integrationRequest(disconnect, 'T', ctx({ role: 'visitor', visitorId: 'V1' }));
    expect(visitor.input).toEqual({
      TableName: 'T',
      Key: { pk: { S: 'VIS#V1' }, sk: { S: 'PROFILE' } },
      UpdateExpression: 'DELETE connIds :c SET lastSeen = :t',
      ConditionExpression: 'contains(connIds, :e)',
      ExpressionAttributeValues: {
        ':c': { SS: ['1795000000000|AbC='] },
        ':e': { S: '1795000000000|AbC=' },
        ':t': { N: '1795000060000' },
      },
    });
    const operator = integrationRequest(disconnect, 'T', ctx({ role: 'operator', operatorId: 'O-1' }));
    expect(operator.input.Key).toEqual({ pk: { S: 'OP#O-1' }, sk: { S: 'PROFILE' } });

    // API Gateway substitutes $context variables into the template: do the same, per branch.
    const vtl = requestTemplate(disconnect, 'T');
    const branch = (role: string) => {
      const [, op, vis] = /#if\(\$context\.authorizer\.role == "operator"\)\n(.*)\n#else\n(.*)\n#end/.exec(vtl)!;
      const c = ctx(role === 'operator' ? { role, operatorId: 'O-1' } : { role, visitorId: 'V1' });
      return JSON.parse(
        (role === 'operator' ? op! : vis!)
          .replaceAll('$context.authorizer.visitorId', 'V1')
          .replaceAll('$context.authorizer.operatorId', 'O-1')
          .replaceAll('$context.connectedAt', String(c.connectedAt))
          .replaceAll('$context.connectionId', c.connectionId)
          .replaceAll('$context.requestTimeEpoch', String(c.requestTimeEpoch)),
      );
    };
    expect(branch('visitor')).toEqual(visitor.input);
    expect(branch('operator')).toEqual(operator.input);
  });

  it('refuses context values that could change the request', () => {
    expect(() => integrationRequest(disconnect, 'T', ctx({ role: 'visitor', visitorId: 'V1", "x": "y' }))).toThrow();
    expect(() => integrationRequest(disconnect, 'T', ctx({ role: 'visitor' }))).toThrow();
  });
});
