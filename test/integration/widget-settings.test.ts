/**
 * The widget's appearance through the real HTTP API and the visitor socket: admins save it with
 * PUT /api/settings, every new page's welcome carries it (no new snippet), bad values are refused
 * with a reason, operators may not change it, and the console's own settings leave it alone.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, signIn, visitorPage } from '../support/clients.js';

let stack: LocalStack;
let admin: string;
let operator: string;
const sam = { email: 'sam@parley.local', password: 'Second-op-2026!', name: 'Sam Second' };

beforeAll(async () => {
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  await stack.createOperator({ ...sam, role: 'operator' });
  admin = await signIn(stack, stack.demoOperator.email, stack.demoOperator.password);
  operator = await signIn(stack, sam.email, sam.password);
});
afterAll(async () => {
  await stack?.stop();
});

const appearance = {
  greeting: 'Dzień dobry!\nW czym pomóc?',
  color: '#be123c',
  textColor: '#fffbeb',
  buttonText: 'Napisz do nas',
  position: 'left',
  vertical: 'top',
  lang: 'pl',
};

describe('widget appearance in the site settings', () => {
  it('starts with defaults that follow the page, and the welcome carries them', async () => {
    const got = await api(stack, admin, 'GET', '/api/settings');
    expect(got.status).toBe(200);
    expect(got.body.widget).toEqual({
      greeting: '',
      color: '#2563eb',
      textColor: '#ffffff',
      buttonText: '',
      position: 'right',
      vertical: 'bottom',
      lang: '',
    });
    const page = await visitorPage(stack);
    expect(page.welcome.widget).toEqual(got.body.widget);
    await page.ws.close();
  });

  it('an admin saves it, and the next page view gets it at once', async () => {
    const current = await api(stack, admin, 'GET', '/api/settings');
    const put = await api(stack, admin, 'PUT', '/api/settings', { ...current.body, widget: appearance });
    expect(put.status).toBe(200);
    expect(put.body.widget).toEqual(appearance);
    expect((await api(stack, admin, 'GET', '/api/settings')).body.widget).toEqual(appearance);
    const page = await visitorPage(stack);
    expect(page.welcome.widget).toEqual(appearance);
    await page.ws.close();
  });

  it('a settings save without the widget (the console’s Settings form) leaves the appearance as it is', async () => {
    const { widget: _w, ...consoleOnly } = (await api(stack, admin, 'GET', '/api/settings')).body;
    const put = await api(stack, admin, 'PUT', '/api/settings', { ...consoleOnly, retentionDays: 60 });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ retentionDays: 60, widget: appearance });
  });

  it.each([
    ['a colour that is not #rrggbb', { color: 'red; background:url(x)' }],
    ['a language the widget does not speak', { lang: 'xx' }],
    ['a 41-character button text', { buttonText: 'x'.repeat(41) }],
    ['a missing field', { vertical: undefined }],
  ])('refuses %s with a 400 and a reason, and keeps what was saved', async (_name, patch) => {
    const current = (await api(stack, admin, 'GET', '/api/settings')).body;
    const res = await api<{ error: { code: string; message: string } }>(stack, admin, 'PUT', '/api/settings', {
      ...current,
      widget: { ...appearance, ...patch },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('bad-request');
    expect(res.body.error.message).toMatch(/widget/);
    expect((await api(stack, admin, 'GET', '/api/settings')).body.widget).toEqual(appearance);
  });

  it('an operator who is not an admin may read it but not change it', async () => {
    const current = await api(stack, operator, 'GET', '/api/settings');
    expect(current.status).toBe(200);
    const res = await api(stack, operator, 'PUT', '/api/settings', {
      ...current.body,
      widget: { ...appearance, color: '#000000' },
    });
    expect(res.status).toBe(403);
    expect((await api(stack, admin, 'GET', '/api/settings')).body.widget).toEqual(appearance);
  });
});

describe('departments offered in the leave-a-message form', () => {
  it('the welcome lists the departments of enabled operators once there are two, and a message can address one', async () => {
    const one = await visitorPage(stack);
    expect(one.welcome.departments).toBeUndefined();
    await one.ws.close();

    const samId = (await api<{ id: string; email: string }[]>(stack, admin, 'GET', '/api/operators')).body.find(
      (o) => o.email === sam.email,
    )!.id;
    for (const name of ['Sales', 'Support']) {
      expect((await api(stack, admin, 'POST', '/api/departments', { name })).status).toBe(201);
    }
    expect((await api(stack, admin, 'PUT', `/api/operators/${samId}`, { departments: ['Sales'] })).status).toBe(200);
    const me = (await api<{ id: string; email: string }[]>(stack, admin, 'GET', '/api/operators')).body.find(
      (o) => o.email === stack.demoOperator.email,
    )!.id;
    expect((await api(stack, admin, 'PUT', `/api/operators/${me}`, { departments: ['Support'] })).status).toBe(200);

    // The widget's operator cache lives a few seconds per instance.
    let page = await visitorPage(stack);
    for (let i = 0; i < 40 && !page.welcome.departments; i++) {
      await page.ws.close();
      await new Promise((r) => setTimeout(r, 250));
      page = await visitorPage(stack);
    }
    expect(page.welcome.departments).toEqual(['Sales', 'Support']);
    const ack = await page.ws.request({
      action: 'leave-message',
      name: 'Dora',
      email: 'dora@example.com',
      text: 'A question for sales',
      department: 'Sales',
    });
    expect(ack).toMatchObject({ type: 'ack', action: 'leave-message' });
    await page.ws.close();
  }, 30_000);
});
