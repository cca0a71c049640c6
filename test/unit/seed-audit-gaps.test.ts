/**
 * Gaps from the seed audit, against stubbed ports: the answer to a chat request when nobody can
 * take it, departments visitors may choose (never a silent one), typing previews only where the
 * site allows them, visitor-facing server texts in the visitor's language (en, pl), the site's
 * name in e-mails, and an operator's own display name.
 */
import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createSesMailer, setSesClient, withDisplayName } from '../../functions/adapters/mailer.js';
import { acceptChat, requestChat, sendTyping } from '../../functions/core/chats.js';
import type { Caller } from '../../functions/core/context.js';
import { BadRequestError } from '../../functions/core/errors.js';
import { inviteVisitor } from '../../functions/core/invitations.js';
import { renderOfflineReply } from '../../functions/core/offline-messages.js';
import type { OfflineMessageRecord } from '../../functions/core/offline-ports.js';
import { updatePreferences } from '../../functions/core/operators.js';
import type { Deps, Store } from '../../functions/core/ports.js';
import { DEFAULT_CONSOLE_SETTINGS, forgetSiteSettings, updateSettings } from '../../functions/core/settings.js';
import { pickServerLang, SERVER_TEXTS, textsFor } from '../../functions/core/texts.js';
import { renderTranscript, sendTranscript, siteNameOf } from '../../functions/core/transcripts.js';
import type { ChatRecord, OperatorRecord, VisitorRecord } from '../../functions/core/types.js';
import { forgetOperatorsOnline, visitorDepartments } from '../../functions/core/visitors.js';
import type { ChatMessage, ServerEvent } from '../../functions/protocol/index.js';
import {
  chatRequestSchema,
  preferencesSchema,
  settingsSchema,
  typingSchema,
} from '../../functions/protocol/schemas.js';

const operator = (id: string, extra: Partial<OperatorRecord> = {}): OperatorRecord => ({
  operatorId: id,
  siteId: 'demo',
  name: id.toUpperCase(),
  email: `${id}@x.test`,
  role: 'operator',
  status: 'online',
  disabled: false,
  connections: 1,
  ...extra,
});

const visitorRecord = (extra: Partial<VisitorRecord> = {}): VisitorRecord =>
  ({
    visitorId: 'V1',
    siteId: 'demo',
    firstSeen: 1,
    lastSeen: 1,
    visits: 1,
    pageViews: 1,
    url: 'https://shop.test/',
    title: 'Shop',
    connections: 1,
    ...extra,
  }) as VisitorRecord;

const DEPARTMENTS = [
  { name: 'Sales', silent: false },
  { name: 'Support', silent: false },
  { name: 'Escalations', silent: true },
];

function harness(
  options: {
    operators?: OperatorRecord[];
    visitor?: VisitorRecord;
    settings?: Awaited<ReturnType<Store['getSettings']>>;
    chat?: ChatRecord;
    store?: Partial<Store>;
  } = {},
) {
  const sent: { to: readonly string[]; frame: ServerEvent }[] = [];
  const created: ChatRecord[] = [];
  const appended: { text: string; from: ChatMessage['from'] }[] = [];
  let n = 0;
  const deps: Deps = {
    store: {
      getVisitor: vi.fn(async () => options.visitor ?? visitorRecord()),
      siteOperators: vi.fn(async () => options.operators ?? []),
      siteDepartments: vi.fn(async () => DEPARTMENTS),
      getSettings: vi.fn(async () => options.settings ?? {}),
      getAssignment: vi.fn(async () => undefined),
      createChat: vi.fn(async (chat: ChatRecord) => {
        created.push(chat);
        return { created: true as const, chat };
      }),
      getChat: vi.fn(async () => options.chat),
      chatsByStatus: vi.fn(async (_site: string, status: string) => (status === 'queued' ? created : [])),
      operatorConnections: vi.fn(async () => []),
      visitorConnections: vi.fn(async () => [
        { connectionId: 'conn-v', role: 'visitor', siteId: 'demo', connectedAt: 1 },
      ]),
      attachConnections: vi.fn(async () => undefined),
      getOperator: vi.fn(async (id: string) => (options.operators ?? []).find((o) => o.operatorId === id)),
      reserveChatSlot: vi.fn(async () => true),
      releaseChatSlot: vi.fn(async () => undefined),
      putAssignment: vi.fn(async () => undefined),
      claimChat: vi.fn(async (_id: string, op: { id: string; name: string }, at: number) => ({
        ...options.chat!,
        status: 'active' as const,
        operators: [op],
        acceptedAt: at,
      })),
      setInvitation: vi.fn(async () => true),
      appendMessage: vi.fn(async (m: { chatId: string; text: string; from: ChatMessage['from']; at: number }) => {
        appended.push({ text: m.text, from: m.from });
        const chat = { ...(options.chat ?? created[0]!), seq: appended.length };
        return { ok: true as const, chat, message: { ...m, seq: appended.length } };
      }),
      ...options.store,
    } as unknown as Store,
    notifier: {
      send: vi.fn(async (to: readonly string[], frame: ServerEvent) => {
        sent.push({ to, frame });
        return [];
      }),
    },
    clock: { now: () => 50_000 },
    ids: { next: () => `id-${++n}` },
    tokens: { sign: () => 't', verify: () => undefined },
  };
  return { deps, sent, created, appended };
}

const visitorCaller: Caller = {
  identity: { role: 'visitor', siteId: 'demo', visitorId: 'V1', returning: false },
  connectionId: 'conn-v',
  reqId: 'r1',
};
const operatorCaller = (operatorId: string): Caller => ({
  identity: { role: 'operator', siteId: 'demo', operatorId },
  connectionId: `conn-${operatorId}`,
  reqId: 'r2',
});

const request = (extra: Record<string, unknown> = {}) =>
  chatRequestSchema.parse({ action: 'chat-request', name: 'Mia', ...extra });

beforeEach(() => {
  forgetSiteSettings('demo');
  forgetOperatorsOnline('demo');
});

describe('a chat request nobody can take (gap 1)', () => {
  const reply = (sent: { to: readonly string[]; frame: ServerEvent }[]) =>
    sent.find((s) => s.to.includes('conn-v') && s.frame.type === 'chat-update')!.frame as Extract<
      ServerEvent,
      { type: 'chat-update' }
    >;

  it('answers at once with operatorsOnline 0 and offerMessageInMs 0, and keeps the chat queued', async () => {
    const h = harness({ operators: [operator('ann', { status: 'away' }), operator('bob', { connections: 0 })] });
    await requestChat(h.deps, visitorCaller, request());
    const r = reply(h.sent);
    expect(r.reqId).toBe('r1');
    expect(r.operatorsOnline).toBe(0);
    expect(r.chat.status).toBe('queued');
    expect(r.chat.offerMessageInMs).toBe(0);
    expect(h.created).toHaveLength(1);
  });

  it('counts only available operators: online with a console, enabled, not silent', async () => {
    const h = harness({
      operators: [
        operator('ann'),
        operator('bob', { silent: true }),
        operator('cy', { disabled: true }),
        operator('dee', { status: 'away' }),
      ],
    });
    await requestChat(h.deps, visitorCaller, request());
    const r = reply(h.sent);
    expect(r.operatorsOnline).toBe(1);
    // Someone can take it: the usual queue timeout applies.
    expect(r.chat.offerMessageInMs).toBe(DEFAULT_CONSOLE_SETTINGS.queueTimeoutMs);
  });

  it('offers the form at once when nobody of the chosen department is available', async () => {
    const h = harness({
      operators: [
        operator('ann', { departments: ['Support'] }),
        operator('bob', { departments: ['Sales'], status: 'away' }),
      ],
    });
    await requestChat(h.deps, visitorCaller, request({ department: 'Sales' }));
    const r = reply(h.sent);
    expect(r.operatorsOnline).toBe(1);
    expect(r.chat.offerMessageInMs).toBe(0);
    expect(r.chat.department).toBe('Sales');
  });
});

describe('departments visitors may choose (gaps 3 and 4)', () => {
  const staffed = [
    operator('ann', { departments: ['Sales'] }),
    operator('bob', { departments: ['Support'] }),
    operator('cy', { departments: ['Escalations'], silent: true }),
  ];

  it('lists non-silent department items that have an enabled operator', async () => {
    const h = harness({ operators: [...staffed, operator('dee', { departments: ['Ghosts'], disabled: true })] });
    expect(await visitorDepartments(h.deps, 'demo', await h.deps.store.siteOperators('demo'))).toEqual([
      'Sales',
      'Support',
    ]);
  });

  it('routes a chat request to the chosen department', async () => {
    const h = harness({ operators: staffed });
    await requestChat(h.deps, visitorCaller, request({ department: 'Sales' }));
    expect(h.created[0]).toMatchObject({ department: 'Sales', offeredTo: ['ann'] });
  });

  it('refuses a silent or unknown department in a chat request, and creates nothing', async () => {
    for (const department of ['Escalations', 'Nope']) {
      forgetOperatorsOnline('demo');
      const h = harness({ operators: staffed });
      await expect(requestChat(h.deps, visitorCaller, request({ department }))).rejects.toBeInstanceOf(BadRequestError);
      expect(h.created).toHaveLength(0);
    }
  });
});

describe('typing previews (gap 8)', () => {
  const chat: ChatRecord = {
    chatId: 'c1',
    siteId: 'demo',
    visitorId: 'V1',
    visitorName: 'Mia',
    status: 'active',
    operators: [{ id: 'ann', name: 'ANN' }],
    createdAt: 1,
    seq: 0,
    conns: { 'conn-v': 'v', 'conn-ann': 'ann' },
    declinedBy: [],
  };
  const typing = typingSchema.parse({ action: 'typing', chatId: 'c1', typing: true, preview: 'my card numb' });
  const toOperator = (sent: { to: readonly string[]; frame: ServerEvent }[]) =>
    sent.find((s) => s.to.includes('conn-ann'))!.frame as Extract<ServerEvent, { type: 'typing' }>;

  it('strips the preview by default (privacy)', async () => {
    const h = harness({ chat });
    await sendTyping(h.deps, visitorCaller, typing);
    const frame = toOperator(h.sent);
    expect(frame.typing).toBe(true);
    expect(frame).not.toHaveProperty('preview');
  });

  it('passes it on when the site allows previews', async () => {
    const h = harness({ chat, settings: { console: { typingPreview: true } } });
    await sendTyping(h.deps, visitorCaller, typing);
    expect(toOperator(h.sent).preview).toBe('my card numb');
  });
});

describe('server texts in the visitor’s language (gap 5)', () => {
  it('has every text in English and Polish, and they differ where words are involved', () => {
    const keys = Object.keys(SERVER_TEXTS.en).sort();
    expect(Object.keys(SERVER_TEXTS.pl).sort()).toEqual(keys);
    for (const k of keys) {
      const en = SERVER_TEXTS.en[k as keyof typeof SERVER_TEXTS.en];
      const pl = SERVER_TEXTS.pl[k as keyof typeof SERVER_TEXTS.pl];
      const say = (v: unknown) => (typeof v === 'function' ? (v as (...a: string[]) => string)('X', 'Y') : v);
      expect(String(say(pl)).length, k).toBeGreaterThan(0);
      if (k !== 'system') expect(say(pl), k).not.toBe(say(en));
    }
  });

  it('picks the site’s widget language, else the visitor’s, else English', () => {
    expect(pickServerLang('pl', 'en-GB')).toBe('pl');
    expect(pickServerLang('', 'pl-PL')).toBe('pl');
    expect(pickServerLang('', 'de-DE')).toBe('en');
    expect(pickServerLang(undefined, undefined)).toBe('en');
    expect(pickServerLang('en', 'pl')).toBe('en');
  });

  it('writes chat system lines in the chat’s language', async () => {
    const queued: ChatRecord = {
      chatId: 'c1',
      siteId: 'demo',
      visitorId: 'V1',
      visitorName: 'Mia',
      status: 'queued',
      operators: [],
      createdAt: 1,
      seq: 0,
      conns: { 'conn-v': 'v' },
      declinedBy: [],
      lang: 'pl-PL',
    };
    const h = harness({ chat: queued, operators: [operator('ann', { name: 'Anna' })] });
    await acceptChat(h.deps, operatorCaller('ann'), { action: 'accept', chatId: 'c1' });
    expect(h.appended[0]).toEqual({
      text: 'Anna dołącza do czatu',
      from: { kind: 'system', id: 'system', name: 'Parley' },
    });
  });

  it('records the visitor’s page language on a new chat', async () => {
    const h = harness({ operators: [operator('ann')], visitor: visitorRecord({ lang: 'pl-PL' }) });
    await requestChat(h.deps, visitorCaller, request());
    expect(h.created[0]!.lang).toBe('pl-PL');
  });

  it('sends the default invitation in the visitor’s language, an admin’s own text as written', async () => {
    const h = harness({ operators: [operator('ann', { name: 'Anna' })], visitor: visitorRecord({ lang: 'pl' }) });
    await inviteVisitor(h.deps, operatorCaller('ann'), { action: 'invite', visitorId: 'V1' });
    const inv = h.sent.find((s) => s.frame.type === 'invitation')!.frame as Extract<
      ServerEvent,
      { type: 'invitation' }
    >;
    expect(inv.text).toBe(SERVER_TEXTS.pl.invitationText.replace('%name%', 'Anna'));

    forgetSiteSettings('demo');
    const own = harness({
      operators: [operator('ann', { name: 'Anna' })],
      visitor: visitorRecord({ lang: 'pl' }),
      settings: { console: { invitationText: 'Hi from %name%' } },
    });
    await inviteVisitor(own.deps, operatorCaller('ann'), { action: 'invite', visitorId: 'V1' });
    const mine = own.sent.find((s) => s.frame.type === 'invitation')!.frame as Extract<
      ServerEvent,
      { type: 'invitation' }
    >;
    expect(mine.text).toBe('Hi from Anna');
  });

  it('writes the transcript mail in Polish with the site’s name, escaped', () => {
    const chat = { chatId: 'c1', visitorName: 'Mia <b>', createdAt: Date.UTC(2026, 10, 22) } as ChatRecord;
    const messages = [
      { seq: 1, id: 'm1', at: chat.createdAt, from: { kind: 'visitor', id: 'V1', name: 'Mia' }, text: 'Cześć' },
    ] as ChatMessage[];
    const mail = renderTranscript(chat, messages, 'Sklep <Ania>', textsFor('pl'));
    expect(mail.subject).toBe('Twoja rozmowa z Sklep <Ania> z dnia 2026-11-22');
    expect(mail.text).toContain('Zapis rozmowy (Mia <b>)');
    expect(mail.html).toContain('Zapis rozmowy');
    expect(mail.html).toContain('Sklep &lt;Ania&gt;');
    expect(mail.html).not.toContain('<Ania>');
  });

  it('writes the offline reply in the visitor’s language', () => {
    const m = { name: 'Mia', text: 'Czy wysyłacie?', createdAt: Date.UTC(2026, 10, 22, 9, 30) } as OfflineMessageRecord;
    const mail = renderOfflineReply(m, { text: 'Tak.', by: { id: 'ann', name: 'Anna' } }, 'Sklep', textsFor('', 'pl'));
    expect(mail.subject).toBe('Re: Twoja wiadomość do Sklep');
    expect(mail.text).toContain('Mia napisał(a) 2026-11-22 09:30 UTC:');
    expect(mail.text).toContain('— Anna, Sklep');
  });
});

describe('the site’s name in e-mails (gap 6)', () => {
  const ses = mockClient(SESv2Client);
  afterEach(() => {
    ses.reset();
    setSesClient(undefined);
  });

  it('defaults to the site id, trims the setting', () => {
    expect(siteNameOf({ console: { ...DEFAULT_CONSOLE_SETTINGS } }, 'demo')).toBe('demo');
    expect(siteNameOf({ console: { ...DEFAULT_CONSOLE_SETTINGS, siteName: '  Acme  ' } }, 'demo')).toBe('Acme');
    expect(siteNameOf({ console: { ...DEFAULT_CONSOLE_SETTINGS } }, '')).toBe('Parley');
  });

  it('mails the transcript with the site name in the subject and as the sender’s display name', async () => {
    const chat = {
      chatId: 'c1',
      siteId: 'demo',
      visitorName: 'Mia',
      createdAt: Date.UTC(2026, 10, 22),
      lang: 'en-GB',
    } as ChatRecord;
    const h = harness({ chat, settings: { console: { siteName: 'Acme Shoes' } } });
    (h.deps.store as unknown as { messagesAfter: unknown }).messagesAfter = vi.fn(async () => []);
    const mailer = { send: vi.fn(async () => undefined) };
    await sendTranscript(h.deps, mailer, { chatId: 'c1', email: 'mia@example.com' });
    expect(mailer.send).toHaveBeenCalledWith(
      expect.objectContaining({ subject: 'Your chat with Acme Shoes on 2026-11-22', fromName: 'Acme Shoes' }),
    );
  });

  it('puts the display name in the SES From header, encoded when it is not ASCII', async () => {
    expect(withDisplayName('Acme "Shoes"', 'chat@acme.test')).toBe('"Acme \\"Shoes\\"" <chat@acme.test>');
    expect(withDisplayName('Acme', 'Parley <chat@acme.test>')).toBe('"Acme" <chat@acme.test>');
    expect(withDisplayName('Sklep Łódź', 'chat@acme.test')).toBe(
      `=?UTF-8?B?${Buffer.from('Sklep Łódź').toString('base64')}?= <chat@acme.test>`,
    );
    ses.on(SendEmailCommand).resolves({ MessageId: 'm1' });
    setSesClient(new SESv2Client({ region: 'eu-west-1' }));
    await createSesMailer('chat@acme.test').send({
      to: 'a@b.test',
      subject: 's',
      text: 't',
      html: 'h',
      fromName: 'Acme',
    });
    expect(ses.commandCalls(SendEmailCommand)[0]!.args[0].input.FromEmailAddress).toBe('"Acme" <chat@acme.test>');
  });

  it('validates the setting and keeps omitted fields (older consoles) as they were', async () => {
    const base = { ...DEFAULT_CONSOLE_SETTINGS };
    delete (base as Partial<typeof base>).siteName;
    delete (base as Partial<typeof base>).typingPreview;
    expect(settingsSchema.safeParse({ ...base, siteName: '   ' }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, siteName: 'x'.repeat(81) }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, siteName: 'Acme\nBcc: x' }).success).toBe(false);
    expect(settingsSchema.safeParse({ ...base, siteName: 'Acme', typingPreview: true }).success).toBe(true);

    let saved: Record<string, unknown> = { siteName: 'Acme', typingPreview: true };
    const h = harness({
      store: {
        getSettings: vi.fn(async () => ({ console: saved })),
        putConsoleSettings: vi.fn(async (_s: string, c: Record<string, unknown>) => {
          saved = c;
        }),
        putWidgetSettings: vi.fn(async () => undefined),
      } as unknown as Partial<Store>,
    });
    const view = await updateSettings(h.deps, { role: 'admin', siteId: 'demo' }, settingsSchema.parse(base));
    expect(view).toMatchObject({ siteName: 'Acme', typingPreview: true });
    const renamed = await updateSettings(
      h.deps,
      { role: 'admin', siteId: 'demo' },
      settingsSchema.parse({ ...base, siteName: ' Acme Shoes ', typingPreview: false }),
    );
    expect(renamed).toMatchObject({ siteName: 'Acme Shoes', typingPreview: false });
  });
});

describe('an operator’s own display name (gap 7)', () => {
  it('validates the name and stores it with the preferences; colleagues hear of it', async () => {
    expect(preferencesSchema.safeParse({ newVisitorSound: true, name: '' }).success).toBe(false);
    expect(preferencesSchema.safeParse({ newVisitorSound: true, name: 'x'.repeat(81) }).success).toBe(false);
    expect(preferencesSchema.safeParse({ newVisitorSound: true, name: 'Ann\u0007' }).success).toBe(false);
    expect(preferencesSchema.safeParse({ newVisitorSound: true }).success).toBe(true);

    const me = operator('ann', { name: 'Ann' });
    const set = vi.fn(async (_id: string, preferences: { newVisitorSound: boolean }, name?: string) => ({
      ...me,
      preferences,
      ...(name ? { name } : {}),
    }));
    const h = harness({
      operators: [me],
      store: {
        setOperatorPreferences: set,
        operatorConnections: vi.fn(async () => [
          { connectionId: 'conn-bob', role: 'operator' as const, siteId: 'demo', operatorId: 'bob', connectedAt: 1 },
        ]),
      } as Partial<Store>,
    });
    const profile = await updatePreferences(
      h.deps,
      me,
      preferencesSchema.parse({ newVisitorSound: false, name: '  Anna   Nowak ' }),
    );
    expect(set).toHaveBeenCalledWith('ann', { newVisitorSound: false }, 'Anna Nowak');
    expect(profile.name).toBe('Anna Nowak');
    expect(h.sent.some((s) => s.to.includes('conn-bob') && s.frame.type === 'operators')).toBe(true);

    // The same name again (or none) changes only the preferences.
    await updatePreferences(h.deps, me, { newVisitorSound: true, name: 'Ann' });
    expect(set).toHaveBeenLastCalledWith('ann', { newVisitorSound: true }, undefined);
  });
});
