/**
 * The DynamoDB store against dynalite with an injected clock: TTL deletes late, so every read
 * must treat an item past its expiry as absent.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import type { Store } from '../../functions/core/ports.js';
import { type LocalDynamo, startDynamo } from '../../local/dynamo.js';

let dynamo: LocalDynamo;
let store: Store;
let db: DynamoDBDocumentClient;
/** An item as stored, index keys included. */
const dynamoItem = async (pk: string, sk: string) =>
  (await db.send(new GetCommand({ TableName: dynamo.tableName, Key: { pk, sk } }))).Item;
let now = Date.UTC(2026, 10, 22, 12);
const clock = { now: () => now };

beforeAll(async () => {
  dynamo = await startDynamo({});
  db = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      endpoint: dynamo.endpoint,
      region: 'local',
      credentials: { accessKeyId: 'l', secretAccessKey: 'l' },
    }),
    { marshallOptions: { removeUndefinedValues: true } },
  );
  store = createDynamoStore(db, dynamo.tableName, clock);
});
afterAll(async () => dynamo?.stop());

describe('expiry on read', () => {
  it('accepts a ticket once, before it expires', async () => {
    await store.putTicket('t-ok', 'op1', 'demo', now + 60_000);
    expect(await store.consumeTicket('t-ok', now)).toEqual({ operatorId: 'op1', siteId: 'demo' });
    expect(await store.consumeTicket('t-ok', now)).toBeUndefined();
  });

  it('refuses a ticket past its expiry that TTL has not deleted yet', async () => {
    await store.putTicket('t-old', 'op1', 'demo', now + 60_000);
    expect(await store.consumeTicket('t-old', now + 61_000)).toBeUndefined();
  });

  it('reads a socket older than API Gateway’s 2-hour limit as closed (its $disconnect was lost)', async () => {
    await store.ensureOperator({
      operatorId: 'op1',
      siteId: 'demo',
      name: 'Op',
      email: 'op@x.test',
      role: 'operator',
      status: 'online',
      disabled: false,
      connections: 0,
    });
    expect(await store.addOperatorSocket('op1', `${now}|c-1`)).toMatchObject({ connections: 1 });
    expect((await store.operatorConnections('demo')).map((c) => c.connectionId)).toContain('c-1');
    const saved = now;
    now += 2 * 60 * 60 * 1000 + 1;
    try {
      expect(await store.getOperator('op1')).toMatchObject({ connections: 0, sockets: [] });
      expect((await store.operatorConnections('demo')).map((c) => c.connectionId)).not.toContain('c-1');
    } finally {
      now = saved;
    }
  });
});

/** A visitor's first page view, now: the profile the chat and invitation writes need. */
const firstView = (visitorId: string) =>
  store.trackPageView({
    siteId: 'demo',
    visitorId,
    url: 'https://x.test/',
    title: 'X',
    at: now,
    socket: `${now}|s-1`,
    retentionDays: 90,
    visitGapMs: 30 * 60_000,
    visit: {},
    guessNewVisit: true,
  });

describe('chat writes', () => {
  it('assigns consecutive seqs and refuses a duplicate clientMsgId', async () => {
    await firstView('V1');
    const created = await store.createChat({
      chatId: 'chat-1',
      siteId: 'demo',
      visitorId: 'V1',
      visitorName: 'Ann',
      status: 'queued',
      operators: [],
      createdAt: now,
      seq: 0,
      conns: {},
      declinedBy: [],
    });
    expect(created.created).toBe(true);
    const again = await store.createChat({
      chatId: 'chat-2',
      siteId: 'demo',
      visitorId: 'V1',
      visitorName: 'Ann',
      status: 'queued',
      operators: [],
      createdAt: now,
      seq: 0,
      conns: {},
      declinedBy: [],
    });
    expect(again).toEqual({ created: false, openChatId: 'chat-1' });

    const send = (id: string, cm: string) =>
      store.appendMessage({
        chatId: 'chat-1',
        id,
        clientMsgId: cm,
        from: { kind: 'visitor', id: 'V1', name: '' },
        text: 'hi',
        at: now,
        guard: { kind: 'visitor', visitorId: 'V1' },
      });
    const a = await send('m1', 'cm1');
    const b = await send('m2', 'cm2');
    const dup = await send('m3', 'cm1');
    expect(a.ok && a.message.seq).toBe(1);
    expect(b.ok && b.message.seq).toBe(2);
    expect(a.ok && a.message.from.name).toBe('Ann');
    expect(dup).toMatchObject({ ok: false, reason: 'duplicate', message: { id: 'm1', seq: 1 } });
    expect((await store.messagesAfter('chat-1', 0, 10)).map((m) => m.id)).toEqual(['m1', 'm2']);
  });

  it('lets exactly one of many concurrent claims win', async () => {
    await firstView('V2');
    await store.createChat({
      chatId: 'race',
      siteId: 'demo',
      visitorId: 'V2',
      visitorName: 'Bo',
      status: 'queued',
      operators: [],
      createdAt: now,
      seq: 0,
      conns: {},
      declinedBy: [],
    });
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => store.claimChat('race', { id: `op${i}`, name: `Op ${i}` }, now)),
    );
    const winners = results.filter(Boolean);
    expect(winners).toHaveLength(1);
    expect((await store.getChat('race'))?.operators).toEqual(winners[0]!.operators);
  });

  it('refuses a message from an operator who does not hold the chat, and from the visitor after the end', async () => {
    await store.claimChat('chat-1', { id: 'opA', name: 'A' }, now);
    const intruder = await store.appendMessage({
      chatId: 'chat-1',
      id: 'x1',
      from: { kind: 'operator', id: 'opB', name: '' },
      text: 'hi',
      at: now,
      guard: { kind: 'operator', operatorId: 'opB' },
    });
    expect(intruder).toEqual({ ok: false, reason: 'forbidden' });
    await store.endChat('chat-1', 'operator', now);
    const late = await store.appendMessage({
      chatId: 'chat-1',
      id: 'x2',
      from: { kind: 'visitor', id: 'V1', name: '' },
      text: 'hi',
      at: now,
      guard: { kind: 'visitor', visitorId: 'V1' },
    });
    expect(late).toEqual({ ok: false, reason: 'ended' });
    expect((await store.getVisitor('V1'))?.openChatId).toBeUndefined();
  });
});

describe('the hourly automatic-invitation throttle', () => {
  it('is taken once an hour, and an expired item that TTL has not deleted does not block', async () => {
    const t0 = now;
    expect(await store.takeAutoInviteThrottle('V9', t0, 3_600_000)).toBe(true);
    expect(await store.takeAutoInviteThrottle('V9', t0 + 59 * 60_000, 3_600_000)).toBe(false);
    // Past its expiry but still stored (DynamoDB's TTL deletes late): it may be taken again.
    expect(await store.takeAutoInviteThrottle('V9', t0 + 61 * 60_000, 3_600_000)).toBe(true);
  });

  it('lets exactly one of two simultaneous takers through', async () => {
    const results = await Promise.all([
      store.takeAutoInviteThrottle('V10', now, 3_600_000),
      store.takeAutoInviteThrottle('V10', now, 3_600_000),
    ]);
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('never lets an automatic invitation interrupt an open chat or a pending invitation', async () => {
    await firstView('V11');
    const invitation = (id: string, auto: boolean) => ({
      inviteId: id,
      operatorName: 'A',
      text: 'hi',
      auto,
      at: now,
      outcome: 'pending' as const,
    });
    const since = now - 10 * 60_000;
    expect(await store.setInvitation('V11', invitation('manual-1', false), since)).toBe(true);
    expect(await store.setInvitation('V11', invitation('auto-1', true), since)).toBe(false);
    expect(await store.resolveInvitation('V11', 'manual-1', 'declined')).toMatchObject({ outcome: 'declined' });
    expect(await store.resolveInvitation('V11', 'manual-1', 'accepted')).toBeUndefined();
    expect(await store.setInvitation('V11', invitation('auto-2', true), since)).toBe(true);
  });

  it('lets an invitation nobody answered stop blocking automatic ones after the answer window', async () => {
    await firstView('V12');
    const unanswered = {
      inviteId: 'manual-old',
      operatorName: 'A',
      text: 'hi',
      auto: false,
      at: now,
      outcome: 'pending' as const,
    };
    expect(await store.setInvitation('V12', unanswered, now - 10 * 60_000)).toBe(true);
    const auto = { ...unanswered, inviteId: 'auto-late', auto: true };
    // Still inside the window (the visitor may yet answer): refused.
    expect(await store.setInvitation('V12', { ...auto, at: now + 60_000 }, now + 60_000 - 10 * 60_000)).toBe(false);
    // Eleven minutes on, the old one counts as unanswered: allowed.
    expect(await store.setInvitation('V12', { ...auto, at: now + 11 * 60_000 }, now + 11 * 60_000 - 10 * 60_000)).toBe(
      true,
    );
  });
});

describe('the visitors index (keys only, 10-minute steps)', () => {
  const view = (siteId: string, visitorId: string, at: number, socket?: string) =>
    store.trackPageView({
      siteId,
      visitorId,
      url: `https://x.test/${visitorId}`,
      title: visitorId,
      at,
      socket: socket ?? `${at}|${visitorId}-s`,
      retentionDays: 90,
      visitGapMs: 30 * 60_000,
      visit: {},
      guessNewVisit: true,
    });

  it('lists exactly the visitors seen since a time, newest first, though the index only knows 10-minute steps', async () => {
    const step = 10 * 60_000;
    const base = Math.floor(now / step) * step + 60_000; // one minute into a step
    await view('idx', 'early', base); // same step as `late`, but before `since`, and gone
    await store.forgetSockets({ role: 'visitor', id: 'early' }, [`${base}|early-s`]);
    await view('idx', 'still-here', base - 30_000); // before `since`, a step earlier, still connected
    await view('idx', 'late', base + 5 * 60_000);
    await view('idx', 'older', base - 3 * step);
    await view('idx', 'gone-but-left-late', base - step); // viewed a step earlier...
    await store.forgetSockets({ role: 'visitor', id: 'gone-but-left-late' }, [`${base - step}|gone-but-left-late-s`]);
    await view('other-site', 'elsewhere', base + 5 * 60_000);
    const since = base + 2 * 60_000;
    const recent = await store.recentVisitors('idx', since, 50);
    expect(recent.map((v) => v.visitorId).sort()).toEqual(['late', 'still-here']);
    // Everyone still connected counts, whenever their last view was (in the step before `since`).
    const wide = await store.recentVisitors('idx', base - step, 50);
    expect(wide.map((v) => v.visitorId)).toEqual(['late', 'early', 'still-here', 'gone-but-left-late']);
  });

  it('keeps a visitor in the same index entry for views within one step (no index write)', async () => {
    const step = 10 * 60_000;
    const base = Math.floor(now / step) * step;
    await view('idx2', 'v', base + 1000);
    await view('idx2', 'v', base + 2000);
    const raw = await dynamoItem('VIS#v', 'PROFILE');
    expect(raw?.gsi2sk).toBe(`${String(base).padStart(15, '0')}#v`);
    expect(raw?.gsi1pk).toBeUndefined();
  });
});
