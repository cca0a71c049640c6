/**
 * Chat routing through the local gateway: chat limits, FIFO offers, the 24-hour assignment,
 * transfer (to an operator and to a department), conference, hold, transcripts by e-mail,
 * the operator's grace period, and concurrent accepts.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import type { Store } from '../../functions/core/ports.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
type Session = { ws: WsClient; idToken: string; welcome: Frame };

let stack: LocalStack;
let store: Store;
let dana: Session;
let sam: Session;
let danaId: string;
let samId: string;
let defaults: Record<string, unknown>;
const SAM = { email: 'sam@parley.local', password: 'Second-op-2026!', name: 'Sam Second' };

const chatOf = (f: Frame) => f.chat as Record<string, unknown> & { chatId: string; offeredTo?: string[] };
const settings = (extra: Record<string, unknown>) =>
  api(stack, dana.idToken, 'PUT', '/api/settings', { ...defaults, ...extra });

async function request(name: string, vt?: string) {
  const page = await visitorPage(stack, { title: `${name}'s page`, ...(vt ? { vt } : {}) });
  const queued = await page.ws.request({ action: 'chat-request', name });
  return { page, chatId: chatOf(queued).chatId, queued: chatOf(queued) };
}

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, streamWindowMs: 100 });
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
  samId = await stack.createOperator(SAM);
  dana = (await operatorSession(stack, stack.demoOperator)) as Session;
  sam = (await operatorSession(stack, SAM)) as Session;
  danaId = String((dana.welcome.operator as { id: string }).id);
  defaults = (await api(stack, dana.idToken, 'GET', '/api/settings')).body;
});
afterAll(async () => stack?.stop());

/** Each test starts with both operators online and no chats. */
beforeEach(async () => {
  await settings({});
  for (const s of [dana, sam]) await s.ws.request({ action: 'set-status', status: 'online' });
  const active = await store.chatsByStatus(stack.siteId, 'active', 500);
  const queued = await store.chatsByStatus(stack.siteId, 'queued', 500);
  for (const c of [...active, ...queued]) {
    const owner = c.operators[0]?.id === samId ? sam : dana;
    await (c.status === 'queued' ? dana : owner).ws.request({ action: 'end-chat', chatId: c.chatId });
  }
});

describe('chat limits and offers', () => {
  it('offers a request to the available operators with room, refuses an accept past the limit, and offers the longest-waiting first when room frees', async () => {
    await settings({ maxChatsPerOperator: 1 });
    await sam.ws.request({ action: 'set-status', status: 'away' });
    const first = await request('First');
    expect(first.queued.offeredTo).toEqual([danaId]);
    expect(await dana.ws.request({ action: 'accept', chatId: first.chatId })).toMatchObject({ type: 'chat-update' });

    const second = await request('Second');
    const third = await request('Third');
    expect(second.queued.offeredTo).toEqual([]); // Dana is full, Sam away
    const refused = await dana.ws.request({ action: 'accept', chatId: second.chatId });
    expect(refused).toMatchObject({ type: 'error', code: 'at-capacity' });

    // Dana ends her chat: the visitor who waited longest is offered to her first.
    const from = dana.ws.frames.length;
    await dana.ws.request({ action: 'end-chat', chatId: first.chatId });
    const offer = await dana.ws.next(
      (f) => f.type === 'chat-update' && chatOf(f).status === 'queued' && (chatOf(f).offeredTo ?? []).includes(danaId),
      5000,
      from,
    );
    expect(chatOf(offer).chatId).toBe(second.chatId);
    expect((await store.getChat(third.chatId))?.offeredTo ?? []).not.toContain(danaId);
    expect((await store.getOperator(danaId))?.activeChats).toBe(0);
    for (const r of [first, second, third]) await r.page.ws.close();
  });

  it('offers the queue to an operator who comes online', async () => {
    await dana.ws.request({ action: 'set-status', status: 'away' });
    await sam.ws.request({ action: 'set-status', status: 'away' });
    const waiting = await request('Waiting');
    expect(waiting.queued.offeredTo).toEqual([]);
    const from = sam.ws.frames.length;
    await sam.ws.request({ action: 'set-status', status: 'online' });
    await sam.ws.next(
      (f) =>
        f.type === 'chat-update' && chatOf(f).chatId === waiting.chatId && (chatOf(f).offeredTo ?? []).includes(samId),
      5000,
      from,
    );
    await waiting.page.ws.close();
  });

  it('takes a declined request away from that operator only', async () => {
    const r = await request('Declined');
    expect(r.queued.offeredTo?.sort()).toEqual([danaId, samId].sort());
    await dana.ws.request({ action: 'decline', chatId: r.chatId });
    expect((await store.getChat(r.chatId))?.offeredTo).toEqual([samId]);
    await r.page.ws.close();
  });
});

describe('the 24-hour assignment', () => {
  it('sends a returning visitor to their operator’s queue, and to the general queue once that operator is gone', async () => {
    const r = await request('Returning Rita');
    await sam.ws.request({ action: 'accept', chatId: r.chatId });
    await sam.ws.request({ action: 'end-chat', chatId: r.chatId });
    const vt = String(r.page.welcome.visitorToken);
    await r.page.ws.close();

    const again = await request('Returning Rita', vt);
    expect(again.queued).toMatchObject({ assignedOperatorId: samId, offeredTo: [samId] });
    await sam.ws.request({ action: 'end-chat', chatId: again.chatId });
    await again.page.ws.close();

    // Sam is away now: the assignment is dropped and everyone available gets the request.
    await sam.ws.request({ action: 'set-status', status: 'away' });
    const third = await request('Returning Rita', vt);
    expect(third.queued.assignedOperatorId).toBeUndefined();
    expect(third.queued.offeredTo).toEqual([danaId]);
    expect(await store.getAssignment(String(r.page.welcome.visitorId), Date.now())).toBeUndefined();
    await third.page.ws.close();
  });

  it('moves an assigned request on when its operator goes away while it waits', async () => {
    const r = await request('Patient Pat');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    await dana.ws.request({ action: 'end-chat', chatId: r.chatId });
    const vt = String(r.page.welcome.visitorToken);
    await r.page.ws.close();
    const again = await request('Patient Pat', vt);
    expect(again.queued.offeredTo).toEqual([danaId]);
    await dana.ws.request({ action: 'set-status', status: 'away' });
    const moved = await store.getChat(again.chatId);
    expect(moved?.assignedOperatorId).toBeUndefined();
    expect(moved?.offeredTo).toEqual([samId]);
    await again.page.ws.close();
  });

  it('drops the assignment when the chat ends if the site says so', async () => {
    await settings({ dropAssignmentOnEnd: true });
    const r = await request('Once');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    await dana.ws.request({ action: 'end-chat', chatId: r.chatId });
    const vt = String(r.page.welcome.visitorToken);
    await r.page.ws.close();
    const again = await request('Once', vt);
    expect(again.queued.assignedOperatorId).toBeUndefined();
    await again.page.ws.close();
  });
});

describe('during a chat', () => {
  it('transfers a chat to another operator: the target holds it, the visitor is told, the slots follow', async () => {
    const r = await request('Transferred Tom');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    const moved = await dana.ws.request({ action: 'transfer', chatId: r.chatId, toOperatorId: samId });
    expect(chatOf(moved).operators).toEqual([{ id: samId, name: 'Sam Second' }]);
    await r.page.ws.next((f) => f.type === 'message' && String(f.text).includes('now chatting with Sam Second'));
    const reply = await sam.ws.request({
      action: 'chat-message',
      chatId: r.chatId,
      text: 'Sam here',
      clientMsgId: 'tt-1',
    });
    expect(reply.type).toBe('message');
    const late = await dana.ws.request({ action: 'chat-message', chatId: r.chatId, text: 'me?', clientMsgId: 'tt-2' });
    expect(late).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await store.getOperator(danaId))?.activeChats).toBe(0);
    expect((await store.getOperator(samId))?.activeChats).toBe(1);
    expect((await store.getAssignment(String(r.page.welcome.visitorId), Date.now()))?.operatorId).toBe(samId);
    await r.page.ws.close();
  });

  it('transfers a chat to a department: back in the queue, offered to that department', async () => {
    const samRecord = (await store.getOperator(samId))!;
    await store.putOperator({ ...samRecord, departments: ['billing'] });
    const r = await request('Billing Bea');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    const moved = await dana.ws.request({ action: 'transfer', chatId: r.chatId, toDepartment: 'billing' });
    expect(chatOf(moved)).toMatchObject({ status: 'queued', department: 'billing', offeredTo: [samId] });
    await r.page.ws.next((f) => f.type === 'message' && String(f.text).includes('Transferring you to billing'));
    expect(await sam.ws.request({ action: 'accept', chatId: r.chatId })).toMatchObject({ type: 'chat-update' });
    // Dana is an admin: she may move Sam's chat, but not to a department nobody is in.
    expect(await dana.ws.request({ action: 'transfer', chatId: r.chatId, toDepartment: 'nowhere' })).toMatchObject({
      type: 'error',
      code: 'not-found',
    });
    await store.putOperator({ ...samRecord, departments: [] });
    await r.page.ws.close();
  });

  it('adds an operator to the conversation, who is told it is for them; the first may then leave', async () => {
    const r = await request('Conference Cleo');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    const from = sam.ws.frames.length;
    const added = await dana.ws.request({ action: 'add-operator', chatId: r.chatId, operatorId: samId });
    expect(chatOf(added).addedOperator).toEqual({ id: samId, by: danaId });
    await sam.ws.next(
      (f) =>
        f.type === 'chat-update' &&
        chatOf(f).chatId === r.chatId &&
        (chatOf(f).addedOperator as { id: string })?.id === samId,
      5000,
      from,
    );
    const m = await r.page.ws.request({
      action: 'chat-message',
      chatId: r.chatId,
      text: 'Hi both',
      clientMsgId: 'cc-1',
    });
    await sam.ws.next((f) => f.type === 'message' && f.id === m.id);
    await dana.ws.next((f) => f.type === 'message' && f.id === m.id);
    const left = await dana.ws.request({ action: 'leave-chat', chatId: r.chatId });
    expect(chatOf(left).operators).toEqual([{ id: samId, name: 'Sam Second' }]);
    expect(await sam.ws.request({ action: 'leave-chat', chatId: r.chatId })).toMatchObject({
      type: 'error',
      code: 'conflict',
    });
    await r.page.ws.close();
  });

  it('puts a chat on hold and tells the visitor the operator will be right back', async () => {
    const r = await request('Held Hal');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    const held = await dana.ws.request({ action: 'hold', chatId: r.chatId, on: true });
    expect(chatOf(held).onHold).toBe(true);
    await r.page.ws.next((f) => f.type === 'message' && String(f.text).includes('will be right back'));
    const back = await dana.ws.request({ action: 'hold', chatId: r.chatId, on: false });
    expect(chatOf(back).onHold).toBeUndefined();
    expect(await sam.ws.request({ action: 'hold', chatId: r.chatId, on: true })).toMatchObject({
      type: 'error',
      code: 'forbidden',
    });
    await r.page.ws.close();
  });

  it('mails a transcript (text and HTML, escaped) once per address, only to someone of the chat', async () => {
    const r = await request('Mailed Mia');
    await dana.ws.request({ action: 'accept', chatId: r.chatId });
    await r.page.ws.request({
      action: 'chat-message',
      chatId: r.chatId,
      text: 'Price of <b>lamps</b>?',
      clientMsgId: 'mm-1',
    });
    await dana.ws.request({ action: 'end-chat', chatId: r.chatId });
    expect(await r.page.ws.request({ action: 'transcript', chatId: r.chatId, email: 'mia@example.com' })).toMatchObject(
      { type: 'ack' },
    );
    type Mail = { destination: { to: string[] }; subject: string; body: { text?: string; html?: string } };
    let mail: Mail | undefined;
    for (let i = 0; i < 50 && !mail; i++) {
      const store = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: Mail[] };
      mail = store.emails.find((e) => e.destination.to.includes('mia@example.com'));
      if (!mail) await new Promise((res) => setTimeout(res, 100));
    }
    expect(mail?.subject).toMatch(/Your chat with/);
    expect(mail?.body.text).toContain('Mailed Mia: Price of <b>lamps</b>?');
    expect(mail?.body.html).toContain('Price of &lt;b&gt;lamps&lt;/b&gt;?');
    expect(await r.page.ws.request({ action: 'transcript', chatId: r.chatId, email: 'MIA@example.com' })).toMatchObject(
      {
        type: 'error',
        code: 'rate-limited',
      },
    );
    const stranger = await visitorPage(stack);
    expect(await stranger.ws.request({ action: 'transcript', chatId: r.chatId, email: 'x@example.com' })).toMatchObject(
      {
        type: 'error',
        code: 'not-found',
      },
    );
    await stranger.ws.close();
    await r.page.ws.close();
  });
});

describe('operator presence', () => {
  it('keeps an operator online through a console reload, and takes them offline after the grace period', async () => {
    await settings({ operatorGraceMs: 5_000 });
    const extra = await operatorSession(stack, SAM);
    await extra.ws.close();
    await sam.ws.close();
    await new Promise((r) => setTimeout(r, 300));
    expect((await store.getOperator(samId))?.status).toBe('online');
    await stack.scheduler.advance(6_000);
    for (let i = 0; i < 50 && (await store.getOperator(samId))?.status !== 'offline'; i++) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect((await store.getOperator(samId))?.status).toBe('offline');
    sam = (await operatorSession(stack, SAM)) as Session;
  });
});

describe('concurrent accepts', () => {
  it('gives each of 200 chats exactly one owner when 10 operators accept all of them at once', async () => {
    await settings({ maxChatsPerOperator: 50 });
    const ops: Session[] = [];
    for (let i = 0; i < 10; i++) {
      const who = { email: `racer${i}@parley.local`, password: 'Racer-op-2026!', name: `Racer ${i}` };
      await stack.createOperator(who);
      ops.push((await operatorSession(stack, who)) as Session);
    }
    const chats: string[] = [];
    const pages: WsClient[] = [];
    for (let i = 0; i < 200; i++) {
      const r = await request(`Racer visitor ${i}`);
      chats.push(r.chatId);
      pages.push(r.page.ws);
    }
    // Ten consoles at once, each clicking Accept on every request as fast as replies come back:
    // all ten race for each chat.
    const replies = (
      await Promise.all(
        ops.map(async (op) => {
          const mine: { chatId: string; reply: Frame }[] = [];
          for (const chatId of chats)
            mine.push({ chatId, reply: await op.ws.request({ action: 'accept', chatId }, 30_000) });
          return mine;
        }),
      )
    ).flat();
    const winners = new Map<string, number>();
    for (const { chatId, reply } of replies)
      if (reply.type === 'chat-update') winners.set(chatId, (winners.get(chatId) ?? 0) + 1);
    expect(winners.size).toBe(200);
    expect([...winners.values()].every((n) => n === 1)).toBe(true);
    const losers = replies.filter((r) => r.reply.type === 'error').map((r) => r.reply.code);
    expect(new Set(losers)).toEqual(
      new Set(['already-taken', ...(losers.includes('at-capacity') ? ['at-capacity'] : [])]),
    );
    // Storage agrees: one operator on each chat, and each operator's slot count matches their chats.
    const stored = await Promise.all(chats.map((id) => store.getChat(id)));
    expect(stored.every((c) => c?.status === 'active' && c.operators.length === 1)).toBe(true);
    for (const op of ops) {
      const id = String((op.welcome.operator as { id: string }).id);
      const owned = stored.filter((c) => c?.operators[0]?.id === id).length;
      expect((await store.getOperator(id))?.activeChats ?? 0).toBe(owned);
    }
    for (const p of pages) await p.close();
    for (const op of ops) await op.ws.close();
  }, 180_000);
});
