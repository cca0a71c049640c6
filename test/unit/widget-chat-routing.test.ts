/**
 * The visitor's side of chat routing (widget/chat-controller.ts) and the link finder both sides
 * use (widget/core/links.ts): transcripts by e-mail, hold, transfers, links.
 */
import { describe, expect, it } from 'vitest';
import type { ChatSummary } from '../../functions/protocol/events.js';
import { type ChatHostLike, QUEUE_TIMEOUT_MS, queueWait, VisitorChat } from '../../widget/chat-controller.js';
import type { VisitorFrame } from '../../widget/core/frames.js';
import { linkParts, safeLinkHref } from '../../widget/core/links.js';
import { pickLabels } from '../../widget/i18n.js';

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
  return { ctl, sent, last: () => sent[sent.length - 1]! };
}

const chat = (over: Partial<ChatSummary> = {}): ChatSummary => ({
  chatId: 'c1',
  visitorId: 'v1',
  visitorName: 'Marta',
  status: 'active',
  operators: [{ id: 'o1', name: 'Dana' }],
  createdAt: 1,
  lastSeq: 0,
  ...over,
});

describe('the visitor’s transcript', () => {
  it('asks for the transcript of the chat, and shows it sent when the server acknowledges', () => {
    const { ctl, last } = setup();
    ctl.handle({ type: 'chat-update', chat: chat({ status: 'ended' }) });
    expect(ctl.sendTranscript(' marta@example.com ')).toBe(true);
    expect(last()).toMatchObject({ action: 'transcript', chatId: 'c1', email: 'marta@example.com' });
    expect(ctl.state.transcript).toEqual({ email: 'marta@example.com', state: 'sending' });
    // One request at a time.
    expect(ctl.sendTranscript('marta@example.com')).toBe(false);
    ctl.handle({ type: 'ack', action: 'transcript', reqId: last().reqId });
    expect(ctl.state.transcript?.state).toBe('sent');
  });

  it('says "already sent" for rate-limited, and fails anything else without a notice', () => {
    const { ctl, last } = setup();
    ctl.handle({ type: 'chat-update', chat: chat() });
    ctl.sendTranscript('marta@example.com');
    ctl.handle({ type: 'error', code: 'rate-limited', message: 'no', reqId: last().reqId });
    expect(ctl.state.transcript?.state).toBe('already');
    ctl.sendTranscript('other@example.com');
    ctl.handle({ type: 'error', code: 'internal', message: 'boom', reqId: last().reqId });
    expect(ctl.state.transcript?.state).toBe('error');
    expect(ctl.state.notice).toBeUndefined();
  });

  it('does not wait for an answer that cannot come after the socket closed', () => {
    const { ctl } = setup();
    ctl.handle({ type: 'chat-update', chat: chat() });
    ctl.sendTranscript('marta@example.com');
    ctl.handle({ type: 'close' });
    expect(ctl.state.transcript?.state).toBe('error');
  });

  it('forgets the transcript state with a new chat', () => {
    const { ctl, last } = setup();
    ctl.handle({ type: 'chat-update', chat: chat({ status: 'ended' }) });
    ctl.sendTranscript('marta@example.com');
    ctl.handle({ type: 'ack', action: 'transcript', reqId: last().reqId });
    ctl.newChat();
    expect(ctl.state.transcript).toBeUndefined();
  });
});

describe('hold, transfers and the queue', () => {
  it('follows the chat summary: on hold, then the operator it was transferred to', () => {
    const { ctl } = setup();
    ctl.handle({ type: 'chat-update', chat: chat({ onHold: true }) });
    expect(ctl.state.chat?.onHold).toBe(true);
    ctl.handle({ type: 'chat-update', chat: chat({ operators: [{ id: 'o2', name: 'Sam' }] }) });
    expect(ctl.state.chat?.onHold).toBeUndefined();
    expect(ctl.state.chat?.operators).toEqual([{ id: 'o2', name: 'Sam' }]);
    expect(pickLabels('en').chattingWith(['Sam'])).toBe('You are chatting with Sam');
    expect(pickLabels('en').chattingWith(['Dana', 'Sam', 'Kim'])).toBe('You are chatting with Dana, Sam and Kim');
  });

  it('counts the wait of a queued chat and offers a message after the site’s default 120 s', () => {
    expect(QUEUE_TIMEOUT_MS).toBe(120_000);
    const queued = chat({ status: 'queued', createdAt: 10_000 });
    expect(queueWait(queued, 75_000)).toEqual({ waitedMs: 65_000, tooLong: false });
    expect(queueWait(queued, 130_000)).toEqual({ waitedMs: 120_000, tooLong: true });
    // A visitor clock behind the server's never shows a negative wait.
    expect(queueWait(queued, 5_000)).toEqual({ waitedMs: 0, tooLong: false });
    expect(queueWait(chat({ createdAt: 0 }), 500_000)).toEqual({ waitedMs: 0, tooLong: false });
    expect(queueWait(undefined, 1)).toEqual({ waitedMs: 0, tooLong: false });
  });
});

describe('links in messages', () => {
  it('turns URLs and e-mail addresses into parts with an href, and keeps every character of the text', () => {
    const text = 'See https://example.com/lamps?x=1, www.example.org or mail help@example.com.';
    const parts = linkParts(text);
    expect(parts.map((p) => p.text).join('')).toBe(text);
    expect(parts.filter((p) => p.href)).toEqual([
      { text: 'https://example.com/lamps?x=1', href: 'https://example.com/lamps?x=1' },
      { text: 'www.example.org', href: 'https://www.example.org/' },
      { text: 'help@example.com', href: 'mailto:help@example.com' },
    ]);
  });

  it('makes only http(s) and mailto links; markup stays text', () => {
    const text = 'javascript:alert(1) <a href="x">x</a> ftp://example.com/file <img src=x onerror=alert(1)>';
    expect(linkParts(text).filter((p) => p.href)).toEqual([]);
    expect(
      linkParts(text)
        .map((p) => p.text)
        .join(''),
    ).toBe(text);
    expect(safeLinkHref('javascript:alert(1)')).toBeUndefined();
    expect(safeLinkHref('data:text/html,hi')).toBeUndefined();
    expect(safeLinkHref('HTTPS://Example.com/A')).toBe('https://example.com/A');
  });

  it('leaves text without links as one part', () => {
    expect(linkParts('No links here.\nJust text.')).toEqual([{ text: 'No links here.\nJust text.' }]);
  });
});
