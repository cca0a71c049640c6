/**
 * The widget's languages, its leave-a-message form logic, the appearance settings' validation and
 * the embed screen's snippet: the parts of issue 6 that need no browser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkAppearance, embedSnippet } from '../../console-web/embed.js';
import { DEFAULT_WIDGET_SETTINGS } from '../../functions/core/settings.js';
import type { ChatSummary, ServerEvent } from '../../functions/protocol/events.js';
import { settingsSchema, WIDGET_LANGUAGES, widgetSettingsSchema } from '../../functions/protocol/schemas.js';
import type { VisitorFrame } from '../../widget/core/frames.js';
import { BUTTON_LABELS, LABELS, type Labels, pickLabels, pickLang } from '../../widget/i18n.js';
import { LeaveMessage, validateLeaveMessage } from '../../widget/leave-message.js';
import { ROOT } from '../e2e/support/browser.js';

/** Every label of a language, functions called with sample values, flattened to strings. */
function strings(l: Labels): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (o: object, prefix: string) => {
    for (const [k, v] of Object.entries(o)) {
      if (typeof v === 'string') out[prefix + k] = v;
      else if (typeof v === 'function') out[prefix + k] = String(v(k === 'chattingWith' ? ['Ala', 'Ola'] : 2));
      else walk(v as object, `${prefix + k}.`);
    }
  };
  walk(l, '');
  return out;
}

describe('widget languages', () => {
  it('has English and Polish, and the settings accept exactly the languages the widget speaks', () => {
    expect(Object.keys(LABELS).sort()).toEqual(['en', 'pl']);
    expect([...WIDGET_LANGUAGES].sort()).toEqual(Object.keys(LABELS).sort());
    expect(Object.keys(BUTTON_LABELS).sort()).toEqual(Object.keys(LABELS).sort());
  });

  it('translates every label into Polish: same keys, none empty, none left in English', () => {
    const en = strings(LABELS.en!);
    const pl = strings(LABELS.pl!);
    expect(Object.keys(pl).sort()).toEqual(Object.keys(en).sort());
    const same = Object.keys(en).filter((k) => en[k] === pl[k] && !/^\W*$/.test(en[k]!));
    // Words that are the same in both languages are allowed; whole English sentences are not.
    expect(same.filter((k) => en[k]!.split(' ').length > 2)).toEqual([]);
    for (const [k, v] of Object.entries(pl)) expect(v.trim(), k).not.toBe('');
  });

  it('the loader’s button words are the same objects’ words (one place per language)', () => {
    for (const lang of Object.keys(LABELS)) {
      const b = BUTTON_LABELS[lang]!;
      const l = LABELS[lang]!;
      expect([l.liveHelp, l.offlineButton, l.unread(3)]).toEqual([b.liveHelp, b.offlineButton, b.unread(3)]);
    }
    expect(LABELS.en!.offlineButton).toBe('Operator unavailable. Leave a message');
    expect(LABELS.pl!.offlineButton).toBe('Konsultant niedostępny. Zostaw wiadomość');
  });

  it('picks the first language it speaks: settings, then data-lang, then <html lang>, then the browser', () => {
    expect(pickLang('', 'pl', 'en-GB', 'en-US')).toBe('pl');
    expect(pickLang('en', 'pl', 'pl-PL')).toBe('en');
    expect(pickLang('', '', 'pl-PL', 'en')).toBe('pl');
    expect(pickLang(undefined, '', 'de-DE', 'PL')).toBe('pl');
    expect(pickLang('de', 'fr')).toBe('en');
    // Not fooled by names every object has.
    expect(pickLang('constructor', '__proto__', 'toString')).toBe('en');
    expect(pickLabels('pl').send).toBe('Wyślij');
  });

  it('has no visitor-facing English hard-coded in the widget’s components (labels come from i18n.ts)', () => {
    const dir = join(ROOT, 'widget');
    const offenders: string[] = [];
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.tsx'))) {
      const src = readFileSync(join(dir, f), 'utf8');
      // JSX text between tags, and aria-label/title/placeholder given as string literals.
      for (const m of src.matchAll(/>\s*([A-Za-z][A-Za-z ,.'!?]{3,})\s*</g)) offenders.push(`${f}: ${m[1]}`);
      for (const m of src.matchAll(/\b(aria-label|title|placeholder)="([^"]+)"/g)) offenders.push(`${f}: ${m[2]}`);
    }
    expect(offenders).toEqual([]);
  });
});

function fakeHost(lang = 'en') {
  const sent: (VisitorFrame & { reqId: string })[] = [];
  let connected = true;
  let n = 0;
  return {
    host: {
      labels: pickLabels(lang),
      send(frame: VisitorFrame) {
        if (!connected) return undefined;
        const reqId = String(++n);
        sent.push({ ...frame, reqId });
        return reqId;
      },
    },
    sent,
    setConnected: (c: boolean) => {
      connected = c;
    },
  };
}

const queued = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Ola',
  status: 'queued',
  operators: [],
  createdAt: 1,
  lastSeq: 0,
  ...over,
});

describe('the leave-a-message form', () => {
  const good = { name: ' Ola ', email: ' ola@example.com ', text: ' Do you ship to Norway? ' };

  it('names every missing or wrong field in the visitor’s language, and sends nothing', () => {
    const { host, sent } = fakeHost('pl');
    const lm = new LeaveMessage(host);
    expect(lm.submit({ name: ' ', email: 'nope', text: '' })).toEqual({
      name: 'Podaj swoje imię.',
      email: 'Podaj poprawny adres e-mail.',
      text: 'Napisz wiadomość.',
    });
    expect(validateLeaveMessage({ ...good, email: 'a@b' }, pickLabels('en'))).toEqual({
      email: 'Please enter a valid e-mail address.',
    });
    expect(sent).toEqual([]);
    expect(lm.state.phase).toBe('edit');
  });

  it('sends one trimmed leave-message frame, and is sent when the server acknowledges it', () => {
    const { host, sent } = fakeHost();
    const lm = new LeaveMessage(host);
    lm.handle({
      type: 'welcome',
      role: 'visitor',
      visitorId: 'v1',
      visitorToken: 't',
      returning: false,
      operatorsOnline: 0,
      widget: DEFAULT_WIDGET_SETTINGS,
      chatBlocked: false,
      departments: ['Sales', 'Support'],
    });
    expect(lm.state.departments).toEqual(['Sales', 'Support']);
    expect(lm.submit({ ...good, department: 'Sales' })).toEqual({});
    expect(sent).toHaveLength(1);
    const frame = sent[0]!;
    expect(frame).toMatchObject({
      action: 'leave-message',
      name: 'Ola',
      email: 'ola@example.com',
      text: 'Do you ship to Norway?',
      department: 'Sales',
    });
    expect(lm.state.phase).toBe('sending');
    // A second click while sending sends nothing more.
    lm.submit(good);
    expect(sent).toHaveLength(1);
    lm.handle({ type: 'ack', action: 'other', reqId: 'x' });
    expect(lm.state.phase).toBe('sending');
    lm.handle({ type: 'ack', action: 'leave-message', reqId: frame.reqId });
    expect(lm.state).toMatchObject({ phase: 'sent', sentTo: 'ola@example.com' });
    // The next message gets a fresh clientMsgId (a retry of the same one keeps it).
    lm.again();
    lm.submit(good);
    expect(sent[1]!.action === 'leave-message' && sent[1]!.clientMsgId).not.toBe(
      frame.action === 'leave-message' && frame.clientMsgId,
    );
  });

  it('retries with the same clientMsgId after the socket dropped, and shows the server’s refusal', () => {
    const { host, sent } = fakeHost();
    const lm = new LeaveMessage(host);
    lm.submit(good);
    lm.handle({ type: 'close' });
    expect(lm.state).toMatchObject({ phase: 'edit', failure: pickLabels('en').reconnecting });
    lm.submit(good);
    const [a, b] = sent;
    expect(a!.action === 'leave-message' && b!.action === 'leave-message' && a!.clientMsgId === b!.clientMsgId).toBe(
      true,
    );
    lm.handle({ type: 'error', code: 'rate-limited', message: 'slow down', reqId: b!.reqId });
    expect(lm.state).toMatchObject({ phase: 'edit', failure: pickLabels('en').errors.rateLimited });
  });

  it('says so when the socket is down instead of pretending to send', () => {
    const { host, sent, setConnected } = fakeHost();
    setConnected(false);
    const lm = new LeaveMessage(host);
    lm.submit(good);
    expect(sent).toEqual([]);
    expect(lm.state).toMatchObject({ phase: 'edit', failure: pickLabels('en').reconnecting });
  });

  it('offers the form when the server’s queue-timeout hint runs out, and forgets it once the chat is no longer queued', () => {
    const { host } = fakeHost();
    const lm = new LeaveMessage(host);
    const before = Date.now();
    lm.handle({ type: 'chat-update', chat: queued({ offerMessageInMs: 90_000 }) });
    expect(lm.state.offerAt).toBeGreaterThanOrEqual(before + 90_000);
    expect(lm.state.offerAt).toBeLessThanOrEqual(Date.now() + 90_000);
    // A later frame without the hint keeps it; one with 0 means now.
    lm.handle({ type: 'chat-update', chat: queued({ queuePosition: 2 }) });
    expect(lm.state.offerAt).toBeGreaterThanOrEqual(before + 90_000);
    lm.handle({ type: 'chat-update', chat: queued({ offerMessageInMs: 0 }) });
    expect(lm.state.offerAt).toBeLessThanOrEqual(Date.now());
    lm.handle({ type: 'chat-update', chat: queued({ status: 'active' }) });
    expect(lm.state.offerAt).toBeUndefined();
  });
});

describe('widget appearance settings', () => {
  const valid = { ...DEFAULT_WIDGET_SETTINGS, color: '#BE123C', lang: 'pl', buttonText: 'Napisz do nas' };

  it('accepts hex colours, short texts, four corners and the widget’s languages', () => {
    expect(widgetSettingsSchema.safeParse(valid).success).toBe(true);
    for (const position of ['left', 'right'] as const)
      for (const vertical of ['top', 'bottom'] as const)
        expect(widgetSettingsSchema.safeParse({ ...valid, position, vertical }).success).toBe(true);
    expect(widgetSettingsSchema.safeParse({ ...valid, greeting: 'Cześć!\nW czym pomóc?' }).success).toBe(true);
  });

  it.each([
    ['a colour name', { color: 'red' }],
    ['a CSS expression', { color: 'url(javascript:alert(1))' }],
    ['a short hex', { textColor: '#fff' }],
    ['a language it does not speak', { lang: 'de' }],
    ['a long button text', { buttonText: 'x'.repeat(41) }],
    ['a button text with a newline', { buttonText: 'two\nlines' }],
    ['a long greeting', { greeting: 'x'.repeat(301) }],
    ['a control character', { greeting: 'bell\u0007' }],
    ['a centre position', { position: 'center' }],
  ])('refuses %s', (_name, patch) => {
    expect(widgetSettingsSchema.safeParse({ ...valid, ...patch }).success).toBe(false);
  });

  it('is optional in PUT /api/settings, and checked when present', () => {
    const consoleSettings = {
      maxChatsPerOperator: 3,
      dropAssignmentOnEnd: false,
      queueTimeoutMs: 120_000,
      acceptGreeting: '',
      operatorGraceMs: 60_000,
      invitationText: 'Hello from %name%',
      departedGraceMs: 30_000,
      departedVisibleMs: 1_800_000,
      truncateIp: false,
      retentionDays: 90,
    };
    expect(settingsSchema.safeParse(consoleSettings).success).toBe(true);
    expect(settingsSchema.safeParse({ ...consoleSettings, widget: valid }).success).toBe(true);
    expect(settingsSchema.safeParse({ ...consoleSettings, widget: { ...valid, color: 'blue' } }).success).toBe(false);
  });

  it('defaults follow the page (language and texts empty) in Parley blue on the bottom right', () => {
    expect(DEFAULT_WIDGET_SETTINGS).toEqual({
      greeting: '',
      color: '#2563eb',
      textColor: '#ffffff',
      buttonText: '',
      position: 'right',
      vertical: 'bottom',
      lang: '',
    });
    expect(widgetSettingsSchema.safeParse(DEFAULT_WIDGET_SETTINGS).success).toBe(true);
  });
});

describe('the embed snippet', () => {
  it('is one async script tag with the site id, attribute values escaped', () => {
    expect(embedSnippet('https://chat.example.com/widget/parley.js', 'demo')).toBe(
      '<script async src="https://chat.example.com/widget/parley.js" data-site="demo"></script>',
    );
    expect(embedSnippet('https://x/widget/parley.js', 'a"><img src=x onerror=alert(1)>')).toBe(
      '<script async src="https://x/widget/parley.js" data-site="a&quot;>&lt;img src=x onerror=alert(1)>"></script>',
    );
  });

  it('checks the appearance before saving, with the server’s rules', () => {
    const ok = { ...DEFAULT_WIDGET_SETTINGS };
    expect(checkAppearance(ok)).toBeUndefined();
    expect(checkAppearance({ ...ok, color: '#12345' })).toMatch(/button colour/);
    expect(checkAppearance({ ...ok, textColor: 'white' })).toMatch(/text colour/);
    expect(checkAppearance({ ...ok, buttonText: 'x'.repeat(41) })).toMatch(/40/);
    expect(checkAppearance({ ...ok, buttonText: 'a\nb' })).toMatch(/one line/);
  });
});

// Type-level: frames the form reacts to are real server events.
const _events: ServerEvent[] = [{ type: 'ack', action: 'leave-message' }];
void _events;
