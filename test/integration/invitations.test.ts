/**
 * Invitations through the local gateway and the local EventBridge Scheduler: proactive ones from
 * a console, automatic ones from rules, the hourly throttle, and what the visitor answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handler as autoInviteHandler } from '../../functions/handlers/auto-invite.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient, waitForRow } from '../support/clients.js';

type Frame = Record<string, unknown> & { type: string };
let stack: LocalStack;
let dana: { ws: WsClient; idToken: string; welcome: Frame };

const siteRule = {
  id: 'welcome-30s',
  enabled: true,
  priority: 1,
  delaySeconds: 2,
  scope: 'site',
  text: 'Hello from %name%! Can I help you choose a lamp?',
  onlyWhenOperatorAvailable: true,
};

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, streamWindowMs: 100 });
  dana = (await operatorSession(stack, stack.demoOperator)) as typeof dana;
});
afterAll(async () => stack?.stop());

describe('proactive invitations', () => {
  it('reaches the visitor with the default text, and Start Chat opens a chat with the inviting operator', async () => {
    const page = await visitorPage(stack, { title: 'Browsing Bo' });
    const visitorId = String(page.welcome.visitorId);
    expect(await dana.ws.request({ action: 'invite', visitorId })).toMatchObject({ type: 'ack' });
    const invitation = await page.ws.next((f) => f.type === 'invitation');
    expect(invitation).toMatchObject({ operatorName: 'Dana Demo', auto: false });
    expect(String(invitation.text)).toContain("I'm Dana Demo");
    const row = await waitForRow(
      dana.ws,
      visitorId,
      (r) => (r.invitation as { outcome?: string })?.outcome === 'pending',
    );
    expect(row.status).toBe('chatted-invited');

    const started = await page.ws.request({
      action: 'invite-response',
      inviteId: invitation.inviteId,
      accept: true,
      name: 'Bo',
    });
    expect(started).toMatchObject({
      type: 'chat-update',
      chat: { status: 'active', visitorName: 'Bo', operators: [{ name: 'Dana Demo' }] },
    });
    const chatId = String((started.chat as { chatId: string }).chatId);
    const opening = await page.ws.next((f) => f.type === 'message' && f.chatId === chatId);
    expect(opening).toMatchObject({ from: { kind: 'operator', name: 'Dana Demo' } });
    await dana.ws.next((f) => f.type === 'chat-update' && (f.chat as { chatId: string }).chatId === chatId);
    await waitForRow(dana.ws, visitorId, (r) => (r.invitation as { outcome?: string })?.outcome === 'accepted');
    // Answering twice does nothing.
    expect(
      await page.ws.request({ action: 'invite-response', inviteId: invitation.inviteId, accept: true }),
    ).toMatchObject({
      type: 'error',
      code: 'not-found',
    });
    await dana.ws.request({ action: 'end-chat', chatId });
    await page.ws.close();
  });

  it('records a decline, and refuses invitations from visitors and to strangers', async () => {
    const page = await visitorPage(stack, { title: 'Shy Sue' });
    const visitorId = String(page.welcome.visitorId);
    await dana.ws.request({ action: 'invite', visitorId, text: 'Need a hand, %name% here?' });
    const invitation = await page.ws.next((f) => f.type === 'invitation');
    expect(invitation.text).toBe('Need a hand, Dana Demo here?');
    expect(
      await page.ws.request({ action: 'invite-response', inviteId: invitation.inviteId, accept: false }),
    ).toMatchObject({
      type: 'ack',
    });
    await waitForRow(dana.ws, visitorId, (r) => (r.invitation as { outcome?: string })?.outcome === 'declined');
    expect(await page.ws.request({ action: 'invite', visitorId })).toMatchObject({ type: 'error', code: 'forbidden' });
    expect(await dana.ws.request({ action: 'invite', visitorId: '01JNOBODY0000000000000000' })).toMatchObject({
      type: 'error',
      code: 'not-found',
    });
    await page.ws.close();
  });
});

describe('automatic invitations', () => {
  it('schedules one invitation per visit, sends it when due, and not again within the hour', async () => {
    expect((await api(stack, dana.idToken, 'PUT', '/api/auto-invitations', [siteRule])).status).toBe(200);
    const page = await visitorPage(stack, { title: 'Auto Al' });
    const visitorId = String(page.welcome.visitorId);
    // More pages in the same visit create no second schedule.
    page.ws.send({ action: 'page-view', spa: true, url: 'https://shop.example/pricing', title: 'Pricing' });
    await page.ws.collect(200);
    const mine = () =>
      stack.scheduler.pending().filter((s) => s.name.startsWith('invite-') && s.name.includes(visitorId));
    expect(mine()).toHaveLength(1);
    expect(page.ws.frames.some((f) => f.type === 'invitation')).toBe(false);

    await stack.scheduler.advance(3_000);
    const invitation = await page.ws.next((f) => f.type === 'invitation');
    expect(invitation).toMatchObject({
      auto: true,
      operatorName: 'Dana Demo',
      text: 'Hello from Dana Demo! Can I help you choose a lamp?',
    });
    await page.ws.request({ action: 'invite-response', inviteId: invitation.inviteId, accept: false });

    // Within the hour: page views schedule nothing, and a schedule firing anyway is throttled.
    await page.ws.close();
    const again = await visitorPage(stack, { vt: String(page.welcome.visitorToken), title: 'Auto Al again' });
    expect(mine()).toHaveLength(0);
    const { visitStart } = (
      await api<{ visitor: { visitStart: number } }>(stack, dana.idToken, 'GET', `/api/visitors/${visitorId}`)
    ).body.visitor;
    const fired = await autoInviteHandler({ siteId: stack.siteId, visitorId, ruleId: siteRule.id, start: visitStart });
    expect(fired?.outcome).toBe('throttled');
    await again.ws.close();
  });

  // The local scheduler's clock was advanced above; a long delay keeps these schedules from firing
  // on their own while the test fires the handler itself.
  const laterRule = { ...siteRule, delaySeconds: 3_600 };

  it('sends one invitation when two schedules fire at once', async () => {
    await api(stack, dana.idToken, 'PUT', '/api/auto-invitations', [laterRule]);
    const page = await visitorPage(stack, { title: 'Twice Tia' });
    const visitorId = String(page.welcome.visitorId);
    const visitStart = Number(
      (await api<{ visitor: { visitStart: number } }>(stack, dana.idToken, 'GET', `/api/visitors/${visitorId}`)).body
        .visitor.visitStart,
    );
    const payload = { siteId: stack.siteId, visitorId, ruleId: siteRule.id, start: visitStart };
    const outcomes = await Promise.all([autoInviteHandler(payload), autoInviteHandler(payload)]);
    expect(outcomes.map((o) => o?.outcome).filter((o) => o === 'sent')).toHaveLength(1);
    await page.ws.collect(300);
    expect(page.ws.frames.filter((f) => f.type === 'invitation')).toHaveLength(1);
    await page.ws.close();
  });

  it('invites nobody while no operator is available, nor an Unwelcome visitor, nor one in a chat', async () => {
    await api(stack, dana.idToken, 'PUT', '/api/auto-invitations', [laterRule]);
    const page = await visitorPage(stack, { title: 'Lonely Lu' });
    const visitorId = String(page.welcome.visitorId);
    const start = Number(
      (await api<{ visitor: { visitStart: number } }>(stack, dana.idToken, 'GET', `/api/visitors/${visitorId}`)).body
        .visitor.visitStart,
    );
    await dana.ws.request({ action: 'set-status', status: 'away' });
    expect((await autoInviteHandler({ siteId: stack.siteId, visitorId, ruleId: siteRule.id, start }))?.outcome).toBe(
      'no-operator',
    );
    await dana.ws.request({ action: 'set-status', status: 'online' });
    await dana.ws.request({ action: 'tag-visitor', visitorId, tag: 'unwelcome' });
    expect((await autoInviteHandler({ siteId: stack.siteId, visitorId, ruleId: siteRule.id, start }))?.outcome).toBe(
      'unwelcome',
    );
    await dana.ws.request({ action: 'tag-visitor', visitorId, tag: null });
    await page.ws.request({ action: 'chat-request', name: 'Lu' });
    expect((await autoInviteHandler({ siteId: stack.siteId, visitorId, ruleId: siteRule.id, start }))?.outcome).toBe(
      'chatting',
    );
    expect(page.ws.frames.some((f) => f.type === 'invitation')).toBe(false);
    await page.ws.close();
  });

  it('lets only admins change the rules, and validates them', async () => {
    const other = { email: 'olga@parley.local', password: 'Other-op-2026!', name: 'Olga' };
    await stack.createOperator(other);
    const olga = await operatorSession(stack, other, { online: false });
    expect((await api(stack, olga.idToken, 'PUT', '/api/auto-invitations', [siteRule])).status).toBe(403);
    expect(
      (await api(stack, dana.idToken, 'PUT', '/api/auto-invitations', [{ ...siteRule, delaySeconds: -1 }])).status,
    ).toBe(400);
    expect((await api(stack, olga.idToken, 'GET', '/api/auto-invitations')).body).toEqual([laterRule]);
    await api(stack, dana.idToken, 'PUT', '/api/auto-invitations', []);
    await olga.ws.close();
  });
});
