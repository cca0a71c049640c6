/**
 * Offline messages against stubbed ports: validation, duplicates, rate limits, who sees what,
 * the fan-out to consoles, and the mail function's idempotent, retryable sending.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createSesMailer, setSesClient } from '../../functions/adapters/mailer.js';
import type { Caller } from '../../functions/core/context.js';
import { BadRequestError, RateLimitedError } from '../../functions/core/errors.js';
import {
  leaveMessage,
  listOfflineMessages,
  mailOfflineMessage,
  mailOfflineReply,
  markOfflineHandled,
  mayHandleOffline,
  OFFLINE_LIMITS,
  OFFLINE_RECEIVED,
  offerMessageIn,
  offlineRecipients,
  replyToOfflineMessage,
} from '../../functions/core/offline-messages.js';
import type { OfflineMessageRecord, OfflineStore } from '../../functions/core/offline-ports.js';
import type { Deps, Store } from '../../functions/core/ports.js';
import { DEFAULT_CONSOLE_SETTINGS, DEFAULT_WIDGET_SETTINGS } from '../../functions/core/settings.js';
import type { ChatRecord, ConnectionRecord, OperatorRecord } from '../../functions/core/types.js';
import type { ServerEvent } from '../../functions/protocol/index.js';
import { leaveMessageSchema } from '../../functions/protocol/schemas.js';

const operator = (id: string, extra: Partial<OperatorRecord> = {}): OperatorRecord => ({
  operatorId: id,
  siteId: 'demo',
  name: id.toUpperCase(),
  email: `${id}@team.test`,
  role: 'operator',
  status: 'online',
  disabled: false,
  connections: 1,
  ...extra,
});

/** The port's semantics in memory (conditional writes become checks under one lock-free tick). */
function memoryOfflineStore(): OfflineStore & { items: Map<string, OfflineMessageRecord> } {
  const items = new Map<string, OfflineMessageRecord>();
  const guards = new Map<string, { messageId: string; expiresAt: number }>();
  const rates = new Map<string, { n: number; windowEnd: number }>();
  const clone = (m: OfflineMessageRecord) => structuredClone(m);
  return {
    items,
    async putOfflineMessage(m) {
      if (items.has(m.id)) return false;
      items.set(m.id, clone(m));
      return true;
    },
    async getOfflineMessage(id) {
      const m = items.get(id);
      return m && clone(m);
    },
    async listOfflineMessages({ siteId, status, limit, cursor, departments }) {
      const all = [...items.values()]
        .filter((m) => m.siteId === siteId && m.status === status)
        .filter((m) => !departments || !m.department || departments.includes(m.department))
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1));
      const from = cursor ? Number(cursor) : 0;
      const page = all.slice(from, from + limit);
      return { messages: page.map(clone), ...(from + limit < all.length ? { next: String(from + limit) } : {}) };
    },
    async newOfflineMessages(siteId) {
      return [...items.values()]
        .filter((m) => m.siteId === siteId && m.status === 'new')
        .map((m) => ({ id: m.id, ...(m.department ? { department: m.department } : {}) }));
    },
    async claimOfflineDedupe(visitorId, key, messageId, now, windowMs) {
      const k = `${visitorId}|${key}`;
      const held = guards.get(k);
      if (held && held.expiresAt > now) return { claimed: false, messageId: held.messageId };
      guards.set(k, { messageId, expiresAt: now + windowMs });
      return { claimed: true };
    },
    async releaseOfflineDedupe(visitorId, key) {
      guards.delete(`${visitorId}|${key}`);
    },
    async takeRate(key, max, windowMs, now) {
      const r = rates.get(key);
      if (!r || r.windowEnd <= now) {
        rates.set(key, { n: 1, windowEnd: now + windowMs });
        return max >= 1;
      }
      if (r.n >= max) return false;
      r.n += 1;
      return true;
    },
    async markOfflineHandled(id, by, at) {
      const m = items.get(id);
      if (!m) return undefined;
      if (m.status === 'handled') return { changed: false, message: clone(m) };
      Object.assign(m, { status: 'handled', handledBy: by, handledAt: at });
      return { changed: true, message: clone(m) };
    },
    async addOfflineReply(id, reply, max) {
      const m = items.get(id);
      if (!m || m.replies.length >= max) return undefined;
      m.replies.push(reply);
      m.status = 'handled';
      m.handledBy ??= reply.by;
      m.handledAt ??= reply.at;
      return clone(m);
    },
    async recordOfflineMailed(id, email) {
      items.get(id)?.mailedTo.push(email);
    },
    async finishOfflineMailing(id, at) {
      const m = items.get(id);
      if (m && m.mailedAt === undefined) m.mailedAt = at;
    },
    async markOfflineReplySent(id, replyId, at) {
      const r = items.get(id)?.replies.find((x) => x.id === replyId);
      if (!r || r.sentAt) return false;
      r.sentAt = at;
      return true;
    },
  };
}

function harness(
  options: {
    operators?: OperatorRecord[];
    conns?: ConnectionRecord[];
    visitorLang?: string;
    settings?: Awaited<ReturnType<Store['getSettings']>>;
    departments?: { name: string; silent: boolean }[];
  } = {},
) {
  const sent: { to: readonly string[]; frame: ServerEvent }[] = [];
  const published: { type: string; detail: Record<string, unknown> }[] = [];
  let now = 1_000_000;
  let n = 0;
  const offline = memoryOfflineStore();
  const operators = options.operators ?? [operator('dana', { role: 'admin' })];
  const deps: Deps = {
    store: {
      siteOperators: vi.fn(async () => operators),
      getVisitor: vi.fn(async (visitorId: string) => ({
        visitorId,
        siteId: 'demo',
        ...(options.visitorLang ? { lang: options.visitorLang } : {}),
      })),
      getSettings: vi.fn(async () => options.settings ?? {}),
      ...(options.departments ? { siteDepartments: vi.fn(async () => options.departments) } : {}),
      operatorConnections: vi.fn(async () => options.conns ?? []),
      deleteConnection: vi.fn(async () => undefined),
      detachConnections: vi.fn(async () => undefined),
    } as unknown as Store,
    notifier: {
      send: vi.fn(async (to: readonly string[], frame: ServerEvent) => {
        sent.push({ to, frame });
        return [];
      }),
    },
    clock: { now: () => now },
    ids: { next: () => `M${String(++n).padStart(4, '0')}` },
    tokens: { sign: () => 't', verify: () => undefined },
    events: {
      publish: vi.fn(async (type: string, detail: Record<string, unknown>) => {
        published.push({ type, detail });
      }),
    },
    offline,
  };
  return { deps, sent, published, offline, tick: (ms: number) => (now += ms) };
}

const visitor = (visitorId = 'V1', connectionId = 'conn-v'): Caller => ({
  identity: { role: 'visitor', siteId: 'demo', visitorId, returning: false },
  connectionId,
  reqId: 'r1',
  enrichment: { ip: '203.0.113.7' },
});

const frame = (extra: Record<string, unknown> = {}) =>
  leaveMessageSchema.parse({
    action: 'leave-message',
    name: 'Mia',
    email: 'mia@example.com',
    text: 'Do you ship to Kraków?',
    ...extra,
  });

describe('leave-message validation', () => {
  it('accepts a name, an e-mail and a message, and refuses what is malformed or too long', () => {
    expect(
      leaveMessageSchema.safeParse({ action: 'leave-message', name: 'Mia', email: 'mia@example.com', text: 'Hi' })
        .success,
    ).toBe(true);
    const bad = [
      { name: 'Mia', email: 'not-an-address', text: 'Hi' },
      { name: 'Mia', email: 'mia@example.com', text: '   ' },
      { name: 'Mia', email: 'mia@example.com', text: 'x'.repeat(4001) },
      { name: 'Mia', email: 'mia@example.com', text: 'bell \u0007' },
      { name: '', email: 'mia@example.com', text: 'Hi' },
      { name: 'x'.repeat(81), email: 'mia@example.com', text: 'Hi' },
      { email: 'mia@example.com', text: 'Hi' },
      { name: 'Mia', text: 'Hi' },
      { name: 'Mia', email: `${'a'.repeat(250)}@example.com`, text: 'Hi' },
    ];
    for (const b of bad)
      expect(leaveMessageSchema.safeParse({ action: 'leave-message', ...b }).success, JSON.stringify(b)).toBe(false);
  });
});

describe('leaveMessage', () => {
  it('stores the message, publishes it for the mail function and acks with the reqId', async () => {
    const h = harness();
    await leaveMessage(h.deps, visitor(), frame());
    const [stored] = [...h.offline.items.values()];
    expect(stored).toMatchObject({
      name: 'Mia',
      email: 'mia@example.com',
      status: 'new',
      siteId: 'demo',
      visitorId: 'V1',
    });
    expect(h.published).toEqual([{ type: OFFLINE_RECEIVED, detail: { siteId: 'demo', messageId: stored!.id } }]);
    expect(h.sent.find((s) => s.to.includes('conn-v'))?.frame).toEqual({
      type: 'ack',
      action: 'leave-message',
      messageId: stored!.id,
      reqId: 'r1',
    });
  });

  it('refuses an unknown department and stores nothing', async () => {
    const h = harness({ operators: [operator('dana', { departments: ['sales'] })] });
    await expect(leaveMessage(h.deps, visitor(), frame({ department: 'billing' }))).rejects.toBeInstanceOf(
      BadRequestError,
    );
    expect(h.offline.items.size).toBe(0);
    expect(h.published).toEqual([]);
    await leaveMessage(h.deps, visitor(), frame({ department: 'sales' }));
    expect([...h.offline.items.values()][0]?.department).toBe('sales');
  });

  it('treats a retry (same clientMsgId) and the same text again as the first message', async () => {
    const h = harness();
    await leaveMessage(h.deps, visitor(), frame({ clientMsgId: 'form-1' }));
    await leaveMessage(h.deps, visitor(), frame({ clientMsgId: 'form-1' }));
    await leaveMessage(h.deps, visitor(), frame({ clientMsgId: 'form-2' }));
    await leaveMessage(h.deps, visitor(), frame());
    expect(h.offline.items.size).toBe(1);
    expect(h.published).toHaveLength(1);
    const ids = h.sent.filter((s) => s.frame.type === 'ack').map((s) => (s.frame as { messageId: string }).messageId);
    expect(new Set(ids).size).toBe(1);
    // Outside the duplicate window the same words are a new message.
    h.tick(OFFLINE_LIMITS.duplicateWindowMs + 1);
    await leaveMessage(h.deps, visitor(), frame());
    expect(h.offline.items.size).toBe(2);
  });

  it('stores a retry whose first attempt died after claiming the duplicate guard, and twins only once', async () => {
    const h = harness();
    const f = frame({ clientMsgId: 'form-ghost' });
    // The first attempt claimed the guards and died before storing: nothing under its id.
    await leaveMessage(h.deps, visitor(), f);
    const firstId = [...h.offline.items.keys()][0]!;
    h.offline.items.clear();
    await leaveMessage(h.deps, visitor(), f);
    expect([...h.offline.items.keys()]).toEqual([firstId]);
    // Two identical submissions at once end as one stored message with one id.
    const g = frame({ clientMsgId: 'form-twins', text: 'twins' });
    await Promise.all([leaveMessage(h.deps, visitor('V2'), g), leaveMessage(h.deps, visitor('V2'), g)]);
    expect([...h.offline.items.values()].filter((m) => m.text === 'twins')).toHaveLength(1);
  });

  it(`lets one visitor leave ${OFFLINE_LIMITS.perVisitorPerHour} messages an hour, and the next after the hour`, async () => {
    const h = harness();
    for (let i = 0; i < OFFLINE_LIMITS.perVisitorPerHour; i++) {
      await leaveMessage(h.deps, visitor(), frame({ text: `message ${i}` }));
    }
    await expect(leaveMessage(h.deps, visitor(), frame({ text: 'one too many' }))).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    expect(h.offline.items.size).toBe(OFFLINE_LIMITS.perVisitorPerHour);
    // The refused text did not stay claimed as a duplicate: after the hour it goes through.
    h.tick(60 * 60_000);
    await leaveMessage(h.deps, visitor(), frame({ text: 'one too many' }));
    expect(h.offline.items.size).toBe(OFFLINE_LIMITS.perVisitorPerHour + 1);
  });

  it('limits one address (IP) across fresh visitor ids', async () => {
    const h = harness();
    let refused = 0;
    for (let i = 0; i < OFFLINE_LIMITS.perIpPerHour + 2; i++) {
      await leaveMessage(h.deps, visitor(`V${i}`), frame({ text: `from visitor ${i}` })).catch((e) => {
        expect(e).toBeInstanceOf(RateLimitedError);
        refused++;
      });
    }
    expect(h.offline.items.size).toBe(OFFLINE_LIMITS.perIpPerHour);
    expect(refused).toBe(2);
  });

  it('announces it to the consoles of operators who may see it, each with their own count', async () => {
    const ops = [
      operator('ann', { departments: ['sales'] }),
      operator('bob', { departments: ['billing'] }),
      operator('cy', { role: 'admin', departments: ['billing'] }),
      operator('dee'),
    ];
    const conns = ops.map((o) => ({
      connectionId: `c-${o.operatorId}`,
      role: 'operator' as const,
      siteId: 'demo',
      operatorId: o.operatorId,
      connectedAt: 0,
      views: 0,
    }));
    const h = harness({ operators: ops, conns });
    await leaveMessage(h.deps, visitor(), frame({ department: 'sales' }));
    const to = h.sent.filter((s) => s.frame.type === 'offline-message').flatMap((s) => s.to);
    expect(to.sort()).toEqual(['c-ann', 'c-cy', 'c-dee']);
    await leaveMessage(h.deps, visitor('V2', 'conn-2'), frame({ text: 'no department' }));
    const last = h.sent.filter((s) => s.frame.type === 'offline-message').slice(-4);
    const counts = Object.fromEntries(last.map((s) => [s.to[0], (s.frame as { newCount: number }).newCount]));
    expect(counts).toEqual({ 'c-ann': 2, 'c-bob': 1, 'c-cy': 2, 'c-dee': 2 });
  });
});

describe('who may see and handle offline messages', () => {
  it('admins and operators without departments see all; others their departments and the general ones', () => {
    const sales = { department: 'sales', siteId: 'demo' };
    const general = { siteId: 'demo' };
    expect(mayHandleOffline(operator('a', { role: 'admin', departments: ['billing'] }), sales)).toBe(true);
    expect(mayHandleOffline(operator('b'), sales)).toBe(true);
    expect(mayHandleOffline(operator('c', { departments: ['sales'] }), sales)).toBe(true);
    expect(mayHandleOffline(operator('d', { departments: ['billing'] }), sales)).toBe(false);
    expect(mayHandleOffline(operator('d', { departments: ['billing'] }), general)).toBe(true);
    expect(mayHandleOffline(operator('e', { disabled: true }), general)).toBe(false);
    expect(mayHandleOffline(operator('f', { role: 'admin', siteId: 'other' }), general)).toBe(false);
  });

  it('lists, handles and replies only within what the operator may see', async () => {
    const ops = [operator('ann', { departments: ['sales'] }), operator('bob', { departments: ['billing'] })];
    const h = harness({ operators: ops });
    await leaveMessage(h.deps, visitor(), frame({ department: 'sales' }));
    const id = [...h.offline.items.keys()][0]!;
    expect((await listOfflineMessages(h.deps, ops[1]!, { status: 'new' })).messages).toEqual([]);
    expect((await listOfflineMessages(h.deps, ops[0]!, { status: 'new' })).messages.map((m) => m.id)).toEqual([id]);
    await expect(markOfflineHandled(h.deps, ops[1]!, id)).rejects.toMatchObject({ code: 'not-found' });
    await expect(replyToOfflineMessage(h.deps, ops[1]!, id, 'hi')).rejects.toMatchObject({ code: 'not-found' });
    expect(h.offline.items.get(id)?.status).toBe('new');
    await expect(listOfflineMessages(h.deps, ops[0]!, { status: 'open' })).rejects.toBeInstanceOf(BadRequestError);
  });

  it('marks a message handled once: the first operator and time stand', async () => {
    const ops = [operator('ann'), operator('bob')];
    const h = harness({ operators: ops });
    await leaveMessage(h.deps, visitor(), frame());
    const id = [...h.offline.items.keys()][0]!;
    const first = await markOfflineHandled(h.deps, ops[0]!, id);
    h.tick(5000);
    const second = await markOfflineHandled(h.deps, ops[1]!, id);
    expect(first).toMatchObject({ status: 'handled', handledBy: { id: 'ann' } });
    expect(second.handledBy).toEqual(first.handledBy);
    expect(second.handledAt).toBe(first.handledAt);
  });

  it('tells the consoles that may see it when a message is handled, with their new count', async () => {
    const ops = [operator('ann'), operator('bob', { departments: ['billing'] })];
    const conns = ops.map((o) => ({
      connectionId: `c-${o.operatorId}`,
      role: 'operator' as const,
      siteId: 'demo',
      operatorId: o.operatorId,
      connectedAt: 0,
    }));
    const h = harness({ operators: ops, conns });
    await leaveMessage(h.deps, visitor(), frame());
    const id = [...h.offline.items.keys()][0]!;
    h.sent.length = 0;
    await markOfflineHandled(h.deps, ops[0]!, id);
    const frames = h.sent.filter((s) => s.frame.type === 'offline-message');
    expect(frames.flatMap((f) => f.to).sort()).toEqual(['c-ann', 'c-bob']);
    expect(frames.every((f) => (f.frame as { newCount: number; message: { status: string } }).newCount === 0)).toBe(
      true,
    );
    expect((frames[0]!.frame as { message: { status: string } }).message.status).toBe('handled');
    // Handling it again changes nothing and tells nobody.
    h.sent.length = 0;
    await markOfflineHandled(h.deps, ops[1]!, id);
    expect(h.sent).toEqual([]);
  });

  it('records a reply, marks the message handled, publishes it, and limits replies per message', async () => {
    const h = harness({ operators: [operator('ann')] });
    await leaveMessage(h.deps, visitor(), frame());
    const id = [...h.offline.items.keys()][0]!;
    for (let i = 0; i < OFFLINE_LIMITS.repliesPerMessage; i++) {
      const m = await replyToOfflineMessage(h.deps, operator('ann'), id, `reply ${i}`);
      expect(m.status).toBe('handled');
    }
    await expect(replyToOfflineMessage(h.deps, operator('ann'), id, 'one more')).rejects.toBeInstanceOf(
      RateLimitedError,
    );
    expect(h.offline.items.get(id)?.replies).toHaveLength(OFFLINE_LIMITS.repliesPerMessage);
    expect(h.published.filter((p) => p.type === 'offline-message.reply')).toHaveLength(
      OFFLINE_LIMITS.repliesPerMessage,
    );
  });
});

describe('the mail function for offline messages', () => {
  const stored = async (h: ReturnType<typeof harness>, extra: Record<string, unknown> = {}) => {
    await leaveMessage(h.deps, visitor(), frame(extra));
    return [...h.offline.items.keys()].at(-1)!;
  };

  it('mails the department’s enabled operators (or everyone when it has none), never the visitor', () => {
    const ops = [
      operator('ann', { departments: ['sales'] }),
      operator('bob'),
      operator('cy', { departments: ['sales'], disabled: true }),
    ];
    expect(offlineRecipients({ department: 'sales' }, ops)).toEqual(['ann@team.test']);
    expect(offlineRecipients({}, ops).sort()).toEqual(['ann@team.test', 'bob@team.test']);
    expect(offlineRecipients({ department: 'ghosts' }, ops).sort()).toEqual(['ann@team.test', 'bob@team.test']);
  });

  it('sends to each operator once with the visitor as Reply-To, retrying only what failed', async () => {
    const ops = [operator('ann'), operator('bob')];
    const h = harness({ operators: ops });
    const id = await stored(h, { text: 'Hello <b>team</b>' });
    const mails: { to: string; replyTo?: string; html: string }[] = [];
    let failBob = true;
    const mailer = {
      send: vi.fn(async (m: { to: string; replyTo?: string; html: string; subject: string; text: string }) => {
        if (m.to === 'bob@team.test' && failBob) throw new Error('SES throttled');
        mails.push(m);
      }),
    };
    await expect(mailOfflineMessage(h.deps, mailer, { messageId: id })).rejects.toThrow(/1 of 2 mails failed/);
    expect(h.offline.items.get(id)).toMatchObject({ mailedTo: ['ann@team.test'], status: 'new' });
    expect(h.offline.items.get(id)?.mailedAt).toBeUndefined();
    failBob = false;
    await mailOfflineMessage(h.deps, mailer, { messageId: id });
    // Delivered twice more (EventBridge is at-least-once): nothing is sent again.
    await mailOfflineMessage(h.deps, mailer, { messageId: id });
    expect(mails.map((m) => m.to)).toEqual(['ann@team.test', 'bob@team.test']);
    expect(mails.every((m) => m.replyTo === 'mia@example.com')).toBe(true);
    expect(mails[0]!.html).toContain('Hello &lt;b&gt;team&lt;/b&gt;');
    expect(h.offline.items.get(id)?.mailedAt).toBeTypeOf('number');
  });

  it('sends an operator’s reply to the message’s address once', async () => {
    const h = harness({ operators: [operator('ann')] });
    const id = await stored(h);
    const m = await replyToOfflineMessage(h.deps, operator('ann'), id, 'Yes, we do.');
    const mailer = { send: vi.fn(async (_mail: { to: string; subject: string }) => undefined) };
    const request = { messageId: id, replyId: m.replies[0]!.id };
    expect(await mailOfflineReply(h.deps, mailer, request)).toBe(true);
    expect(await mailOfflineReply(h.deps, mailer, request)).toBe(false);
    expect(mailer.send).toHaveBeenCalledTimes(1);
    expect(mailer.send.mock.calls[0]![0]).toMatchObject({ to: 'mia@example.com', subject: /Re: your message/ });
    expect(h.offline.items.get(id)?.replies[0]?.sentAt).toBeTypeOf('number');
  });
});

describe('SES mailer', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => {
    ses.reset();
    setSesClient(undefined);
  });

  it('puts the Reply-To beside the recipient, never among the recipients', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: 'm1' });
    setSesClient(new SESv2Client({ region: 'eu-west-1' }));
    await createSesMailer('parley@team.test').send({
      to: 'ann@team.test',
      replyTo: 'mia@example.com',
      subject: 's',
      text: 't',
      html: '<p>t</p>',
    });
    const input = ses.commandCalls(SendEmailCommand)[0]!.args[0].input;
    expect(input.Destination).toEqual({ ToAddresses: ['ann@team.test'] });
    expect(input.ReplyToAddresses).toEqual(['mia@example.com']);
    expect(input.FromEmailAddress).toBe('parley@team.test');
  });
});

describe('queue timeout', () => {
  const settings = (queueTimeoutMs: number) => ({
    widget: DEFAULT_WIDGET_SETTINGS,
    console: { ...DEFAULT_CONSOLE_SETTINGS, queueTimeoutMs },
    autoInvitations: [],
  });
  const chat = (status: ChatRecord['status']): ChatRecord => ({
    chatId: 'c',
    siteId: 'demo',
    visitorId: 'V1',
    visitorName: 'Mia',
    status,
    operators: [],
    createdAt: 10_000,
    seq: 0,
    conns: {},
    declinedBy: [],
  });
  it('tells a queued visitor when to be offered the message form, and nobody else', () => {
    expect(offerMessageIn(chat('queued'), settings(120_000), 40_000)).toBe(90_000);
    expect(offerMessageIn(chat('queued'), settings(120_000), 500_000)).toBe(0);
    expect(offerMessageIn(chat('active'), settings(120_000), 40_000)).toBeUndefined();
  });
});
