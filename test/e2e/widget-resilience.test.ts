/**
 * The browser code on its own, in Chromium, against an in-memory stand-in of the backend
 * (test/e2e/support/fake-parley.ts) that can lose frames on purpose: lost messages are resent
 * with the same clientMsgId, gaps are filled with sync, hostile text stays text, and a page
 * that blocks storage still gets a working widget.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt } from './support/browser.js';
import { type FakeParley, startFakeParley } from './support/fake-parley.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);

const XSS = '<img src=x onerror="window.__pwned=1"><b>bold</b>';

describe.skipIf(!hasChromium && !requireBrowser)('the widget and the console against a lossy backend', () => {
  let fake: FakeParley;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  let op: { id: string };

  const page = async (label: string, init?: () => void) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const p = await ctx.newPage();
    if (init) await p.addInitScript(init);
    p.on('pageerror', (e) => errors.push(`[${label}] ${e.message}`));
    return p;
  };

  /** A visitor in an active chat with the fake operator (accepted server-side). */
  const activeChat = async (p: Page, name = 'Marta') => {
    await p.goto(`${fake.url}/`);
    await p.getByTestId('parley-button').click();
    await p.getByTestId('parley-name').fill(name);
    await p.getByTestId('parley-start').click();
    await expect.poll(() => p.getByTestId('parley-status').getAttribute('data-state')).toBe('queued');
    const chat = [...fake.chats.values()].at(-1)!;
    chat.status = 'active';
    chat.operators = [{ id: op.id, name: 'Dana' }];
    fake.postAsOperator(chat.chatId, op.id, 'Hello, how can I help?');
    await p.getByTestId('parley-message').filter({ hasText: 'Hello, how can I help?' }).waitFor();
    return chat;
  };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    fake = await startFakeParley();
    const o = fake.addOperator({ email: 'dana@shop.test', password: 'pw-Dana-1', name: 'Dana' });
    o.status = 'online';
    op = o;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 120_000);

  afterEach(() => {
    fake.filter = () => true;
    fake.dropIncoming = () => false;
  });

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await fake?.stop();
  });

  it('resends a message lost on the way with the same clientMsgId, and it is stored once', async () => {
    const p = await page('visitor');
    const chat = await activeChat(p);
    let dropped = 0;
    fake.dropIncoming = (_from, f) => f.action === 'chat-message' && dropped++ === 0;
    await p.getByTestId('parley-input').fill('Did you get this?');
    await p.getByTestId('parley-input').press('Enter');
    const pending = p.locator('[data-testid=parley-message][data-pending]');
    await pending.waitFor();
    expect(await pending.textContent()).toContain('Did you get this?');

    fake.dropVisitorSockets();
    await p
      .locator('[data-testid=parley-message][data-from=visitor][data-seq]')
      .filter({ hasText: 'Did you get this?' })
      .waitFor({ timeout: 10_000 });
    expect(await pending.count()).toBe(0);
    const sends = fake.received.filter(
      (r) => r.frame.action === 'chat-message' && r.frame.text === 'Did you get this?',
    );
    expect(sends).toHaveLength(2);
    expect(sends[0]?.frame.clientMsgId).toBe(sends[1]?.frame.clientMsgId);
    expect(chat.messages.filter((m) => m.text === 'Did you get this?')).toHaveLength(1);
  });

  it('does not duplicate a message whose confirmation was lost', async () => {
    const p = await page('visitor');
    const chat = await activeChat(p);
    fake.filter = (to, e) => !(to.role === 'visitor' && e.type === 'message' && e.text === 'Only once');
    await p.getByTestId('parley-input').fill('Only once');
    await p.getByTestId('parley-input').press('Enter');
    await expect.poll(() => chat.messages.filter((m) => m.text === 'Only once').length).toBe(1);
    fake.filter = () => true;
    fake.dropVisitorSockets();
    const mine = p.getByTestId('parley-message').filter({ hasText: 'Only once' });
    await mine.and(p.locator('[data-seq]')).waitFor({ timeout: 10_000 });
    await p.waitForTimeout(500);
    expect(await mine.count()).toBe(1);
    expect(chat.messages.filter((m) => m.text === 'Only once')).toHaveLength(1);
  });

  it('fills a gap with sync when a message frame never arrives', async () => {
    const p = await page('visitor');
    const chat = await activeChat(p);
    fake.postAsOperator(chat.chatId, op.id, 'lost in transit', false);
    fake.postAsOperator(chat.chatId, op.id, 'arrives fine');
    const texts = () =>
      p.getByTestId('parley-message').evaluateAll((els) => els.map((e) => e.querySelector('.bubble')?.textContent));
    await expect
      .poll(texts, { timeout: 10_000 })
      .toEqual(expect.arrayContaining(['Hello, how can I help?', 'lost in transit', 'arrives fine']));
    const list = await texts();
    expect(list.indexOf('lost in transit')).toBeLessThan(list.indexOf('arrives fine'));
    expect(
      fake.received.some((r) => r.role === 'visitor' && r.frame.action === 'sync' && r.frame.chatId === chat.chatId),
    ).toBe(true);
  });

  it('renders hostile names and messages as text in the widget and in the console', async () => {
    const v = await page('visitor');
    await v.goto(`${fake.url}/`);
    await v.getByTestId('parley-button').click();
    await v.getByTestId('parley-name').fill(XSS.slice(0, 80));
    await v.getByTestId('parley-start').click();
    await expect.poll(() => v.getByTestId('parley-status').getAttribute('data-state')).toBe('queued');

    const o = await page('operator');
    await o.goto(`${fake.url}/console/`);
    await o.getByTestId('signin-email').fill('dana@shop.test');
    await o.getByTestId('signin-password').fill('pw-Dana-1');
    await o.getByTestId('signin-submit').click();
    const item = o.getByTestId('queue-item').last();
    await item.waitFor();
    expect(await item.textContent()).toContain('<img src=x');
    await item.getByTestId('accept-chat').click();
    await o.getByTestId('chat-input').fill(XSS);
    await o.getByTestId('chat-input').press('Enter');
    await v.getByTestId('parley-message').filter({ hasText: '<b>bold</b>' }).waitFor();
    await v.getByTestId('parley-input').fill(XSS);
    await v.getByTestId('parley-input').press('Enter');
    await o.locator('[data-testid=chat-message][data-from=visitor]').filter({ hasText: '<b>bold</b>' }).waitFor();

    for (const p of [v, o]) {
      expect(await p.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await p.locator('img[src="x"]').count()).toBe(0);
    }
    expect(await v.locator('parley-widget').evaluate((h) => h.shadowRoot?.querySelectorAll('img, b').length)).toBe(0);
  });

  it('works on a page that blocks storage (the visitor is simply new on every page)', async () => {
    const p = await page('hostile', () => {
      Object.defineProperty(window, 'localStorage', {
        get() {
          throw new Error('blocked');
        },
      });
      Object.defineProperty(window, 'sessionStorage', {
        get() {
          throw new Error('blocked');
        },
      });
    });
    await activeChat(p, 'Private Pat');
    await p.getByTestId('parley-input').fill('still works');
    await p.getByTestId('parley-input').press('Enter');
    await p.locator('[data-testid=parley-message][data-seq]').filter({ hasText: 'still works' }).waitFor();
  });

  it('says “Leave a message” when nobody is online, offers the message form first, and still lets the visitor wait', async () => {
    const dana = fake.operators[0]!;
    dana.status = 'offline';
    try {
      const p = await page('visitor');
      await p.goto(`${fake.url}/contact.html`);
      await expect.poll(() => p.getByTestId('parley-button').textContent()).toContain('Leave a message');
      await p.getByTestId('parley-button').click();
      await p.getByTestId('parley-offline-form').waitFor();
      await p.getByTestId('parley-offline-wait').click();
      await expect
        .poll(() => p.getByTestId('parley-window').textContent())
        .toContain('No operator is online right now');
      expect(await p.getByTestId('parley-start').isEnabled()).toBe(true);
    } finally {
      dana.status = 'online';
    }
  });

  it('sends with Enter, keeps Shift+Enter as a new line, and is keyboard usable', async () => {
    const p = await page('visitor');
    const chat = await activeChat(p);
    const input = p.getByTestId('parley-input');
    await input.fill('line one');
    await input.press('Shift+Enter');
    await input.type('line two');
    await input.press('Enter');
    await expect.poll(() => chat.messages.at(-1)?.text).toBe('line one\nline two');
    await input.press('Escape');
    await expect.poll(() => p.getByTestId('parley-window').isHidden()).toBe(true);
    expect(errors).toEqual([]);
  });
});
