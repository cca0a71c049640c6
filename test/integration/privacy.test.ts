/**
 * Privacy through the local stack: an admin exports everything stored about one visitor and
 * deletes it all (an open chat is ended first; deleting again is a no-op); operators may do
 * neither; with IP truncation on, no full address is stored, shown or exported.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, signIn, visitorPage, type WsClient } from '../support/clients.js';
import { tableSnapshot } from '../support/table.js';

type Frame = Record<string, unknown> & { type: string };
type Export = {
  visitorId: string;
  profile: Record<string, unknown> | null;
  pageViews: Record<string, unknown>[];
  notes: Record<string, unknown>[];
  chats: (Record<string, unknown> & { messages: Record<string, unknown>[] })[];
  other: Record<string, unknown>[];
  offlineMessages: Record<string, unknown>[];
  connections: Record<string, unknown>[];
};

let stack: LocalStack;
let admin: { ws: WsClient; idToken: string; welcome: Frame };
const OP = { email: 'priv.op@parley.local', password: 'Privacy-op-2026!', name: 'Pia Private' };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  await stack.createOperator(OP);
  admin = await operatorSession(stack, stack.demoOperator);
}, 60_000);
afterAll(async () => stack?.stop());

const mentions = (items: Record<string, unknown>[], needle: string) =>
  items.filter((i) => JSON.stringify(i).includes(needle));

async function visitorWithHistory(secret: string) {
  const page = await visitorPage(stack, {
    title: 'Pricing',
    url: 'https://shop.example/pricing',
    referrer: 'https://www.google.com/search?q=parley',
  });
  const visitorId = String(page.welcome.visitorId);
  // Neither has a reply of its own.
  page.ws.send({ action: 'page-view', url: 'https://shop.example/checkout', title: 'Checkout', spa: true });
  page.ws.send({ action: 'visitor-info', custom: { plan: 'gold' } });
  await page.ws.collect(300);
  // A finished chat with messages both ways.
  const first = await page.ws.request({ action: 'chat-request', name: 'Greta', text: 'Hello there' });
  const firstId = (first.chat as { chatId: string }).chatId;
  await admin.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === firstId);
  await admin.ws.request({ action: 'accept', chatId: firstId });
  await admin.ws.request({ action: 'chat-message', chatId: firstId, text: 'Hi Greta', clientMsgId: 'a1' });
  await page.ws.request({
    action: 'chat-message',
    chatId: firstId,
    text: `my secret order ${secret}`,
    clientMsgId: 'v1',
  });
  await page.ws.request({ action: 'end-chat', chatId: firstId });
  await admin.ws.request({ action: 'note-visitor', visitorId, text: `Called about invoice ${secret}` });
  await admin.ws.request({ action: 'tag-visitor', visitorId, tag: 'customer' });
  // An offline message too.
  const left = await page.ws.request({
    action: 'leave-message',
    name: 'Greta',
    email: `greta-${secret}@example.com`,
    text: `Please call me about ${secret}`,
  });
  expect(left.type).not.toBe('error');
  // And a second chat, still open when the visitor is deleted.
  const open = await page.ws.request({ action: 'chat-request', name: 'Greta', text: 'One more thing' });
  const openId = (open.chat as { chatId: string }).chatId;
  await stack.stream.idle();
  return { page, visitorId, firstId, openId };
}

describe('visitor export and deletion', () => {
  it('exports everything stored about the visitor as JSON, admins only', async () => {
    const { page, visitorId, firstId, openId } = await visitorWithHistory('4711');
    const res = await api<Export>(stack, admin.idToken, 'GET', `/api/visitors/${visitorId}/export`);
    expect(res.status).toBe(200);
    const x = res.body;
    expect(x.visitorId).toBe(visitorId);
    expect(x.profile).toMatchObject({ visitorId, custom: { plan: 'gold' }, tag: 'customer' });
    expect(x.pageViews.map((p) => p.url).sort()).toEqual([
      'https://shop.example/checkout',
      'https://shop.example/pricing',
    ]);
    expect(x.notes.map((n) => n.text)).toEqual(['Called about invoice 4711']);
    const chats = new Map(x.chats.map((c) => [c.chatId, c]));
    expect([...chats.keys()].sort()).toEqual([firstId, openId].sort());
    expect(chats.get(firstId)!.messages.map((m) => m.text)).toEqual(
      expect.arrayContaining(['Hello there', 'Hi Greta', 'my secret order 4711']),
    );
    expect(x.other.map((o) => o.kind)).toContain('ASSIGN');
    expect(x.offlineMessages.map((m) => m.text)).toEqual(['Please call me about 4711']);
    // Nothing the table holds about the visitor is missing from the export: every item of the
    // visitor's partition and of their chats' partitions is in it (chat pointers are the chat list).
    const chatPks = new Set(x.chats.map((c) => `CHAT#${c.chatId}`));
    const stored = (await tableSnapshot(stack)).filter(
      (i) =>
        i.pk === `VIS#${visitorId}` ||
        chatPks.has(String(i.pk)) ||
        (String(i.pk).startsWith('OFFMSG#') && i.visitorId === visitorId),
    );
    const pointers = stored.filter((i) => i.pk === `VIS#${visitorId}` && String(i.sk).startsWith('CHAT#')).length;
    const exportedItems =
      (x.profile ? 1 : 0) +
      x.pageViews.length +
      x.notes.length +
      x.other.length +
      x.offlineMessages.length +
      x.chats.reduce((n, c) => n + 1 + c.messages.length + (c.transcriptsSentTo as unknown[]).length, 0);
    expect(exportedItems + pointers).toBe(stored.length);

    const opToken = await signIn(stack, OP.email, OP.password);
    expect((await api(stack, opToken, 'GET', `/api/visitors/${visitorId}/export`)).status).toBe(403);
    expect((await api(stack, opToken, 'DELETE', `/api/visitors/${visitorId}`)).status).toBe(403);
    await page.ws.close();
  });

  it('deletes it all: open chat ended first, sockets closed, nothing left in the table; idempotent', async () => {
    const { page, visitorId, openId } = await visitorWithHistory('9922');
    const before = mentions(await tableSnapshot(stack), visitorId);
    expect(before.length).toBeGreaterThan(8);

    const res = await api<{ deleted: number }>(stack, admin.idToken, 'DELETE', `/api/visitors/${visitorId}`);
    expect(res.status).toBe(200);
    expect(res.body.deleted).toBeGreaterThan(8);
    // Operators saw the open chat end and the visitor leave.
    await admin.ws.next(
      (f) =>
        f.type === 'chat-update' &&
        (f.chat as { chatId: string; status: string }).chatId === openId &&
        (f.chat as { status: string }).status === 'ended',
    );
    await admin.ws.next((f) => f.type === 'visitor-left' && f.visitorId === visitorId);
    const deadline = Date.now() + 3000;
    while (!page.ws.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(page.ws.closed).toBe(true);

    await new Promise((r) => setTimeout(r, 300));
    await stack.stream.idle();
    // The test may scan: nothing anywhere mentions the visitor any more.
    const after = await tableSnapshot(stack);
    expect(mentions(after, visitorId).map((i) => `${i.pk} ${i.sk} ${JSON.stringify(i).slice(0, 300)}`)).toEqual([]);
    const left = (needle: string) => mentions(after, needle).map((i) => `${i.pk} ${i.sk}`);
    expect(left('my secret order 9922')).toEqual([]);
    expect(left('Called about invoice 9922')).toEqual([]);
    expect(left('Please call me about 9922')).toEqual([]);

    const again = await api<{ deleted: number }>(stack, admin.idToken, 'DELETE', `/api/visitors/${visitorId}`);
    expect(again).toEqual({ status: 200, body: { deleted: 0 } });
    expect((await api(stack, admin.idToken, 'GET', `/api/visitors/${visitorId}/export`)).status).toBe(404);
  });
});

describe('retention', () => {
  it('every item of the visitor and of their chats carries a TTL within the retention period', async () => {
    const { page, visitorId } = await visitorWithHistory('7070');
    const x = (await api<Export>(stack, admin.idToken, 'GET', `/api/visitors/${visitorId}/export`)).body;
    const chatPks = new Set(x.chats.map((c) => `CHAT#${c.chatId}`));
    const items = (await tableSnapshot(stack)).filter((i) => i.pk === `VIS#${visitorId}` || chatPks.has(String(i.pk)));
    expect(items.length).toBeGreaterThan(10);
    const retentionDays = Number(
      (await api<{ retentionDays: number }>(stack, admin.idToken, 'GET', '/api/settings')).body.retentionDays,
    );
    const now = Date.now() / 1000;
    for (const item of items) {
      expect(typeof item.ttl, `${item.pk} ${item.sk}`).toBe('number');
      // The 24-hour assignment and the hourly throttle expire sooner; nothing later than retention.
      expect(item.ttl as number, `${item.pk} ${item.sk}`).toBeLessThanOrEqual(now + retentionDays * 86_400 + 60);
      expect(item.ttl as number, `${item.pk} ${item.sk}`).toBeGreaterThan(now);
    }
    await page.ws.close();
  });
});

describe('IP truncation', () => {
  it('with truncation on, the full address is neither stored, sent to consoles, nor exported', async () => {
    const got = (await api<Record<string, unknown>>(stack, admin.idToken, 'GET', '/api/settings')).body;
    // PUT refuses a blank site name, which GET answers by default.
    const settings = { ...got, siteName: got.siteName || 'Parley test site' };
    expect((await api(stack, admin.idToken, 'PUT', '/api/settings', { ...settings, truncateIp: true })).status).toBe(
      200,
    );
    const ip = '198.51.100.77';
    const page = await visitorPage(stack, {
      title: 'Truncated',
      headers: { 'x-forwarded-for': ip, 'cloudfront-viewer-address': `${ip}:443` },
    });
    const visitorId = String(page.welcome.visitorId);
    await stack.stream.idle();
    const stored = mentions(await tableSnapshot(stack), visitorId);
    expect(stored.length).toBeGreaterThan(0);
    expect(mentions(stored, ip)).toEqual([]);
    expect(JSON.stringify(admin.ws.frames)).not.toContain(ip);
    const x = await api(stack, admin.idToken, 'GET', `/api/visitors/${visitorId}/export`);
    expect(JSON.stringify(x.body)).not.toContain(ip);
    expect(JSON.stringify(x.body)).toContain('198.51.100.0');
    const details = await api(stack, admin.idToken, 'GET', `/api/visitors/${visitorId}`);
    expect(JSON.stringify(details.body)).not.toContain(ip);
    await page.ws.close();
    await api(stack, admin.idToken, 'PUT', '/api/settings', settings);
  });
});
