/**
 * A silent department's operator follows only their own chats: the server never sends their
 * console other visitors' rows or other chats (the console's forced filter is not the guard).
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { operatorSession, visitorPage, type WsClient, waitForRow } from '../support/clients.js';

type Frame = Record<string, unknown>;
const SID = { email: 'sid@parley.local', password: 'Silent-op-2026!', name: 'Sid Silent' };

let stack: LocalStack;
let dana: { ws: WsClient };
let sid: { ws: WsClient; welcome: Frame };
let sidId: string;

const rowsFor = (frames: Frame[], visitorId: string) =>
  frames
    .filter((f) => f.type === 'visitors')
    .flatMap((f) => f.visitors as { visitorId: string }[])
    .filter((r) => r.visitorId === visitorId);
const chatUpdatesFor = (frames: Frame[], chatId: string) =>
  frames.filter((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId);

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  sidId = await stack.createOperator(SID);
  const store = createDynamoStore(
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
  await store.putOperator({ ...(await store.getOperator(sidId))!, departments: ['Back office'], silent: true });
  dana = await operatorSession(stack, stack.demoOperator);
  sid = await operatorSession(stack, SID);
}, 60_000);

afterAll(async () => {
  await dana?.ws.close();
  await sid?.ws.close();
  await stack?.stop();
});

describe('a silent department’s console', () => {
  it('gets no rows of browsing visitors and no other chats, while a colleague sees them', async () => {
    const from = sid.ws.frames.length;
    const page = await visitorPage(stack, { url: 'https://shop.example/secret', title: 'Browsing' });
    const visitorId = String(page.welcome.visitorId);
    await waitForRow(dana.ws, visitorId, (r) => r.title === 'Browsing');
    const requested = await page.ws.request({ action: 'chat-request', name: 'Quinn' });
    const chatId = String((requested.chat as { chatId: string }).chatId);
    await dana.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId);
    await sid.ws.collect(800);
    const seen = sid.ws.frames.slice(from);
    expect(rowsFor(seen, visitorId)).toEqual([]);
    expect(chatUpdatesFor(seen, chatId)).toEqual([]);

    // A fresh console of the same operator: the welcome lists neither the visitor nor the chat.
    const again = await operatorSession(stack, SID, { online: false });
    expect((again.welcome.visitors as { visitorId: string }[]).map((r) => r.visitorId)).not.toContain(visitorId);
    expect((again.welcome.chats as { chatId: string }[]).map((c) => c.chatId)).not.toContain(chatId);
    expect(again.welcome.queue).toEqual([]);
    await again.ws.close();
    await page.ws.close();
  });

  it('follows a chat once it is transferred to them, with its visitor’s row', async () => {
    const page = await visitorPage(stack, { url: 'https://shop.example/billing', title: 'Billing' });
    const visitorId = String(page.welcome.visitorId);
    const requested = await page.ws.request({ action: 'chat-request', name: 'Rae' });
    const chatId = String((requested.chat as { chatId: string }).chatId);
    await dana.ws.request({ action: 'accept', chatId });
    const from = sid.ws.frames.length;
    await dana.ws.request({ action: 'transfer', chatId, toOperatorId: sidId });
    await sid.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId, 5000, from);
    await waitForRow(sid.ws, visitorId, (r) => r.chatId === chatId);
    await page.ws.close();
  });
});
