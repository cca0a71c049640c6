/**
 * `npm run bench`: figures, not tests. Visitor → operator message latency through the local stack
 * (real gateway, real handlers, dynalite) with 1, 50 and 200 concurrent chats, each sending a
 * message every PACE_MS on average (random pauses), and the DynamoDB requests and
 * PostToConnection calls per chat message, counted by a middleware on the real clients. Then the
 * saturation throughput: every chat sends back to back (latency there is queueing, not service).
 * Writes test/bench/results.json and prints a table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { managementClient } from '../../functions/adapters/connection-notifier.js';
import { documentClient } from '../../functions/adapters/dynamo-client.js';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import { RequestCounter } from '../../functions/adapters/request-counter.js';
import { STREAM_ENTRY } from '../../functions/handlers/routes.js';
import { currentInvocation } from '../../local/lambda-runner.js';
import { ROOT, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';

const MESSAGES_PER_CHAT = Number(process.env.BENCH_MESSAGES ?? 10);
/** Mean pause between a chat's messages: people type; a chat is not a firehose. */
const PACE_MS = Number(process.env.BENCH_PACE_MS ?? 2000);
const LEVELS = (process.env.BENCH_CHATS ?? '1,50,200').split(',').map(Number);
const OPERATORS = 5;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function main() {
  const invocations = new Map<string, number>();
  const stack = await startLocalStack({
    quiet: true,
    onInvoke: (entry) => invocations.set(entry, (invocations.get(entry) ?? 0) + 1),
  });
  const byFunction = () => currentInvocation.getStore() ?? 'bench';
  const ddb = new RequestCounter(byFunction).attach(documentClient());
  const posts = new RequestCounter(byFunction).attach(managementClient(process.env.WS_CALLBACK_URL!));

  // Room for every benchmark chat: the site's per-operator limit, set by the demo admin.
  const admin = await operatorSession(stack, stack.demoOperator, { online: false });
  const current = await api(stack, admin.idToken, 'GET', '/api/settings');
  await api(stack, admin.idToken, 'PUT', '/api/settings', { ...current.body, maxChatsPerOperator: 50 });
  await admin.ws.close();

  const operators: WsClient[] = [];
  for (let i = 0; i < OPERATORS; i++) {
    const who = { email: `bench${i}@parley.local`, password: 'Bench-op-2026!', name: `Bench ${i}` };
    await stack.createOperator(who);
    operators.push((await operatorSession(stack, who)).ws);
  }

  const results: Record<string, unknown>[] = [];
  for (const chats of LEVELS) {
    // Arrange: N visitors, each in an accepted chat, spread over the operators.
    const pairs: { visitor: WsClient; operator: WsClient; chatId: string }[] = [];
    for (let i = 0; i < chats; i++) {
      const { ws } = await visitorPage(stack, { url: `https://shop.example/p/${i}`, title: `Page ${i}` });
      const queued = await ws.request({ action: 'chat-request', name: `Visitor ${i}` }, 15_000);
      const chatId = String((queued.chat as { chatId: string }).chatId);
      const operator = operators[i % OPERATORS]!;
      const accepted = await operator.request({ action: 'accept', chatId }, 15_000);
      if (accepted.type !== 'chat-update') throw new Error(`accept failed: ${JSON.stringify(accepted)}`);
      pairs.push({ visitor: ws, operator, chatId });
    }
    await new Promise((r) => setTimeout(r, 500));

    // Act: every visitor sends at a human pace; all chats at once.
    ddb.reset();
    posts.reset();
    const latencies: number[] = [];
    const started = performance.now();
    const send = async (pair: (typeof pairs)[number], id: string) => {
      const from = pair.operator.frames.length;
      const t0 = performance.now();
      pair.visitor.send({ action: 'chat-message', chatId: pair.chatId, text: `message ${id}`, clientMsgId: id });
      await pair.operator.next((f) => f.type === 'message' && f.clientMsgId === id, 30_000, from);
      return performance.now() - t0;
    };
    await Promise.all(
      pairs.map(async (pair, i) => {
        for (let m = 0; m < MESSAGES_PER_CHAT; m++) {
          await new Promise((r) => setTimeout(r, Math.random() * 2 * PACE_MS));
          latencies.push(await send(pair, `b${chats}-${i}-${m}`));
        }
      }),
    );
    const elapsed = performance.now() - started;
    // The sender's own echo is posted after the fan-out: let the last ones land before counting.
    await new Promise((r) => setTimeout(r, 300));
    const messages = chats * MESSAGES_PER_CHAT;
    latencies.sort((a, b) => a - b);
    const perMessageDdb = ddb.total() / messages;
    const requestPathDdb = ddb.labelled('chat-message') / messages;
    const streamDdb = ddb.labelled(STREAM_ENTRY) / messages;
    const perMessagePosts = posts.total() / messages;

    // Saturation: the same chats, every one sending back to back.
    const burstStarted = performance.now();
    await Promise.all(
      pairs.map(async (pair, i) => {
        for (let m = 0; m < MESSAGES_PER_CHAT; m++) await send(pair, `s${chats}-${i}-${m}`);
      }),
    );
    const saturation = messages / ((performance.now() - burstStarted) / 1000);

    const row = {
      chats,
      messages,
      offeredMessagesPerSecond: Math.round(messages / (elapsed / 1000)),
      messageLatencyP50Ms: Number(percentile(latencies, 50).toFixed(1)),
      messageLatencyP99Ms: Number(percentile(latencies, 99).toFixed(1)),
      saturationMessagesPerSecond: Math.round(saturation),
      // The request path (the chat-message function) and, separately, the stream's share.
      ddbRequestsPerChatMessage: Number(requestPathDdb.toFixed(2)),
      streamDdbRequestsPerChatMessage: Number(streamDdb.toFixed(2)),
      ddbRequestsPerChatMessageAll: Number(perMessageDdb.toFixed(2)),
      ddbScans: ddb.total((n) => n.startsWith('Scan')),
      postsPerChatMessage: Number(perMessagePosts.toFixed(2)),
      ddbByCommand: Object.fromEntries(ddb.counts),
    };
    results.push(row);
    console.log(
      `${String(chats).padStart(4)} chats  ${String(row.offeredMessagesPerSecond).padStart(4)} msg/s offered  ` +
        `p50 ${String(row.messageLatencyP50Ms).padStart(6)} ms  p99 ${String(row.messageLatencyP99Ms).padStart(6)} ms  ` +
        `DynamoDB/msg ${row.ddbRequestsPerChatMessage} (+${row.streamDdbRequestsPerChatMessage} stream)  posts/msg ${row.postsPerChatMessage}  scans ${row.ddbScans}  ` +
        `saturation ${row.saturationMessagesPerSecond} msg/s`,
    );
    // End the level's chats: each operator's slots free up for the next level.
    for (const p of pairs) await p.operator.request({ action: 'end-chat', chatId: p.chatId }, 15_000);
    for (const p of pairs) await p.visitor.close();
  }

  const pageViews = await pageViewBench(stack, ddb, posts, invocations, operators);

  for (const o of operators) await o.close();
  await stack.stop();
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    messagesPerChat: MESSAGES_PER_CHAT,
    operators: OPERATORS,
    results,
    pageViews,
  };
  writeFileSync(join(ROOT, 'test', 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwritten to test/bench/results.json');
}

/**
 * Page views: BROWSERS visitors each load PAGES pages one after another (a full page load: new
 * socket with the visitor token, page-view, welcome, close), with OPERATORS consoles watching.
 * Counts DynamoDB requests, posts and Lambda invocations per page view, the stream's included,
 * and checks that every page view was stored.
 */
async function pageViewBench(
  stack: Awaited<ReturnType<typeof startLocalStack>>,
  ddb: RequestCounter,
  posts: RequestCounter,
  invocations: Map<string, number>,
  consoles: WsClient[],
) {
  const BROWSERS = Number(process.env.BENCH_BROWSERS ?? 20);
  const PAGES = Number(process.env.BENCH_PAGES ?? 10);
  await stack.stream.idle();
  ddb.reset();
  posts.reset();
  invocations.clear();
  const framesBefore = consoles.map((c) => c.frames.length);
  const started = performance.now();
  const visitorIds = await Promise.all(
    Array.from({ length: BROWSERS }, async (_, b) => {
      let vt: string | undefined;
      let id = '';
      for (let p = 0; p < PAGES; p++) {
        const page = await visitorPage(stack, {
          url: `https://shop.example/bench/${b}/${p}`,
          title: `Bench page ${p}`,
          ...(vt ? { vt } : {}),
        });
        vt = String(page.welcome.visitorToken);
        id = String(page.welcome.visitorId);
        await page.ws.close();
      }
      return id;
    }),
  );
  const elapsed = performance.now() - started;
  await new Promise((r) => setTimeout(r, 500));
  await stack.stream.idle();
  const total = BROWSERS * PAGES;
  // No page view lost: every one is in the visitor's history.
  const store = createDynamoStore(documentClient(), stack.tableName, { now: () => Date.now() });
  const stored = (await Promise.all(visitorIds.map((id) => store.pageViews(id, 1000)))).reduce(
    (n, l) => n + l.length,
    0,
  );
  const gridFrames = consoles.reduce(
    (n, c, i) => n + c.frames.slice(framesBefore[i]).filter((f) => f.type === 'visitors').length,
    0,
  );
  const out = {
    browsers: BROWSERS,
    pageViews: total,
    stored,
    pageViewsPerSecond: Math.round(total / (elapsed / 1000)),
    // A full page load: the page-view function, and with connect, disconnect and the stream.
    ddbRequestsPerPageView: Number((ddb.labelled('page-view') / total).toFixed(2)),
    ddbRequestsPerPageLoad: Number((ddb.total() / total).toFixed(2)),
    ddbRequestsPerPageLoadByFunction: Object.fromEntries(
      [...ddb.byLabel].map(([k, v]) => [k, Number((v / total).toFixed(2))]),
    ),
    lambdaInvocationsPerPageView: Number(([...invocations.values()].reduce((a, b) => a + b, 0) / total).toFixed(2)),
    postsPerPageView: Number((posts.total() / total).toFixed(2)),
    gridFramesPerConsolePerPageView: Number((gridFrames / consoles.length / total).toFixed(3)),
    invocationsByFunction: Object.fromEntries(invocations),
    ddbByCommand: Object.fromEntries(ddb.counts),
  };
  console.log(
    `\npage views: ${out.pageViewsPerSecond}/s sustained with ${consoles.length} consoles, ${stored}/${total} stored, ` +
      `DynamoDB/view ${out.ddbRequestsPerPageView} (page load in all ${out.ddbRequestsPerPageLoad}: ${JSON.stringify(out.ddbRequestsPerPageLoadByFunction)}), Lambda/view ${out.lambdaInvocationsPerPageView}, ` +
      `posts/view ${out.postsPerPageView}, grid frames per console per view ${out.gridFramesPerConsolePerPageView}`,
  );
  return out;
}

await main();
process.exit(0);
