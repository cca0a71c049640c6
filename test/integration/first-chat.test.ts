/**
 * One chat through every layer, over real sockets: the local gateway runs the real handlers
 * against dynalite and cognito-local.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, WsClient } from '../support/clients.js';
import { messagesOf } from '../support/table.js';

let stack: LocalStack;
const second = { email: 'sam@parley.local', password: 'Second-op-2026!', name: 'Sam Second' };

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true });
  await stack.createOperator(second);
});
afterAll(async () => stack?.stop());

describe('visitor identity', () => {
  it('gives a new visitor a signed token that makes the next page the same, returning visitor', async () => {
    const first = await visitorPage(stack);
    expect(first.welcome).toMatchObject({ type: 'welcome', role: 'visitor', returning: false });
    const { visitorId, visitorToken } = first.welcome as unknown as { visitorId: string; visitorToken: string };
    await first.ws.close();

    const next = await visitorPage(stack, { vt: visitorToken, url: 'https://shop.example/pricing', title: 'Pricing' });
    expect(next.welcome.visitorId).toBe(visitorId);
    await next.ws.close();
  });

  it('treats a tampered token as a new visitor', async () => {
    const first = await visitorPage(stack);
    const token = String(first.welcome.visitorToken);
    await first.ws.close();
    const forged = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BB' : 'AA'}`;
    const next = await visitorPage(stack, { vt: forged });
    expect(next.welcome.visitorId).not.toBe(first.welcome.visitorId);
    expect(next.welcome.returning).toBe(false);
    await next.ws.close();
  });
});

describe('operator connections', () => {
  it('refuses an operator socket without a ticket, and a ticket used twice', async () => {
    await expect(WsClient.open(`${stack.wsUrl}?role=operator`)).rejects.toThrow(/403/);
    const { idToken, ws } = await operatorSession(stack, stack.demoOperator, { online: false });
    await ws.close();
    const res = await fetch(`${stack.url}/api/ws-ticket`, {
      method: 'POST',
      headers: { authorization: `Bearer ${idToken}` },
    });
    const { ticket } = (await res.json()) as { ticket: string };
    const once = await WsClient.open(`${stack.wsUrl}?role=operator&ticket=${ticket}`);
    await expect(WsClient.open(`${stack.wsUrl}?role=operator&ticket=${ticket}`)).rejects.toThrow(/403/);
    await once.close();
  });

  it('refuses the HTTP API without a valid Cognito token', async () => {
    expect((await fetch(`${stack.url}/api/ws-ticket`, { method: 'POST' })).status).toBe(401);
    const bad = await fetch(`${stack.url}/api/ws-ticket`, {
      method: 'POST',
      headers: { authorization: 'Bearer x.y.z' },
    });
    expect(bad.status).toBe(401);
  });
});

describe('a chat from request to end', () => {
  it('routes, lets exactly one operator win, delivers messages in order, survives navigation and ends for both', async () => {
    const dana = await operatorSession(stack, stack.demoOperator);
    const sam = await operatorSession(stack, second);

    // The visitor arrives: both consoles see the row live.
    const page = await visitorPage(stack, { url: 'https://shop.example/product', title: 'Blue Kettle' });
    const visitorId = String(page.welcome.visitorId);
    expect(page.welcome.operatorsOnline).toBe(2);
    // Rows arrive coalesced through the table's stream.
    const row = await dana.ws.next(
      (f) => f.type === 'visitors' && (f.visitors as { visitorId: string }[]).some((v) => v.visitorId === visitorId),
    );
    expect((row.visitors as { visitorId: string }[]).find((v) => v.visitorId === visitorId)).toMatchObject({
      presence: 'browsing',
      title: 'Blue Kettle',
    });

    // Live Help: queued with a position, offered to every online operator.
    const queued = await page.ws.request({ action: 'chat-request', name: 'Ann' });
    expect(queued).toMatchObject({
      type: 'chat-update',
      chat: { status: 'queued', queuePosition: 1, visitorName: 'Ann' },
    });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    for (const op of [dana, sam]) {
      await op.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId);
    }

    // Both accept at once: one conditional write decides.
    const [a, b] = await Promise.all([
      dana.ws.request({ action: 'accept', chatId }),
      sam.ws.request({ action: 'accept', chatId }),
    ]);
    const winner = a.type === 'chat-update' ? dana : sam;
    const loserReply = a.type === 'chat-update' ? b : a;
    expect([a.type, b.type].sort()).toEqual(['chat-update', 'error']);
    expect(loserReply).toMatchObject({ type: 'error', code: 'already-taken' });
    const active = await page.ws.next(
      (f) => f.type === 'chat-update' && (f.chat as { status: string }).status === 'active',
    );
    expect((active.chat as { operators: { name: string }[] }).operators).toHaveLength(1);

    // Messages both ways, stored before delivery, with a per-chat seq.
    const m1 = await page.ws.request({
      action: 'chat-message',
      chatId,
      text: 'Is the kettle in stock?',
      clientMsgId: 'c-1',
    });
    expect(m1).toMatchObject({
      type: 'message',
      text: 'Is the kettle in stock?',
      from: { kind: 'visitor', name: 'Ann' },
    });
    await winner.ws.next((f) => f.type === 'message' && f.id === m1.id);
    const m2 = await winner.ws.request({
      action: 'chat-message',
      chatId,
      text: 'Yes, ships today.',
      clientMsgId: 'o-1',
    });
    await page.ws.next((f) => f.type === 'message' && f.id === m2.id);
    expect(Number(m2.seq)).toBeGreaterThan(Number(m1.seq));

    // A retried message (same clientMsgId) is answered with the stored one, not stored twice.
    const again = await page.ws.request({
      action: 'chat-message',
      chatId,
      text: 'Is the kettle in stock?',
      clientMsgId: 'c-1',
    });
    expect(again.id).toBe(m1.id);
    expect((await messagesOf(stack, chatId)).filter((m) => m.clientMsgId === 'c-1')).toHaveLength(1);

    // The visitor navigates: a new socket with the token gets the open chat and its messages.
    await page.ws.close();
    const next = await visitorPage(stack, {
      vt: String(page.welcome.visitorToken),
      url: 'https://shop.example/pricing',
      title: 'Pricing',
    });
    const chat = next.welcome.chat as { chatId: string; status: string; messages: { id: string; seq: number }[] };
    expect(chat).toMatchObject({ chatId, status: 'active' });
    const ids = chat.messages.map((m) => m.id);
    expect(ids).toContain(m1.id);
    expect(ids).toContain(m2.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seqs = chat.messages.map((m) => m.seq);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));

    // Meanwhile the operator wrote; sync fills the gap, and live delivery reaches the new page.
    const m3 = await winner.ws.request({ action: 'chat-message', chatId, text: 'Anything else?', clientMsgId: 'o-2' });
    await next.ws.next((f) => f.type === 'message' && f.id === m3.id);
    const sync = await next.ws.request({ action: 'sync', chatId, afterSeq: Number(m1.seq) });
    expect((sync.messages as { id: string }[]).map((m) => m.id)).toEqual(expect.arrayContaining([m2.id, m3.id]));
    expect((sync.messages as { id: string }[]).map((m) => m.id)).not.toContain(m1.id);

    // The operator ends the chat; both sides see it ended.
    const ended = await winner.ws.request({ action: 'end-chat', chatId });
    expect(ended).toMatchObject({ type: 'chat-update', chat: { status: 'ended', endedBy: 'operator' } });
    await next.ws.next((f) => f.type === 'chat-update' && (f.chat as { status: string }).status === 'ended');
    const late = await next.ws.request({ action: 'chat-message', chatId, text: 'hello?', clientMsgId: 'c-9' });
    expect(late).toMatchObject({ type: 'error', code: 'chat-ended' });

    for (const ws of [next.ws, dana.ws, sam.ws]) await ws.close();
  });

  it('lets the visitor end the chat too', async () => {
    const op = await operatorSession(stack, stack.demoOperator);
    const page = await visitorPage(stack);
    const queued = await page.ws.request({ action: 'chat-request' });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    await op.ws.request({ action: 'accept', chatId });
    const ended = await page.ws.request({ action: 'end-chat', chatId });
    expect(ended).toMatchObject({ type: 'chat-update', chat: { status: 'ended', endedBy: 'visitor' } });
    await op.ws.next(
      (f) =>
        f.type === 'chat-update' &&
        (f.chat as { status: string; chatId: string }).chatId === chatId &&
        (f.chat as { status: string }).status === 'ended',
    );
    await page.ws.close();
    await op.ws.close();
  });

  it('keeps delivering to live connections when one attached connection is gone', async () => {
    const op = await operatorSession(stack, stack.demoOperator);
    const page = await visitorPage(stack);
    const queued = await page.ws.request({ action: 'chat-request' });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    await op.ws.request({ action: 'accept', chatId });
    // A second tab of the visitor syncs the chat, then its socket dies without a clean close.
    const tab = await visitorPage(stack, { vt: String(page.welcome.visitorToken) });
    await tab.ws.request({ action: 'sync', chatId, afterSeq: 0 });
    tab.ws.socket.terminate();
    const msg = await op.ws.request({ action: 'chat-message', chatId, text: 'still there?', clientMsgId: 'g-1' });
    await page.ws.next((f) => f.type === 'message' && f.id === msg.id);
    await page.ws.close();
    await op.ws.close();
  });
});
