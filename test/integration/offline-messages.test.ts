/**
 * Offline messages through the local stack, over real sockets: a visitor leaves a message, it is
 * stored, mailed to the team's operators through the event bus, the mail function and the SES
 * stand-in (never to the visitor), announced to the consoles that may see it, listed, handled and
 * answered by e-mail; a failing SES is retried without losing or repeating anything.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoOfflineStore } from '../../functions/adapters/dynamo-offline-store.js';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import type { OfflineStore } from '../../functions/core/offline-ports.js';
import type { Store } from '../../functions/core/ports.js';
import type { OfflineMessage, OfflineMessagePage } from '../../functions/protocol/index.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
type Session = { ws: WsClient; idToken: string; welcome: Frame };
type Mail = {
  destination: { to: string[]; cc: string[]; bcc: string[] };
  replyTo: string[];
  subject: string;
  body: { text?: string; html?: string };
};

const SAM = { email: 'sam@parley.local', password: 'Sales-op-2026!', name: 'Sam Sales' };
const BOB = { email: 'bob@parley.local', password: 'Billing-op-2026!', name: 'Bob Billing' };

let stack: LocalStack;
let store: Store;
let offline: OfflineStore;
let rawDb: DynamoDBDocumentClient;
let dana: Session;
let sam: Session;
let bob: Session;
let ses: Server;
/** SES requests the proxy refuses before passing the rest on to the stand-in. */
let failNext = 0;
let sesRequests = 0;
let visitorIp = 10;

/** A visitor from its own address (the per-address hourly limit is not what these tests are about). */
const visitor = (extra: Parameters<typeof visitorPage>[1] = {}) =>
  visitorPage(stack, { ...extra, headers: { 'x-forwarded-for': `198.51.100.${visitorIp++}` } });

async function mails(): Promise<Mail[]> {
  return ((await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: Mail[] }).emails;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 8000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Everything the site holds, both lists (how tests see that storage did or did not change). */
async function allMessages() {
  const [n, h] = await Promise.all([
    offline.listOfflineMessages({ siteId: stack.siteId, status: 'new', limit: 1000 }),
    offline.listOfflineMessages({ siteId: stack.siteId, status: 'handled', limit: 1000 }),
  ]);
  return [...n.messages, ...h.messages];
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  const db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: stack.dynamoEndpoint,
      region: 'local',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  store = createDynamoStore(db, stack.tableName, { now: () => Date.now() });
  offline = createDynamoOfflineStore(db, stack.tableName);
  rawDb = db;

  // SES through a proxy that can refuse requests (MessageRejected, which the SDK does not retry).
  // The mail function creates its SES client on first use, after this, in this process.
  const target = new URL(stack.sesUrl);
  ses = createServer((req, res) => {
    sesRequests++;
    if (failNext > 0) {
      failNext--;
      req.resume();
      res.writeHead(400, { 'content-type': 'application/json', 'x-amzn-errortype': 'MessageRejected' });
      res.end(JSON.stringify({ message: 'injected failure' }));
      return;
    }
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    req.pipe(upstream);
  });
  await new Promise<void>((r) => ses.listen(0, '127.0.0.1', () => r()));
  process.env.AWS_ENDPOINT_URL_SESV2 = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;

  const samId = await stack.createOperator(SAM);
  const bobId = await stack.createOperator(BOB);
  await store.putOperator({ ...(await store.getOperator(samId))!, departments: ['sales'] });
  await store.putOperator({ ...(await store.getOperator(bobId))!, departments: ['billing'] });
  dana = (await operatorSession(stack, stack.demoOperator)) as Session;
  // Visitors may choose only departments that exist as items (and are not silent).
  for (const name of ['sales', 'billing']) {
    expect((await api(stack, dana.idToken, 'POST', '/api/departments', { name })).status).toBe(201);
  }
  sam = (await operatorSession(stack, SAM)) as Session;
  bob = (await operatorSession(stack, BOB)) as Session;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await new Promise<void>((r) => (ses ? ses.close(() => r()) : r()));
});

describe('leaving a message', () => {
  it('stores it, mails the department’s operators (not the visitor), announces it, lists it, handles it, replies', async () => {
    const page = await visitor();
    const ack = await page.ws.request({
      action: 'leave-message',
      name: 'Mia Visitor',
      email: 'mia@example.com',
      text: 'Do you ship <b>lamps</b> to Kraków?',
      department: 'sales',
      clientMsgId: 'form-1',
    });
    expect(ack).toMatchObject({ type: 'ack', action: 'leave-message' });
    const id = String(ack.messageId);

    // Stored, kept for the site's retention (TTL; 90 days by default) and no longer.
    const stored = await offline.getOfflineMessage(id);
    expect(stored).toMatchObject({ status: 'new', name: 'Mia Visitor', department: 'sales', siteId: stack.siteId });
    const raw = (
      await rawDb.send(new GetCommand({ TableName: stack.tableName, Key: { pk: `OFFMSG#${id}`, sk: 'META' } }))
    ).Item;
    expect(raw?.ttl).toBeGreaterThan(Date.now() / 1000 + 89 * 86_400);
    expect(raw?.ttl).toBeLessThan(Date.now() / 1000 + 91 * 86_400);

    // Consoles that may see it get the frame (admin, sales); billing's does not.
    const framed = (s: Session) =>
      s.ws.next((f) => f.type === 'offline-message' && (f.message as OfflineMessage).id === id);
    const [toDana, toSam] = await Promise.all([framed(dana), framed(sam)]);
    expect(toSam).toMatchObject({ message: { text: 'Do you ship <b>lamps</b> to Kraków?', status: 'new' } });
    expect(toDana.newCount).toBeGreaterThanOrEqual(1);
    await bob.ws.collect(300);
    expect(bob.ws.frames.some((f) => f.type === 'offline-message' && (f.message as OfflineMessage).id === id)).toBe(
      false,
    );

    // Mailed to sales (Sam) with the visitor as Reply-To; nothing to the visitor's address.
    const mail = await waitFor('the operator mail', async () =>
      (await mails()).find((m) => m.destination.to.includes(SAM.email) && m.body.text?.includes('Kraków')),
    );
    expect(mail.replyTo).toEqual(['mia@example.com']);
    expect(mail.body.html).toContain('Do you ship &lt;b&gt;lamps&lt;/b&gt; to Kraków?');
    expect((await mails()).filter((m) => m.body.text?.includes('Kraków')).map((m) => m.destination.to)).toEqual([
      [SAM.email],
    ]);
    expect((await mails()).some((m) => m.destination.to.includes('mia@example.com'))).toBe(false);
    await waitFor('mailedAt', async () => (await offline.getOfflineMessage(id))?.mailedAt);

    // Listed as new to those who may see it.
    const samNew = await api<OfflineMessagePage>(stack, sam.idToken, 'GET', '/api/offline-messages?status=new');
    expect(samNew.status).toBe(200);
    expect(samNew.body.messages.map((m) => m.id)).toContain(id);
    const bobNew = await api<OfflineMessagePage>(stack, bob.idToken, 'GET', '/api/offline-messages?status=new');
    expect(bobNew.body.messages.map((m) => m.id)).not.toContain(id);

    // Another department's operator can neither handle nor answer it.
    expect((await api(stack, bob.idToken, 'POST', `/api/offline-messages/${id}/handled`)).status).toBe(404);
    expect((await api(stack, bob.idToken, 'POST', `/api/offline-messages/${id}/reply`, { text: 'x' })).status).toBe(
      404,
    );
    expect((await offline.getOfflineMessage(id))?.status).toBe('new');

    // Sam marks it handled; a second call (Dana's) keeps Sam as who handled it.
    const handled = await api<OfflineMessage>(stack, sam.idToken, 'POST', `/api/offline-messages/${id}/handled`);
    expect(handled.status).toBe(200);
    expect(handled.body).toMatchObject({ status: 'handled', handledBy: { name: SAM.name } });
    expect(handled.body.handledAt).toBeTypeOf('number');
    const again = await api<OfflineMessage>(stack, dana.idToken, 'POST', `/api/offline-messages/${id}/handled`);
    expect(again.body.handledBy).toEqual(handled.body.handledBy);
    expect(again.body.handledAt).toBe(handled.body.handledAt);

    const lists = await Promise.all(
      ['new', 'handled'].map((s) =>
        api<OfflineMessagePage>(stack, sam.idToken, 'GET', `/api/offline-messages?status=${s}`),
      ),
    );
    expect(lists[0]!.body.messages.map((m) => m.id)).not.toContain(id);
    expect(lists[1]!.body.messages.find((m) => m.id === id)).toMatchObject({ handledBy: { name: SAM.name } });

    // A reply goes to the visitor's address, once, and is recorded.
    const bad = await api(stack, sam.idToken, 'POST', `/api/offline-messages/${id}/reply`, { text: '   ' });
    expect(bad.status).toBe(400);
    const replied = await api<OfflineMessage>(stack, sam.idToken, 'POST', `/api/offline-messages/${id}/reply`, {
      text: 'Yes, we ship to Kraków in 3 days.',
    });
    expect(replied.status).toBe(200);
    expect(replied.body.replies).toHaveLength(1);
    const reply = await waitFor('the reply mail', async () =>
      (await mails()).find((m) => m.destination.to.includes('mia@example.com')),
    );
    expect(reply.subject).toMatch(/^Re: your message/);
    expect(reply.body.text).toContain('Yes, we ship to Kraków in 3 days.');
    await waitFor('reply sentAt', async () => (await offline.getOfflineMessage(id))?.replies[0]?.sentAt);
    await stack.eventBus.idle();
    expect((await mails()).filter((m) => m.destination.to.includes('mia@example.com'))).toHaveLength(1);

    // The console's summary: a new hello counts the new messages this operator may see.
    await page.ws.close();
  });

  it('is idempotent: a retry with the same clientMsgId stores and mails nothing more', async () => {
    const page = await visitor();
    const frame = {
      action: 'leave-message',
      name: 'Ola',
      email: 'ola@example.com',
      text: 'Retry me once',
      clientMsgId: 'form-ola',
    };
    const before = (await allMessages()).length;
    const first = await page.ws.request(frame);
    const second = await page.ws.request(frame);
    expect(second).toMatchObject({ type: 'ack', messageId: first.messageId });
    expect((await allMessages()).length).toBe(before + 1);
    await waitFor('mailedAt', async () => (await offline.getOfflineMessage(String(first.messageId)))?.mailedAt);
    await stack.eventBus.idle();
    const ola = (await mails()).filter((m) => m.body.text?.includes('Retry me once'));
    // No department: every operator, once each.
    expect(ola.map((m) => m.destination.to[0]).sort()).toEqual([BOB.email, stack.demoOperator.email, SAM.email].sort());
    await page.ws.close();
  });

  it('retries a failed SES send: the message stays stored and each operator gets it once', async () => {
    const page = await visitor();
    const requestsBefore = sesRequests;
    failNext = 2;
    const ack = await page.ws.request({
      action: 'leave-message',
      name: 'Piotr',
      email: 'piotr@example.com',
      text: 'SES is having a bad day',
    });
    const id = String(ack.messageId);
    expect(await offline.getOfflineMessage(id)).toMatchObject({ status: 'new' });
    const stored = await waitFor('mailedAt after retries', async () => {
      const m = await offline.getOfflineMessage(id);
      return m?.mailedAt ? m : undefined;
    });
    await stack.eventBus.idle();
    expect(failNext).toBe(0);
    // Three operators, two refused attempts, each retried by the next delivery of the event.
    expect(sesRequests - requestsBefore).toBe(5);
    const piotr = (await mails()).filter((m) => m.body.text?.includes('SES is having a bad day'));
    expect(piotr.map((m) => m.destination.to[0]).sort()).toEqual(
      [BOB.email, stack.demoOperator.email, SAM.email].sort(),
    );
    expect(stored.mailedTo.sort()).toEqual([BOB.email, stack.demoOperator.email, SAM.email].sort());
    await page.ws.close();
  });

  it('refuses bad input with error frames and leaves storage unchanged', async () => {
    const page = await visitor();
    const before = (await allMessages()).length;
    const good = { action: 'leave-message', name: 'Eve', email: 'eve@example.com', text: 'hello' };
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, email: 'not-an-address' }, 'bad-request'],
      [{ ...good, text: '   ' }, 'bad-request'],
      [{ ...good, text: 'x'.repeat(4001) }, 'bad-request'],
      [{ ...good, name: undefined }, 'bad-request'],
      [{ ...good, department: 'no-such-department' }, 'bad-request'],
      [{ ...good, text: 'nul \u0000 byte' }, 'bad-request'],
    ];
    for (const [frame, code] of cases) {
      expect(await page.ws.request(frame), JSON.stringify(frame).slice(0, 80)).toMatchObject({ type: 'error', code });
    }
    // Operators do not leave messages.
    expect(await dana.ws.request(good)).toMatchObject({ type: 'error', code: 'forbidden' });
    expect((await allMessages()).length).toBe(before);
    await page.ws.close();
  });

  it('limits one visitor to a few messages an hour', async () => {
    const page = await visitor();
    const send = (i: number) =>
      page.ws.request({ action: 'leave-message', name: 'Spam', email: 'spam@example.com', text: `offer ${i}` });
    for (let i = 0; i < 3; i++) expect(await send(i)).toMatchObject({ type: 'ack' });
    const before = (await allMessages()).length;
    expect(await send(3)).toMatchObject({ type: 'error', code: 'rate-limited' });
    expect((await allMessages()).length).toBe(before);
    await page.ws.close();
  });
});

describe('listing', () => {
  it('pages newest first with a cursor, and refuses a cursor of another list and bad queries', async () => {
    const get = (q: string) => api<OfflineMessagePage>(stack, dana.idToken, 'GET', `/api/offline-messages${q}`);
    const whole = (await get('?status=new&limit=200')).body.messages;
    expect(whole.length).toBeGreaterThanOrEqual(3);
    const seen: OfflineMessage[] = [];
    let cursor: string | undefined;
    let firstNext: string | undefined;
    do {
      const page = await get(`?status=new&limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      expect(page.status).toBe(200);
      expect(page.body.messages.length).toBeLessThanOrEqual(2);
      seen.push(...page.body.messages);
      cursor = page.body.next;
      firstNext ??= cursor;
    } while (cursor);
    expect(seen.map((m) => m.id)).toEqual(whole.map((m) => m.id));
    const times = seen.map((m) => m.createdAt);
    expect(times).toEqual([...times].sort((a, b) => b - a));

    expect((await get(`?status=handled&cursor=${encodeURIComponent(firstNext!)}`)).status).toBe(400);
    expect((await get('?status=new&cursor=not-a-cursor')).status).toBe(400);
    expect((await get('?status=open')).status).toBe(400);
    expect((await get('?limit=0')).status).toBe(400);
    expect((await api(stack, dana.idToken, 'POST', '/api/offline-messages/no-such-id/handled')).status).toBe(404);
  });
});

describe('when to offer the form', () => {
  it('counts operators who are away as unavailable in the visitor’s welcome', async () => {
    const online = await visitor();
    expect(online.welcome.operatorsOnline).toBeGreaterThan(0);
    await online.ws.close();
    for (const s of [dana, sam, bob]) await s.ws.request({ action: 'set-status', status: 'away' });
    const away = await visitor();
    expect(away.welcome.operatorsOnline).toBe(0);
    await away.ws.close();
    for (const s of [dana, sam, bob]) await s.ws.request({ action: 'set-status', status: 'online' });
  });

  it('tells a queued visitor when to offer the leave-message form (queueTimeoutMs)', async () => {
    const page = await visitor();
    const queued = await page.ws.request({ action: 'chat-request', name: 'Waiting Wanda' });
    const chat = queued.chat as { status: string; offerMessageInMs?: number; chatId: string };
    expect(chat.status).toBe('queued');
    const settings = (await api<{ queueTimeoutMs: number }>(stack, dana.idToken, 'GET', '/api/settings')).body;
    expect(chat.offerMessageInMs).toBeGreaterThan(0);
    expect(chat.offerMessageInMs).toBeLessThanOrEqual(settings.queueTimeoutMs);
    // The operators' copy of the chat carries no such hint.
    const opCopy = await dana.ws.next(
      (f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chat.chatId,
    );
    expect((opCopy.chat as Record<string, unknown>).offerMessageInMs).toBeUndefined();
    await page.ws.request({ action: 'end-chat', chatId: chat.chatId });
    await page.ws.close();
  });

  it('gives an operator’s welcome the count of new messages they may see', async () => {
    const counts = await Promise.all(
      [stack.demoOperator, SAM, BOB].map(async (who) => (await operatorSession(stack, who, { online: false })).welcome),
    );
    const [danaCount, samCount, bobCount] = counts.map((w) => w.offlineMessagesNew as number);
    const all = (await allMessages()).filter((m) => m.status === 'new');
    expect(danaCount).toBe(all.length);
    expect(samCount).toBe(all.filter((m) => !m.department || m.department === 'sales').length);
    expect(bobCount).toBe(all.filter((m) => !m.department || m.department === 'billing').length);
  });
});
