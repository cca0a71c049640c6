/**
 * Observability through the real handler path: the local gateway runs the handlers as Lambda
 * would, and every JSON line they write is captured (functions/adapters/log.ts `onLogLine`, the
 * same lines CloudWatch Logs would receive). Each business event emits its EMF metric on the
 * request that caused it, the lines carry the chat id as the correlation id, and no visitor text,
 * name or e-mail address reaches any line.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { onLogLine } from '../../functions/adapters/log.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient } from '../support/clients.js';

type Line = Record<string, unknown>;
type Frame = Record<string, unknown> & { type: string };

let stack: LocalStack;
let dana: { ws: WsClient; welcome: Frame; idToken: string };
let lines: Line[] = [];
let stopListening: () => void;

const SECRETS = ['SECRET-TEXT', 'vera.secret@example.org', 'Vera Secretname'];

beforeAll(async () => {
  stopListening = onLogLine((l) => lines.push(JSON.parse(JSON.stringify(l)) as Line));
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
  dana = await operatorSession(stack, stack.demoOperator);
});
afterAll(async () => {
  stopListening?.();
  await stack?.stop();
});
beforeEach(() => {
  lines = [];
});

/** The summary line of an invocation (written when it ends, after its replies went out). */
async function doneLine(route: string, match: (l: Line) => boolean = () => true, timeoutMs = 5000): Promise<Line> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = lines.find((l) => l.msg === 'done' && l.route === route && match(l));
    if (found) return found;
    if (Date.now() > deadline) {
      throw new Error(`no done line for ${route}; got ${JSON.stringify(lines.filter((l) => l.msg === 'done'))}`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The EMF directive's metric names (the line must be an EMF document for CloudWatch to extract them). */
function emfMetricNames(line: Line): string[] {
  const aws = line._aws as {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Metrics: { Name: string }[] }[];
  };
  expect(typeof aws.Timestamp).toBe('number');
  expect(aws.CloudWatchMetrics[0]!.Namespace).toBe('Parley');
  return aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name));
}

async function requestChat(extra: Record<string, unknown> = {}) {
  const page = await visitorPage(stack, { title: 'Observed page' });
  const reply = await page.ws.request({ action: 'chat-request', ...extra });
  const chatId = String((reply.chat as { chatId: string }).chatId);
  return { page, chatId, visitorId: String(page.welcome.visitorId) };
}

describe('a chat, end to end', () => {
  it('emits ChatsRequested, ChatsAccepted with QueueWait, and MessageLatency, each line correlated by chat id', async () => {
    const { page, chatId } = await requestChat({
      name: 'Vera Secretname',
      email: 'vera.secret@example.org',
      text: 'SECRET-TEXT in the first message',
    });
    const requested = await doneLine('chat-request', (l) => l.chatId === chatId);
    expect(requested).toMatchObject({ level: 'info', outcome: 'ok', site: stack.siteId, ChatsRequested: 1 });
    expect(emfMetricNames(requested)).toContain('ChatsRequested');
    expect(requested.connectionId).toEqual(expect.any(String));
    expect(requested.requestId).toEqual(expect.any(String));

    const before = Date.now();
    await dana.ws.request({ action: 'accept', chatId });
    const accepted = await doneLine('accept', (l) => l.chatId === chatId);
    expect(emfMetricNames(accepted)).toEqual(expect.arrayContaining(['ChatsAccepted', 'QueueWait']));
    expect(accepted.ChatsAccepted).toBe(1);
    // Waited from the request until the accept: more than nothing, less than the test has run.
    expect(accepted.QueueWait).toBeGreaterThan(0);
    expect(accepted.QueueWait).toBeLessThan(Date.now() - before + 10_000);

    await page.ws.request({ action: 'chat-message', chatId, text: 'more SECRET-TEXT here', clientMsgId: 'm-1' });
    await dana.ws.next((f) => f.type === 'message' && f.clientMsgId === 'm-1');
    const message = await doneLine('chat-message', (l) => l.chatId === chatId);
    expect(emfMetricNames(message)).toEqual(['MessageLatency']);
    expect(message.MessageLatency).toBeGreaterThanOrEqual(0);
    expect(message.MessageLatency).toBeLessThan(5_000);
    expect(message.connectionId).toBe(requested.connectionId);

    await dana.ws.request({ action: 'end-chat', chatId });
    const ended = await doneLine('end-chat', (l) => l.chatId === chatId);
    expect(ended.ChatsMissed).toBeUndefined(); // it was answered
    await page.ws.close();

    const all = JSON.stringify(lines);
    for (const secret of SECRETS) expect(all).not.toContain(secret);
  });
});

describe('missed chats', () => {
  it('a chat that ends in the queue counts as missed (abandoned), with how long the visitor waited', async () => {
    await dana.ws.request({ action: 'set-status', status: 'away' });
    try {
      const { page, chatId } = await requestChat();
      await new Promise((r) => setTimeout(r, 30));
      await page.ws.request({ action: 'end-chat', chatId });
      const ended = await doneLine('end-chat', (l) => l.chatId === chatId);
      expect(emfMetricNames(ended)).toEqual(['ChatsMissed']);
      expect(ended.ChatsMissed).toBe(1);
      expect(ended.details).toEqual([
        expect.objectContaining({ metric: 'ChatsMissed', reason: 'abandoned', waitedMs: expect.any(Number) }),
      ]);
      expect((ended.details as { waitedMs: number }[])[0]!.waitedMs).toBeGreaterThanOrEqual(30);
      await page.ws.close();
    } finally {
      await dana.ws.request({ action: 'set-status', status: 'online' });
    }
  });

  it('a decline that leaves nobody to answer counts as missed once (not again when the chat ends)', async () => {
    const { page, chatId } = await requestChat();
    await dana.ws.request({ action: 'decline', chatId });
    const declined = await doneLine('decline', (l) => l.chatId === chatId);
    expect(declined.ChatsMissed).toBe(1);
    expect(declined.details).toEqual([expect.objectContaining({ reason: 'declined' })]);

    await page.ws.request({ action: 'end-chat', chatId });
    const ended = await doneLine('end-chat', (l) => l.chatId === chatId);
    expect(ended.ChatsMissed).toBeUndefined();
    await page.ws.close();
  });
});

describe('invitations and offline messages', () => {
  it('an operator invitation counts as sent; Start Chat counts as accepted, and opens an accepted chat', async () => {
    const page = await visitorPage(stack, { title: 'Invited page' });
    const visitorId = String(page.welcome.visitorId);
    await dana.ws.request({ action: 'invite', visitorId });
    const sent = await doneLine('invite', (l) => l.InvitationsSent !== undefined);
    expect(sent).toMatchObject({ InvitationsSent: 1, details: [expect.objectContaining({ kind: 'operator' })] });

    const invitation = await page.ws.next((f) => f.type === 'invitation');
    const reply = await page.ws.request({ action: 'invite-response', inviteId: invitation.inviteId, accept: true });
    const chatId = String((reply.chat as { chatId: string }).chatId);
    const accepted = await doneLine('invite-response', (l) => l.chatId === chatId);
    expect(accepted).toMatchObject({ InvitationsAccepted: 1, ChatsRequested: 1, ChatsAccepted: 1 });
    expect(accepted.QueueWait).toBeUndefined(); // never queued
    await dana.ws.request({ action: 'end-chat', chatId });
    await page.ws.close();
  });

  it('a stored offline message counts once, without its text or address in the line', async () => {
    const page = await visitorPage(stack, { title: 'Offline page' });
    await page.ws.request({
      action: 'leave-message',
      name: 'Vera Secretname',
      email: 'vera.secret@example.org',
      text: 'SECRET-TEXT offline',
    });
    const left = await doneLine('leave-message');
    expect(emfMetricNames(left)).toEqual(['OfflineMessages']);
    expect(left.OfflineMessages).toBe(1);
    const all = JSON.stringify(lines);
    for (const secret of SECRETS) expect(all).not.toContain(secret);
    await page.ws.close();
  });
});

describe('every invocation', () => {
  it('writes one summary line with its route and request ids, also for refused frames and the HTTP API', async () => {
    const page = await visitorPage(stack, { title: 'Any page' });
    page.ws.send('not json');
    await page.ws.next((f) => f.type === 'error');
    const refused = await doneLine('$default');
    expect(refused).toMatchObject({ outcome: 'ok', connectionId: expect.any(String), siteId: stack.siteId });
    const pageView = await doneLine('page-view');
    expect(pageView.apiRequestId).toEqual(expect.any(String));
    expect(pageView.durationMs).toEqual(expect.any(Number));
    const authorizer = await doneLine('ws-authorizer');
    expect(authorizer.requestId).toEqual(expect.any(String));
    // Routine successes with no metric are DEBUG (not written in AWS); those with metrics are INFO.
    expect(pageView.level).toBe('debug');
    expect(authorizer.level).toBe('debug');
    // The HTTP API names the route key, and the chat when the path has one.
    await api(stack, dana.idToken, 'GET', '/api/me');
    expect(await doneLine('GET /api/me')).toMatchObject({ outcome: 'ok', apiRequestId: expect.any(String) });
    await api(stack, dana.idToken, 'GET', '/api/chats/01JNOCHAT000000000000000000/messages');
    expect(await doneLine('GET /api/chats/{chatId}/messages')).toMatchObject({ chatId: '01JNOCHAT000000000000000000' });
    await page.ws.close();
  });
});
