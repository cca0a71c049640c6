/**
 * Seed-audit gaps through the local stack, over real sockets and HTTP: a chat request nobody can
 * take (answered at once, the chat kept for a late operator), departments visitors may choose
 * (never a silent one), typing previews only where the site allows them, server texts in the
 * visitor's language with the site's name in e-mails, and an operator's own display name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SERVER_TEXTS } from '../../functions/core/texts.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
type Session = { ws: WsClient; idToken: string; welcome: Frame };
type Mail = { from?: string; destination: { to: string[] }; subject: string; body: { text?: string; html?: string } };

const SAM = { email: 'sam.sales@parley.local', password: 'Sales-op-2026!', name: 'Sam Sales' };
const HUSH = { email: 'hush@parley.local', password: 'Silent-op-2026!', name: 'Hush Backoffice' };

let stack: LocalStack;
let admin: Session;
let defaults: Record<string, unknown>;
let visitorIp = 20;

const visitor = (extra: Record<string, unknown> = {}) =>
  visitorPage(stack, { headers: { 'x-forwarded-for': `198.51.100.${visitorIp++}` }, extra });
const settings = (extra: Record<string, unknown>) =>
  api(stack, admin.idToken, 'PUT', '/api/settings', { ...defaults, ...extra });
const chatOf = (f: Frame) => f.chat as Record<string, unknown> & { chatId: string; offeredTo?: string[] };

async function mailTo(address: string, subject: RegExp): Promise<Mail> {
  for (let i = 0; i < 80; i++) {
    const { emails } = (await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: Mail[] };
    const mail = emails.find((e) => e.destination.to.includes(address) && subject.test(e.subject));
    if (mail) return mail;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no mail to ${address} matching ${subject}`);
}

/** The welcome's operator count and departments are cached a few seconds per instance. */
async function welcomeUntil(ok: (w: Frame) => boolean): Promise<{ ws: WsClient; welcome: Frame }> {
  let page = await visitor();
  for (let i = 0; i < 60 && !ok(page.welcome); i++) {
    await page.ws.close();
    await new Promise((r) => setTimeout(r, 200));
    page = await visitor();
  }
  expect(ok(page.welcome)).toBe(true);
  return page;
}

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  await stack.createOperator(SAM);
  await stack.createOperator(HUSH);
  // The admin's console is open but away: nobody can take a chat.
  admin = (await operatorSession(stack, stack.demoOperator, { online: false })) as Session;
  defaults = (await api(stack, admin.idToken, 'GET', '/api/settings')).body;
}, 60_000);

afterAll(async () => {
  await stack?.stop();
});

describe('a chat request nobody can take', () => {
  it('is answered at once with operatorsOnline 0 and the form due now; a late operator is still offered it', async () => {
    const page = await visitor();
    const reply = await page.ws.request({ action: 'chat-request', name: 'Early Eve' });
    expect(reply.type).toBe('chat-update');
    expect(reply.operatorsOnline).toBe(0);
    expect(chatOf(reply)).toMatchObject({ status: 'queued', offerMessageInMs: 0 });
    const chatId = chatOf(reply).chatId;

    // The chat stays queued: the operator who comes online is offered it.
    const from = admin.ws.frames.length;
    await admin.ws.request({ action: 'set-status', status: 'online' });
    const offered = await admin.ws.next(
      (f) => f.type === 'chat-update' && chatOf(f).chatId === chatId && (chatOf(f).offeredTo ?? []).length > 0,
      5000,
      from,
    );
    expect(chatOf(offered).status).toBe('queued');

    // With someone available, the answer carries the count and the usual queue timeout.
    const other = await visitor();
    const answer = await other.ws.request({ action: 'chat-request', name: 'Later Leo' });
    expect(answer.operatorsOnline).toBe(1);
    const due = chatOf(answer).offerMessageInMs as number;
    expect(due).toBeLessThanOrEqual(defaults.queueTimeoutMs as number);
    expect(due).toBeGreaterThan((defaults.queueTimeoutMs as number) - 5000);
    for (const p of [page, other]) {
      const open = p === page ? chatId : chatOf(answer).chatId;
      await p.ws.request({ action: 'end-chat', chatId: open });
      await p.ws.close();
    }
    await admin.ws.request({ action: 'set-status', status: 'away' });
  });
});

describe('departments visitors may choose', () => {
  it('lists and accepts only non-silent departments, for leave-message and chat-request alike', async () => {
    const ops = (await api<{ id: string; email: string }[]>(stack, admin.idToken, 'GET', '/api/operators')).body;
    const id = (email: string) => ops.find((o) => o.email === email)!.id;
    expect((await api(stack, admin.idToken, 'POST', '/api/departments', { name: 'Sales' })).status).toBe(201);
    expect((await api(stack, admin.idToken, 'POST', '/api/departments', { name: 'Support' })).status).toBe(201);
    expect(
      (await api(stack, admin.idToken, 'POST', '/api/departments', { name: 'Back office', silent: true })).status,
    ).toBe(201);
    const assign = async (email: string, departments: string[]) =>
      expect((await api(stack, admin.idToken, 'PUT', `/api/operators/${id(email)}`, { departments })).status).toBe(200);
    await assign(SAM.email, ['Sales']);
    await assign(stack.demoOperator.email, ['Support']);
    await assign(HUSH.email, ['Back office']);

    const page = await welcomeUntil((w) => Array.isArray(w.departments));
    expect(page.welcome.departments).toEqual(['Sales', 'Support']);

    const message = { action: 'leave-message', name: 'Dora', email: 'dora@example.com', text: 'A question' };
    const silent = await page.ws.request({ ...message, department: 'Back office' });
    expect(silent).toMatchObject({ type: 'error', code: 'bad-request' });
    expect(String(silent.message)).toMatch(/department/);
    const refused = await page.ws.request({ action: 'chat-request', name: 'Dora', department: 'Back office' });
    expect(refused).toMatchObject({ type: 'error', code: 'bad-request' });
    expect(await page.ws.request({ action: 'chat-request', name: 'Dora', department: 'Nope' })).toMatchObject({
      type: 'error',
    });

    // A public department routes: Sam of Sales is offered it, once online.
    const sam = (await operatorSession(stack, SAM)) as Session;
    const asked = await page.ws.request({ action: 'chat-request', name: 'Dora', department: 'Sales' });
    expect(chatOf(asked)).toMatchObject({ status: 'queued', department: 'Sales', offeredTo: [id(SAM.email)] });
    await page.ws.request({ action: 'end-chat', chatId: chatOf(asked).chatId });
    expect(await page.ws.request({ ...message, department: 'Sales' })).toMatchObject({
      type: 'ack',
      action: 'leave-message',
    });
    await page.ws.close();
    await sam.ws.request({ action: 'set-status', status: 'away' });
    await sam.ws.close();
  }, 30_000);
});

describe('typing previews, server texts and the site’s name', () => {
  it('strips previews unless allowed; speaks Polish to a Polish visitor; signs mails with the site name', async () => {
    await admin.ws.request({ action: 'set-status', status: 'online' });
    expect((await settings({ siteName: 'Sklep Ani' })).body).toMatchObject({
      siteName: 'Sklep Ani',
      typingPreview: false,
    });
    const page = await visitor({ lang: 'pl-PL' });
    const asked = await page.ws.request({ action: 'chat-request', name: 'Ola' });
    const chatId = chatOf(asked).chatId;
    await admin.ws.request({ action: 'accept', chatId });
    const joined = await page.ws.next((f) => f.type === 'message' && (f.from as { kind: string }).kind === 'system');
    expect(joined.text).toBe(SERVER_TEXTS.pl.joined(String((admin.welcome.operator as { name: string }).name)));

    // Off by default: the operator sees that the visitor types, not what.
    let from = admin.ws.frames.length;
    page.ws.send({ action: 'typing', chatId, typing: true, preview: 'secret draft' });
    const hidden = await admin.ws.next((f) => f.type === 'typing' && f.chatId === chatId, 5000, from);
    expect(hidden.typing).toBe(true);
    expect(hidden).not.toHaveProperty('preview');
    expect((await settings({ siteName: 'Sklep Ani', typingPreview: true })).body).toMatchObject({
      typingPreview: true,
    });
    from = admin.ws.frames.length;
    page.ws.send({ action: 'typing', chatId, typing: true, preview: 'now visible' });
    const shown = await admin.ws.next((f) => f.type === 'typing' && f.chatId === chatId, 5000, from);
    expect(shown.preview).toBe('now visible');

    await admin.ws.request({ action: 'end-chat', chatId });
    expect(await page.ws.request({ action: 'transcript', chatId, email: 'ola@example.com' })).toMatchObject({
      type: 'ack',
    });
    const mail = await mailTo('ola@example.com', /Sklep Ani/);
    expect(mail.subject).toMatch(/^Twoja rozmowa z Sklep Ani z dnia \d{4}-\d{2}-\d{2}$/);
    expect(mail.body.text).toContain('Zapis rozmowy (Ola)');
    expect(mail.body.text).toContain('— Sklep Ani');
    // The sender's display name (non-ASCII would be encoded; this one is plain).
    expect(mail.from).toMatch(/^"Sklep Ani" </);
    await page.ws.close();

    // Bad names are refused with a reason, and nothing changes.
    for (const siteName of ['   ', 'x'.repeat(81), 'Evil\r\nBcc: a@b.c']) {
      const res = await settings({ siteName });
      expect(res.status).toBe(400);
    }
    expect((await api(stack, admin.idToken, 'GET', '/api/settings')).body.siteName).toBe('Sklep Ani');
    // '' goes back to the default: the site id.
    const reset = await settings({ siteName: '', typingPreview: false });
    expect(reset.status).toBe(200);
    expect(reset.body.siteName).toBe('');
  }, 30_000);
});

describe('an operator’s own display name', () => {
  it('is changed through PUT /api/me/preferences, validated, and used for %name%', async () => {
    const bad = await api(stack, admin.idToken, 'PUT', '/api/me/preferences', { newVisitorSound: true, name: ' ' });
    expect(bad.status).toBe(400);
    const res = await api<{ name: string }>(stack, admin.idToken, 'PUT', '/api/me/preferences', {
      newVisitorSound: true,
      name: 'Dana Nowak',
    });
    expect(res.status).toBe(200);
    expect(res.body.name).toBe('Dana Nowak');
    expect((await api<{ name: string }>(stack, admin.idToken, 'GET', '/api/me')).body.name).toBe('Dana Nowak');

    // The default invitation names the operator as they now call themselves.
    const page = await visitor();
    await admin.ws.request({ action: 'invite', visitorId: page.welcome.visitorId });
    const invitation = await page.ws.next((f) => f.type === 'invitation');
    expect(invitation.operatorName).toBe('Dana Nowak');
    expect(invitation.text).toContain('Dana Nowak');
    await page.ws.close();
  }, 30_000);
});
