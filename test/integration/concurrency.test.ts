/**
 * Concurrent writers on one chat, over real sockets: in every round several operators accept at
 * once, then the owner transfers while an admin ends, a colleague accepts, the target transfers it
 * back and the visitor ends — in a different order each round. The chat never breaks the rules:
 * one owner while active, none while queued, ended stays ended, the visitor's open-chat pointer
 * follows, and every operator's slot counter equals the chats they hold.
 * (routing.test.ts races 10 operators for 200 chats on accept alone; this one mixes the writers.)
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import type { Store } from '../../functions/core/ports.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, type WsClient } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
interface Op {
  id: string;
  ws: WsClient;
}

const ROUNDS = Number(process.env.RACE_ROUNDS ?? 60);

let stack: LocalStack;
let store: Store;
let ops: Op[];

/** A small deterministic generator, so a failing round can be replayed with the same seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const SEED = Number(process.env.RACE_SEED ?? 20261122);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  store = createDynamoStore(
    DynamoDBDocumentClient.from(
      new DynamoDBClient({
        endpoint: stack.dynamoEndpoint,
        region: 'local',
        credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
      }),
      { marshallOptions: { removeUndefinedValues: true } },
    ),
    stack.tableName,
    { now: () => Date.now() },
  );
  const admin = await operatorSession(stack, stack.demoOperator);
  ops = [{ id: String((admin.welcome.operator as { id: string }).id), ws: admin.ws }];
  for (const name of ['Rita', 'Raul', 'Rosa']) {
    const who = { email: `${name.toLowerCase()}@race.local`, password: `${name}-Race-2026!`, name: `${name} Racer` };
    const id = await stack.createOperator(who);
    const s = await operatorSession(stack, who);
    ops.push({ id, ws: s.ws });
  }
  // One chat at a time races, so the default chat limit leaves room; a leaked slot would show.
}, 120_000);

afterAll(async () => {
  for (const o of ops ?? []) await o.ws.close();
  await stack?.stop();
});

const shuffle = <T>(xs: T[], r: () => number) =>
  xs
    .map((x) => ({ x, k: r() }))
    .sort((a, b) => a.k - b.k)
    .map((p) => p.x);

/**
 * Every operator's slot counter equals the active chats they are on, once the round's handlers have
 * finished (a reply goes out before the handler's last writes, so a settled state is awaited).
 */
async function assertSlotsConsistent(trace: string) {
  let mismatch = '';
  for (let attempt = 0; attempt < 40; attempt++) {
    const active = await store.chatsByStatus(stack.siteId, 'active', 500);
    mismatch = '';
    for (const o of ops) {
      const held = active.filter((c) => c.operators.some((x) => x.id === o.id)).length;
      const rec = await store.getOperator(o.id);
      if ((rec?.activeChats ?? 0) !== held) mismatch += `${rec?.name}: ${rec?.activeChats ?? 0} slots, ${held} chats; `;
    }
    if (!mismatch) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  expect(mismatch, `slot counters after ${trace}`).toBe('');
}

describe('concurrent accept, transfer and end on one chat', () => {
  it(`keeps every chat within the rules over ${ROUNDS} racing rounds`, async () => {
    const r = rng(SEED);
    const outcomes = { accepted: 0, transferred: 0, endedByOperator: 0, endedByVisitor: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const page = await visitorPage(stack);
      const visitorId = String(page.welcome.visitorId);
      const queued = await page.ws.request({ action: 'chat-request', name: `Racer ${round}` });
      const chatId = String((queued.chat as { chatId: string }).chatId);

      // Phase 1: every operator accepts at once; sometimes the visitor gives up at the same moment.
      const visitorEnds = r() < 0.25;
      const accepts = await Promise.all([
        ...shuffle(ops, r).map((o) =>
          o.ws.request({ action: 'accept', chatId }, 15_000).then((f) => ({ who: o.id, f })),
        ),
        ...(visitorEnds
          ? [page.ws.request({ action: 'end-chat', chatId }, 15_000).then((f) => ({ who: 'visitor', f }))]
          : []),
      ]);
      const trace = [`round ${round}`, ...accepts.map((a) => `accept/end ${a.who}: ${a.f.type} ${a.f.code ?? ''}`)];
      const winners = accepts.filter((a) => a.who !== 'visitor' && a.f.type === 'chat-update');
      expect(winners.length, `round ${round}: accept winners`).toBeLessThanOrEqual(1);
      for (const a of accepts.filter((x) => x.who !== 'visitor' && x.f.type === 'error')) {
        expect(['already-taken', 'chat-ended'], `round ${round}: ${JSON.stringify(a.f)}`).toContain(a.f.code);
      }
      let chat = await store.getChat(chatId);
      if (winners.length === 1) outcomes.accepted++;
      if (chat?.status === 'active') {
        expect(chat.operators.map((o) => o.id)).toEqual([winners[0]!.who]);
      } else {
        expect(chat?.status).toBe('ended');
        expect(visitorEnds).toBe(true);
      }

      // Phase 2: the owner transfers while others end, accept and transfer it back, in random order.
      if (chat?.status === 'active') {
        const owner = ops.find((o) => o.id === chat!.operators[0]!.id)!;
        const others = ops.filter((o) => o !== owner);
        const target = others[Math.floor(r() * others.length)]!;
        const admin = ops[0]!;
        const moves: (() => Promise<{ who: string; action: string; f: Frame }>)[] = [
          () =>
            owner.ws
              .request({ action: 'transfer', chatId, toOperatorId: target.id }, 15_000)
              .then((f) => ({ who: owner.id, action: 'transfer', f })),
          () =>
            target.ws
              .request({ action: 'transfer', chatId, toOperatorId: owner.id }, 15_000)
              .then((f) => ({ who: target.id, action: 'transfer-back', f })),
          () =>
            others[0]!.ws
              .request({ action: 'accept', chatId }, 15_000)
              .then((f) => ({ who: others[0]!.id, action: 'accept', f })),
        ];
        if (r() < 0.5)
          moves.push(() =>
            admin.ws.request({ action: 'end-chat', chatId }, 15_000).then((f) => ({ who: admin.id, action: 'end', f })),
          );
        if (r() < 0.3)
          moves.push(() =>
            page.ws.request({ action: 'end-chat', chatId }, 15_000).then((f) => ({ who: 'visitor', action: 'end', f })),
          );
        const replies = await Promise.all(shuffle(moves, r).map((m) => m()));
        trace.push(`owner ${owner.id} target ${target.id}`);
        for (const x of replies) trace.push(`${x.action} ${x.who}: ${x.f.type} ${x.f.code ?? ''}`);
        for (const x of replies.filter((y) => y.f.type === 'error')) {
          // Each loser is told why; nothing fails for another reason.
          expect(['already-taken', 'chat-ended', 'forbidden', 'conflict', 'not-found'], JSON.stringify(x)).toContain(
            x.f.code,
          );
        }
        if (replies.some((x) => x.action === 'transfer' && x.f.type !== 'error')) outcomes.transferred++;
        chat = await store.getChat(chatId);
        if (chat?.status === 'active') {
          expect(chat.operators.length, `round ${round}: owners`).toBe(1);
          expect(ops.map((o) => o.id)).toContain(chat.operators[0]!.id);
          // It ended only if nobody's end got through.
          expect(replies.filter((x) => x.action === 'end' && x.f.type !== 'error')).toEqual([]);
        } else {
          expect(chat?.status, `round ${round}`).toBe('ended');
          expect(chat?.operators.length).toBeLessThanOrEqual(1);
        }
      }

      // Closed stays closed: nobody revives an ended chat.
      if (chat?.status === 'ended') {
        if (chat.endedBy === 'visitor') outcomes.endedByVisitor++;
        else outcomes.endedByOperator++;
        const late = await Promise.all(ops.map((o) => o.ws.request({ action: 'accept', chatId }, 15_000)));
        for (const f of late) expect(f).toMatchObject({ type: 'error', code: 'chat-ended' });
        const msg = await page.ws.request({
          action: 'chat-message',
          chatId,
          text: 'anyone?',
          clientMsgId: `l${round}`,
        });
        expect(msg).toMatchObject({ type: 'error', code: 'chat-ended' });
        expect((await store.getChat(chatId))?.status).toBe('ended');
        expect((await store.getVisitor(visitorId))?.openChatId).not.toBe(chatId);
      } else {
        // Still active: end it properly so the next round starts clean.
        const owner = ops.find((o) => o.id === chat!.operators[0]!.id)!;
        expect((await owner.ws.request({ action: 'end-chat', chatId })).type).not.toBe('error');
      }
      await assertSlotsConsistent(trace.join('\n'));
      await page.ws.close();
    }
    console.log(`concurrency: ${ROUNDS} rounds`, outcomes);
    expect(outcomes.accepted).toBeGreaterThan(0);
    expect(outcomes.transferred).toBeGreaterThan(0);
    expect(outcomes.endedByOperator).toBeGreaterThan(0);
  }, 600_000);
});
