/**
 * The per-connection rate limit, over real sockets: a flooding connection is answered with
 * `rate-limited`, keeps its socket, stores nothing beyond its allowance, and slows nobody else.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS } from '../../functions/core/rate-limit.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage } from '../support/clients.js';
import { messagesOf } from '../support/table.js';

let stack: LocalStack;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
});
afterAll(async () => stack?.stop());

const { burst, perSecond } = DEFAULT_RATE_LIMITS.visitor;

describe('per-connection rate limit', () => {
  it('refuses a flood with rate-limited, keeps the connection, stores nothing beyond the limit, and leaves others alone', async () => {
    const op = await operatorSession(stack, stack.demoOperator);
    const flooder = await visitorPage(stack);
    const bystander = await visitorPage(stack);
    const queued = await flooder.ws.request({ action: 'chat-request', name: 'Flood' });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    await op.ws.request({ action: 'accept', chatId });
    const other = await bystander.ws.request({ action: 'chat-request', name: 'Calm' });
    const otherChatId = String((other.chat as { chatId: string }).chatId);
    await op.ws.request({ action: 'accept', chatId: otherChatId });
    const stored = (await messagesOf(stack, chatId)).length;

    // 200 messages as fast as the socket takes them.
    const flood = 200;
    const from = flooder.ws.frames.length;
    const started = Date.now();
    for (let i = 0; i < flood; i++) {
      flooder.ws.send({ action: 'chat-message', chatId, text: `flood ${i}`, clientMsgId: `f${i}`, reqId: `f${i}` });
    }
    // Meanwhile another visitor chats normally.
    const calm = await bystander.ws.request({
      action: 'chat-message',
      chatId: otherChatId,
      text: 'just one question',
      clientMsgId: 'calm-1',
    });
    expect(calm).toMatchObject({ type: 'message', text: 'just one question' });

    // Every flood frame is answered: either its message or a rate-limited error echoing its reqId.
    const answers = new Map<string, Record<string, unknown>>();
    const deadline = Date.now() + 30_000;
    while (answers.size < flood && Date.now() < deadline) {
      for (const f of flooder.ws.frames.slice(from)) {
        const reqId = String(f.reqId ?? '');
        if (reqId.startsWith('f') && (f.type === 'error' || f.type === 'message')) answers.set(reqId, f);
      }
      await flooder.ws.collect(50);
    }
    const elapsedS = (Date.now() - started) / 1000;
    expect(answers.size).toBe(flood);
    const limited = [...answers.values()].filter((f) => f.type === 'error');
    expect(limited.length).toBeGreaterThan(0);
    expect(new Set(limited.map((f) => f.code))).toEqual(new Set(['rate-limited']));
    const accepted = flood - limited.length;
    // What got through is the burst plus what refilled while the flood lasted.
    expect(accepted).toBeGreaterThanOrEqual(burst - 2); // page-view and chat-request took two
    expect(accepted).toBeLessThanOrEqual(burst + Math.ceil(elapsedS * perSecond) + 1);

    // Storage holds exactly the accepted messages, nothing more.
    const after = await messagesOf(stack, chatId);
    expect(after.length - stored).toBe(accepted);

    // The socket survived; once the bucket refills, the flooder is served again.
    expect(flooder.ws.closed).toBe(false);
    await new Promise((r) => setTimeout(r, Math.ceil(1000 / perSecond) + 100));
    const again = await flooder.ws.request({ action: 'chat-message', chatId, text: 'calm now', clientMsgId: 'after' });
    expect(again).toMatchObject({ type: 'message', text: 'calm now' });

    // The bystander was never limited.
    expect(bystander.ws.frames.some((f) => f.type === 'error' && f.code === 'rate-limited')).toBe(false);
    // Nor was the operator, whose console received the flood's messages.
    expect(op.ws.frames.some((f) => f.type === 'error' && f.code === 'rate-limited')).toBe(false);
    for (const c of [flooder.ws, bystander.ws, op.ws]) await c.close();
  }, 60_000);

  it('counts frames the server cannot even parse, so junk cannot flood either', async () => {
    const page = await visitorPage(stack);
    const from = page.ws.frames.length;
    for (let i = 0; i < burst + 20; i++) page.ws.send('not json at all');
    const deadline = Date.now() + 15_000;
    let errors = page.ws.frames.slice(from).filter((f) => f.type === 'error');
    while (errors.length < burst + 20 && Date.now() < deadline) {
      await page.ws.collect(50);
      errors = page.ws.frames.slice(from).filter((f) => f.type === 'error');
    }
    const codes = errors.map((f) => f.code);
    expect(codes.filter((c) => c === 'bad-json').length).toBeLessThan(burst + 20);
    expect(codes).toContain('rate-limited');
    expect(page.ws.closed).toBe(false);
    await page.ws.close();
  });
});
