/**
 * Bad input over a real socket: every bad frame gets an `error` frame with a code and the reqId,
 * the connection stays usable, and nothing is stored.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, type WsClient } from '../support/clients.js';
import { tableSnapshot } from '../support/table.js';

let stack: LocalStack;
let visitor: WsClient;
let otherVisitor: WsClient;
let chatId: string;

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true });
  const op = await operatorSession(stack, stack.demoOperator);
  const owner = await visitorPage(stack);
  const queued = await owner.ws.request({ action: 'chat-request', name: 'Owner' });
  chatId = String((queued.chat as { chatId: string }).chatId);
  await op.ws.request({ action: 'accept', chatId });
  await op.ws.close();
  await owner.ws.close();
  visitor = (await visitorPage(stack)).ws;
  otherVisitor = visitor;
});
afterAll(async () => {
  await visitor?.close();
  await stack?.stop();
});

/** Storage as it matters here: everything but presence bookkeeping of sockets opening and closing. */
async function durableState() {
  // Let the stream finish what earlier steps began (report counters are written asynchronously).
  await new Promise((r) => setTimeout(r, 50));
  await stack.stream.idle();
  const items = await tableSnapshot(stack);
  return items
    .filter((i) => !String(i.pk).startsWith('CONN#'))
    .map((i) => {
      // connIds: the open sockets of a visitor or operator (core/sockets.ts)
      const { lastSeen, connections, connIds, ...rest } = i;
      return rest;
    });
}

const cases: { name: string; frame: Record<string, unknown> | string; code: string; reqId?: string }[] = [
  { name: 'non-JSON text', frame: 'this is not json', code: 'bad-json' },
  { name: 'a JSON array', frame: '[1,2,3]', code: 'bad-json' },
  { name: 'an unknown action', frame: { action: 'launch-rockets', reqId: 'u1' }, code: 'unknown-action', reqId: 'u1' },
  { name: 'a frame without action', frame: { reqId: 'u2', hello: 1 }, code: 'unknown-action', reqId: 'u2' },
  {
    name: 'a message without text',
    frame: { action: 'chat-message', chatId: 'x', clientMsgId: 'a', reqId: 'm1' },
    code: 'bad-request',
    reqId: 'm1',
  },
  {
    name: 'an oversized message text',
    frame: { action: 'chat-message', chatId: 'x', clientMsgId: 'a', text: 'x'.repeat(4001), reqId: 'm2' },
    code: 'bad-request',
    reqId: 'm2',
  },
  {
    name: 'a page view with a bad URL',
    frame: { action: 'page-view', url: 'not a url', reqId: 'p1' },
    code: 'bad-request',
    reqId: 'p1',
  },
  {
    name: 'a frame over 32 KB',
    frame: { action: 'page-view', url: 'https://x.test/', title: 'y'.repeat(33 * 1024), reqId: 'big' },
    code: 'frame-too-large',
    reqId: 'big',
  },
  {
    name: 'an operator action from a visitor',
    frame: { action: 'accept', chatId: 'x', reqId: 'o1' },
    code: 'forbidden',
    reqId: 'o1',
  },
  { name: 'hello from a visitor', frame: { action: 'hello', reqId: 'o2' }, code: 'forbidden', reqId: 'o2' },
];

describe('bad input on a visitor connection', () => {
  for (const c of cases) {
    it(`answers ${c.name} with error ${c.code}, stores nothing, and stays usable`, async () => {
      const before = await durableState();
      const from = visitor.frames.length;
      visitor.send(c.frame);
      const err = await visitor.next((f) => f.type === 'error', 5000, from);
      expect(err.code).toBe(c.code);
      expect(typeof err.message).toBe('string');
      if (c.reqId) expect(err.reqId).toBe(c.reqId);
      expect(await durableState()).toEqual(before);
      // Still usable: a valid request right after is answered.
      const ok = await visitor.request({ action: 'sync', chatId: 'does-not-exist', afterSeq: 0 });
      expect(ok).toMatchObject({ type: 'error', code: 'not-found' });
      expect(visitor.closed).toBe(false);
    });
  }

  it('does not let a visitor write into, read, end or type in a chat that is not theirs', async () => {
    const before = await durableState();
    for (const frame of [
      { action: 'chat-message', chatId, text: 'let me in', clientMsgId: 'intruder-1' },
      { action: 'sync', chatId, afterSeq: 0 },
      { action: 'end-chat', chatId },
      { action: 'typing', chatId, typing: true },
    ]) {
      const reply = await otherVisitor.request(frame);
      expect(reply.type).toBe('error');
      expect(reply.code).toBe('not-found');
    }
    expect(await durableState()).toEqual(before);
  });

  it('closes the socket on a message over API Gateway’s 128 KB limit, like API Gateway does', async () => {
    const page = await visitorPage(stack);
    page.ws.send(JSON.stringify({ action: 'page-view', url: 'https://x.test/', title: 'z'.repeat(130 * 1024) }));
    await new Promise((r) => setTimeout(r, 500));
    expect(page.ws.closed).toBe(true);
  });
});

describe('bad input on an operator connection', () => {
  it('refuses visitor-only actions and chats the operator does not hold', async () => {
    const other = { email: 'ola@parley.local', password: 'Other-op-2026!', name: 'Ola Other' };
    await stack.createOperator(other);
    const op = await operatorSession(stack, other);
    const before = await durableState();
    const pv = await op.ws.request({ action: 'page-view', url: 'https://x.test/' });
    expect(pv).toMatchObject({ type: 'error', code: 'forbidden' });
    const write = await op.ws.request({ action: 'chat-message', chatId, text: 'hi', clientMsgId: 'z1' });
    expect(write).toMatchObject({ type: 'error', code: 'forbidden' });
    const end = await op.ws.request({ action: 'end-chat', chatId });
    expect(end).toMatchObject({ type: 'error', code: 'forbidden' });
    const transfer = await op.ws.request({ action: 'transfer', chatId, toOperatorId: 'nobody' });
    expect(transfer).toMatchObject({ type: 'error', code: 'forbidden' });
    const badStatus = await op.ws.request({ action: 'set-status', status: 'sleeping' });
    expect(badStatus).toMatchObject({ type: 'error', code: 'bad-request' });
    expect(await durableState()).toEqual(before);
    await op.ws.close();
  });
});
