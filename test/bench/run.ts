/**
 * `npm run bench`: figures, not tests. Visitor → operator message latency through the local stack
 * (real gateway, real handlers, dynalite) with 1, 50 and 200 concurrent chats, and the DynamoDB
 * requests and PostToConnection calls per chat message, counted by a middleware on the real clients.
 * Writes test/bench/results.json and prints a table.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { managementClient } from '../../functions/adapters/connection-notifier.js';
import { documentClient } from '../../functions/adapters/dynamo-client.js';
import { RequestCounter } from '../../functions/adapters/request-counter.js';
import { ROOT, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, type WsClient } from '../support/clients.js';

const MESSAGES_PER_CHAT = Number(process.env.BENCH_MESSAGES ?? 10);
const LEVELS = (process.env.BENCH_CHATS ?? '1,50,200').split(',').map(Number);
const OPERATORS = 5;

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, i)]!;
}

async function main() {
  const stack = await startLocalStack({ quiet: true });
  const ddb = new RequestCounter().attach(documentClient());
  const posts = new RequestCounter().attach(managementClient(process.env.WS_CALLBACK_URL!));

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

    // Act: every visitor sends messages one after another; all chats at once.
    ddb.reset();
    posts.reset();
    const latencies: number[] = [];
    const started = performance.now();
    await Promise.all(
      pairs.map(async ({ visitor, operator, chatId }, i) => {
        for (let m = 0; m < MESSAGES_PER_CHAT; m++) {
          const clientMsgId = `b${chats}-${i}-${m}`;
          const from = operator.frames.length;
          const t0 = performance.now();
          visitor.send({ action: 'chat-message', chatId, text: `message ${m}`, clientMsgId });
          await operator.next((f) => f.type === 'message' && f.clientMsgId === clientMsgId, 30_000, from);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const elapsed = performance.now() - started;
    const messages = chats * MESSAGES_PER_CHAT;
    latencies.sort((a, b) => a - b);
    const row = {
      chats,
      messages,
      messageLatencyP50Ms: Number(percentile(latencies, 50).toFixed(1)),
      messageLatencyP99Ms: Number(percentile(latencies, 99).toFixed(1)),
      messagesPerSecond: Math.round(messages / (elapsed / 1000)),
      ddbRequestsPerChatMessage: Number((ddb.total() / messages).toFixed(2)),
      ddbScans: ddb.total((n) => n.startsWith('Scan')),
      postsPerChatMessage: Number((posts.total() / messages).toFixed(2)),
      ddbByCommand: Object.fromEntries(ddb.counts),
    };
    results.push(row);
    console.log(
      `${String(chats).padStart(4)} chats  p50 ${String(row.messageLatencyP50Ms).padStart(6)} ms  p99 ${String(row.messageLatencyP99Ms).padStart(6)} ms  ` +
        `${String(row.messagesPerSecond).padStart(5)} msg/s  DynamoDB/msg ${row.ddbRequestsPerChatMessage}  posts/msg ${row.postsPerChatMessage}  scans ${row.ddbScans}`,
    );
    for (const p of pairs) await p.visitor.close();
  }

  for (const o of operators) await o.close();
  await stack.stop();
  const out = {
    generatedAt: new Date().toISOString(),
    node: process.version,
    messagesPerChat: MESSAGES_PER_CHAT,
    operators: OPERATORS,
    results,
  };
  writeFileSync(join(ROOT, 'test', 'bench', 'results.json'), `${JSON.stringify(out, null, 2)}\n`);
  console.log('\nwritten to test/bench/results.json');
}

await main();
process.exit(0);
