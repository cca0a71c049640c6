/**
 * The widget's side of the seed-audit gaps (widget/chat-controller.ts, widget/leave-message.ts):
 * the department chosen before a chat, and the answer to a chat request when nobody can take it.
 */
import { describe, expect, it } from 'vitest';
import type { ChatSummary } from '../../functions/protocol/events.js';
import { chatRequestSchema } from '../../functions/protocol/schemas.js';
import { type ChatHostLike, VisitorChat } from '../../widget/chat-controller.js';
import type { VisitorFrame } from '../../widget/core/frames.js';
import { pickLabels } from '../../widget/i18n.js';
import { LeaveMessage } from '../../widget/leave-message.js';

function setup() {
  const sent: (VisitorFrame & { reqId: string })[] = [];
  let n = 0;
  const host: ChatHostLike = {
    site: 'demo',
    labels: pickLabels('en'),
    connected: () => true,
    send(frame) {
      const reqId = String(++n);
      sent.push({ ...frame, reqId });
      return reqId;
    },
    showButton() {},
    setBadge() {},
  };
  const ctl = new VisitorChat(host, { load: () => [], save: () => {} });
  const lm = new LeaveMessage(host);
  return { ctl, lm, sent, last: () => sent[sent.length - 1]! };
}

const queued = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Marta',
  status: 'queued',
  operators: [],
  createdAt: 1,
  lastSeq: 0,
  ...over,
});

describe('choosing a department before the chat', () => {
  it('sends the chosen department with the chat request, a valid frame', () => {
    const { ctl, last } = setup();
    ctl.start('Marta', 'Sales');
    const { reqId: _r, ...frame } = last();
    expect(frame).toMatchObject({ action: 'chat-request', name: 'Marta', department: 'Sales' });
    expect(chatRequestSchema.safeParse(frame).success).toBe(true);
  });

  it('sends no department when the visitor chose "any"', () => {
    const { ctl, last } = setup();
    ctl.start('Marta', '');
    expect(last()).not.toHaveProperty('department', expect.anything());
    ctl.start('Marta');
    expect((last() as { department?: string }).department).toBeUndefined();
  });

  it('takes the list of departments from the welcome', () => {
    const { lm } = setup();
    lm.handle({
      type: 'welcome',
      role: 'visitor',
      visitorId: 'v1',
      visitorToken: 't',
      returning: false,
      operatorsOnline: 1,
      chatBlocked: false,
      departments: ['Sales', 'Support'],
    } as never);
    expect(lm.state.departments).toEqual(['Sales', 'Support']);
  });
});

describe('a chat request nobody can take', () => {
  it('takes the count from the answer and offers the message form at once', () => {
    const { ctl, lm, last } = setup();
    ctl.handle({
      type: 'welcome',
      role: 'visitor',
      visitorId: 'v1',
      visitorToken: 't',
      returning: false,
      operatorsOnline: 2,
      chatBlocked: false,
    } as never);
    expect(ctl.state.operatorsOnline).toBe(2);
    ctl.start('Marta');
    const answer = {
      type: 'chat-update' as const,
      reqId: last().reqId,
      chat: queued({ offerMessageInMs: 0 }),
      operatorsOnline: 0,
    };
    ctl.handle(answer);
    lm.handle(answer);
    expect(ctl.state.operatorsOnline).toBe(0);
    expect(ctl.state.chat?.status).toBe('queued');
    // The form's moment has come (the widget shows it; the chat stays queued for a late operator).
    expect(lm.state.offerAt).toBeLessThanOrEqual(Date.now());
  });

  it('leaves the count alone for chat updates that carry none', () => {
    const { ctl } = setup();
    ctl.handle({
      type: 'welcome',
      role: 'visitor',
      visitorId: 'v1',
      visitorToken: 't',
      returning: false,
      operatorsOnline: 3,
      chatBlocked: false,
    } as never);
    ctl.handle({ type: 'chat-update', chat: queued({ status: 'active', operators: [{ id: 'o', name: 'Dana' }] }) });
    expect(ctl.state.operatorsOnline).toBe(3);
  });
});
