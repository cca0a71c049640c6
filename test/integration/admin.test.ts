/**
 * Operator and department administration through the local stack: create (Cognito user + Parley
 * record), edit, disable (at once: sockets closed, `$connect` refused, HTTP 403, chats moved on),
 * the last-admin guard, departments with the silent flag, and admins-only checks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, signIn, visitorPage, WsClient, wsTicket } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
type Op = Record<string, unknown> & { id: string; disabled: boolean; role: string; departments: string[] };

let stack: LocalStack;
let admin: string;
const SAM = { email: 'sam.admin-test@parley.local', password: 'Second-op-2026!', name: 'Sam Second' };
const OLA = { email: 'ola.admin-test@parley.local', password: 'Third-op-2026!', name: 'Ola Third' };
let samId: string;

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  samId = await stack.createOperator(SAM);
  await stack.createOperator(OLA);
  admin = await signIn(stack, stack.demoOperator.email, stack.demoOperator.password);
}, 60_000);
afterAll(async () => stack?.stop());

const operators = async () => (await api<Op[]>(stack, admin, 'GET', '/api/operators?all=1')).body;

describe('operator administration', () => {
  it('creates an operator: a Cognito user with the invitation, and a Parley record with role, departments, limit', async () => {
    await api(stack, admin, 'POST', '/api/departments', { name: 'Sales' });
    const res = await api<Op>(stack, admin, 'POST', '/api/operators', {
      email: 'New.Person@Parley.local',
      name: 'New Person',
      role: 'operator',
      departments: ['sales'],
      maxChats: 4,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      email: 'new.person@parley.local',
      role: 'operator',
      departments: ['Sales'],
      maxChats: 4,
      disabled: false,
    });
    expect((await operators()).map((o) => o.email)).toContain('new.person@parley.local');
    // The same address again is a conflict, not a second account.
    const again = await api(stack, admin, 'POST', '/api/operators', {
      email: 'new.person@parley.local',
      name: 'X',
      role: 'operator',
    });
    expect(again.status).toBe(409);
    // Unknown departments and bad input are refused with a reason.
    const bad = await api<{ error: { code: string } }>(stack, admin, 'POST', '/api/operators', {
      email: 'z@parley.local',
      name: 'Z',
      role: 'operator',
      departments: ['Nope'],
    });
    expect(bad.status).toBe(400);
    expect(
      (await api(stack, admin, 'POST', '/api/operators', { email: 'not-an-email', name: 'Z', role: 'operator' }))
        .status,
    ).toBe(400);
  });

  it('edits name, role, departments and limit; clearing the limit falls back to the site', async () => {
    const res = await api<Op>(stack, admin, 'PUT', `/api/operators/${samId}`, {
      name: 'Sam S.',
      maxChats: 2,
      departments: ['Sales'],
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Sam S.', maxChats: 2, departments: ['Sales'] });
    const cleared = await api<Op>(stack, admin, 'PUT', `/api/operators/${samId}`, { maxChats: null, departments: [] });
    expect(cleared.body.maxChats).toBeUndefined();
    expect(cleared.body.departments).toEqual([]);
  });

  it('refuses every admin action to a plain operator (403) and shows them no disabled flags', async () => {
    const sam = await signIn(stack, SAM.email, SAM.password);
    for (const [method, path, body] of [
      ['POST', '/api/operators', { email: 'x@parley.local', name: 'X', role: 'admin' }],
      ['PUT', `/api/operators/${samId}`, { role: 'admin' }],
      ['POST', `/api/operators/${samId}/disable`, undefined],
      ['POST', '/api/departments', { name: 'Mine' }],
    ] as const) {
      const res = await api<{ error: { code: string } }>(stack, sam, method, path, body);
      expect(res.status, `${method} ${path}`).toBe(403);
      expect(res.body.error.code).toBe('forbidden');
    }
    const seen = (await api<Op[]>(stack, sam, 'GET', '/api/operators?all=1')).body;
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((o) => !('disabled' in o))).toBe(true);
    expect((await operators()).find((o) => o.id === samId)!.role).toBe('operator');
  });

  it('never leaves the site without an enabled admin', async () => {
    const me = (await operators()).find((o) => o.email === stack.demoOperator.email)!;
    const demote = await api<{ error: { code: string; message: string } }>(
      stack,
      admin,
      'PUT',
      `/api/operators/${me.id}`,
      { role: 'operator' },
    );
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toMatch(/last enabled admin/);
    expect((await api(stack, admin, 'POST', `/api/operators/${me.id}/disable`)).status).toBe(409);
    // With a second admin, the first may step down, and back up.
    const ola = (await operators()).find((o) => o.email === OLA.email)!;
    expect((await api(stack, admin, 'PUT', `/api/operators/${ola.id}`, { role: 'admin' })).status).toBe(200);
    const olaToken = await signIn(stack, OLA.email, OLA.password);
    expect((await api(stack, admin, 'PUT', `/api/operators/${me.id}`, { role: 'operator' })).status).toBe(200);
    expect((await api(stack, olaToken, 'PUT', `/api/operators/${me.id}`, { role: 'admin' })).status).toBe(200);
    expect((await api(stack, admin, 'PUT', `/api/operators/${ola.id}`, { role: 'operator' })).status).toBe(200);
  });

  it('disabling takes effect at once: open console closed, chat requeued, HTTP 403, a new $connect refused; enabling restores', async () => {
    const sam = await operatorSession(stack, SAM);
    const spareTicket = await wsTicket(stack, sam.idToken);
    const page = await visitorPage(stack, { title: 'Disable test' });
    const queued = await page.ws.request({ action: 'chat-request', name: 'Vera' });
    const chatId = (queued.chat as { chatId: string }).chatId;
    await sam.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId);
    const accepted = await sam.ws.request({ action: 'accept', chatId });
    expect(accepted.type).not.toBe('error');

    const res = await api<Op>(stack, admin, 'POST', `/api/operators/${samId}/disable`);
    expect(res.status).toBe(200);
    expect(res.body.disabled).toBe(true);

    // The open socket is closed by the management API.
    const deadline = Date.now() + 3000;
    while (!sam.ws.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
    expect(sam.ws.closed).toBe(true);
    // The visitor's chat went back to the queue, and the visitor was told.
    const update = await page.ws.next(
      (f: Frame) => f.type === 'chat-update' && (f.chat as { status: string }).status === 'queued',
    );
    expect((update.chat as { operators: unknown[] }).operators).toEqual([]);
    await page.ws.next((f: Frame) => f.type === 'message' && String(f.text).includes('no longer available'));
    // HTTP API: 403 for the very next request, with a still valid token.
    const me = await api<{ error: { code: string } }>(stack, sam.idToken, 'GET', '/api/me');
    expect(me.status).toBe(403);
    // A ticket issued before the disable no longer opens a socket.
    await expect(
      WsClient.open(`${stack.wsUrl}?role=operator&ticket=${encodeURIComponent(spareTicket)}`),
    ).rejects.toThrow(/403/);

    expect((await api(stack, admin, 'POST', `/api/operators/${samId}/enable`)).status).toBe(200);
    expect((await api(stack, sam.idToken, 'GET', '/api/me')).status).toBe(200);
    const back = await operatorSession(stack, SAM, { online: false });
    expect(back.welcome.type).toBe('welcome');
    await back.ws.close();
    await page.ws.request({ action: 'end-chat', chatId });
    await page.ws.close();
  });
});

describe('departments', () => {
  type Dept = { id: string; name: string; silent: boolean; members: number };
  it('creates, renames, makes silent (members follow) and deletes only when empty', async () => {
    const created = await api<Dept>(stack, admin, 'POST', '/api/departments', { name: 'Support' });
    expect(created.status).toBe(201);
    expect((await api(stack, admin, 'POST', '/api/departments', { name: 'support' })).status).toBe(409);
    expect((await api(stack, admin, 'POST', '/api/departments', { name: '   ' })).status).toBe(400);
    await api(stack, admin, 'PUT', `/api/operators/${samId}`, { departments: ['Support'] });

    const renamed = await api<Dept>(stack, admin, 'PUT', `/api/departments/${created.body.id}`, {
      name: 'Back office',
      silent: true,
    });
    expect(renamed.body).toMatchObject({ name: 'Back office', silent: true, members: 1 });
    const sam = (await operators()).find((o) => o.id === samId)!;
    expect(sam.departments).toEqual(['Back office']);
    expect(sam.silent).toBe(true);

    const list = (await api<Dept[]>(stack, admin, 'GET', '/api/departments')).body;
    expect(list.find((d) => d.id === created.body.id)).toMatchObject({ name: 'Back office', silent: true, members: 1 });

    const refused = await api<{ error: { message: string } }>(
      stack,
      admin,
      'DELETE',
      `/api/departments/${created.body.id}`,
    );
    expect(refused.status).toBe(409);
    expect(refused.body.error.message).toMatch(/1 operator/);
    await api(stack, admin, 'PUT', `/api/operators/${samId}`, { departments: [] });
    expect((await operators()).find((o) => o.id === samId)!.silent).toBe(false);
    expect((await api(stack, admin, 'DELETE', `/api/departments/${created.body.id}`)).body).toEqual({ deleted: true });
    expect(
      (await api<Dept[]>(stack, admin, 'GET', '/api/departments')).body.some((d) => d.id === created.body.id),
    ).toBe(false);
  });
});
