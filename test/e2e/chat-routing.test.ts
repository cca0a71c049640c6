/**
 * Chat routing end to end, in Debian's Chromium against the real local stack (real handlers,
 * dynalite, cognito-local, the SES stand-in): two operators and a visitor in three browser contexts.
 * The accept race through the incoming-request dialog, a transfer, a conference, a canned message
 * by shortcut, links, hold, a transcript mailed after the end, and the communication queue.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, signInOnline } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) {
  console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH)`);
}

const SAM = { email: 'sam@parley.local', password: 'Second-operator-2026!', name: 'Sam Second' };
const STEP = 60_000;
/** PARLEY_E2E_SHOTS=/some/dir saves screenshots at the interesting steps, for people to look at. */
const SHOTS = process.env.PARLEY_E2E_SHOTS;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(350); // let pop-in animations finish
  await page.screenshot({ path: join(SHOTS, `routing-${name}.png`) });
}

type Mail = { destination: { to: string[] }; subject: string; body: { text?: string; html?: string } };

describe.skipIf(!hasChromium && !requireBrowser)('chat routing in Chromium: two operators and a visitor', () => {
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  let visitor: Page;
  let dana: Page;
  let sam: Page;
  /** The operator who won the accept race, and the other one. */
  let first: Page;
  let second: Page;
  const names = new Map<Page, string>();
  const ids = new Map<Page, string>();
  let chatId = '';

  const newPage = async (label: string) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`[${label}] ${e.message}`));
    page.on('dialog', (d) => {
      dialogs.push(`[${label}] ${d.type()}: ${d.message()}`);
      void d.dismiss().catch(() => {});
    });
    page.on('websocket', (ws) => {
      ws.on('framereceived', ({ payload }) => {
        try {
          const f = JSON.parse(String(payload));
          if (f.type === 'welcome' && f.role === 'operator') ids.set(page, String(f.operator.id));
        } catch {
          /* not JSON */
        }
      });
    });
    return page;
  };

  const signIn = (page: Page, email: string, password: string) => signInOnline(page, stack.url, email, password);

  const pane = (op: Page) => op.locator(`[data-testid=chat-pane][data-chat-id="${chatId}"]`);
  const hasInput = async (op: Page) => (await pane(op).getByTestId('chat-input').count()) > 0;
  /** Non-system message texts shown in a list. */
  const texts = (messages: Locator) =>
    messages.evaluateAll((els) =>
      els
        .filter((el) => el.getAttribute('data-from') !== 'system')
        .map((el) => el.querySelector('.bubble, .m-bubble')?.textContent ?? ''),
    );
  const visitorSees = (text: string, from = 'operator') =>
    visitor.locator(`[data-testid=parley-message][data-from=${from}]`).filter({ hasText: text }).first().waitFor(LIVE);
  const operatorSees = (op: Page, text: string) =>
    pane(op).getByTestId('chat-message').filter({ hasText: text }).first().waitFor(LIVE);
  const say = async (op: Page, text: string) => {
    await pane(op).getByTestId('chat-input').fill(text);
    await pane(op).getByTestId('chat-input').press('Enter');
  };
  const mails = async (): Promise<Mail[]> =>
    ((await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: Mail[] }).emails;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ quiet: true });
    await stack.createOperator({ ...SAM, role: 'operator' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    visitor = await newPage('visitor');
    dana = await newPage('dana');
    sam = await newPage('sam');
    names.set(dana, stack.demoOperator.name);
    names.set(sam, SAM.name);
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it(
    'both operators go online and see each other, with their chats, and the communication summary',
    async () => {
      await signIn(dana, stack.demoOperator.email, stack.demoOperator.password);
      await signIn(sam, SAM.email, SAM.password);
      await expect.poll(() => ids.size, LIVE).toBe(2);
      for (const [op, other] of [
        [dana, sam],
        [sam, dana],
      ] as const) {
        const row = op.locator(`[data-testid=operator][data-operator-id="${ids.get(other)}"]`);
        await expect.poll(() => row.getAttribute('data-status'), LIVE).toBe('online');
        expect(await row.getByTestId('operator-chats').textContent()).toBe('0 chats');
        await op.getByTestId('summary-bar').waitFor();
        expect(await op.getByTestId('summary-waiting').getAttribute('data-count')).toBe('0');
      }
    },
    STEP,
  );

  it(
    'a visitor asks for a chat: both operators get the incoming-request dialog; the visitor sees the queue',
    async () => {
      await visitor.goto(`${stack.url}/`);
      await expect.poll(() => visitor.getByTestId('parley-button').textContent(), LIVE).toContain('Live Help');
      await visitor.getByTestId('parley-button').click();
      await visitor.getByTestId('parley-name').fill('Marta');
      await visitor.getByTestId('parley-start').click();

      for (const op of [dana, sam]) {
        const dialog = op.getByTestId('incoming-dialog');
        await dialog.waitFor(LIVE);
        expect(await dialog.getByTestId('incoming-name').textContent()).toBe('Marta');
        chatId = String(await dialog.getAttribute('data-chat-id'));
        await expect.poll(() => op.getByTestId('summary-waiting').getAttribute('data-count'), LIVE).toBe('1');
        expect(await op.title()).toMatch(/^\(1\) /);
      }
      // The wait ticks.
      const wait = dana.getByTestId('incoming-wait');
      const before = await wait.textContent();
      await expect.poll(() => wait.textContent(), { timeout: 4000 }).not.toBe(before);

      const status = visitor.getByTestId('parley-status');
      await expect.poll(() => status.getAttribute('data-state'), LIVE).toBe('queued');
      await expect.poll(() => visitor.getByTestId('parley-queue-position').textContent(), LIVE).toContain('next');
      await expect.poll(() => visitor.getByTestId('parley-wait').textContent(), LIVE).toMatch(/Waiting 0:0\d/);
      await shot(dana, '1-incoming-dialog');
      await shot(visitor, '1-visitor-queued');
    },
    STEP,
  );

  it(
    'both click Accept at once: exactly one gets the chat, the other is told it was taken, both dialogs close',
    async () => {
      await Promise.all(
        [dana, sam].map((op) =>
          op.getByTestId('incoming-accept').evaluate((b: HTMLButtonElement) => {
            b.click();
          }),
        ),
      );
      await expect.poll(async () => Number(await hasInput(dana)) + Number(await hasInput(sam)), LIVE).toBe(1);
      [first, second] = (await hasInput(dana)) ? [dana, sam] : [sam, dana];
      await second.getByTestId('toast').filter({ hasText: 'Another operator took this chat' }).waitFor(LIVE);
      for (const op of [first, second]) {
        await expect.poll(() => op.getByTestId('incoming-dialog').count(), LIVE).toBe(0);
        await expect.poll(() => op.locator(`[data-testid=queue-item][data-chat-id="${chatId}"]`).count()).toBe(0);
      }
      expect(await hasInput(second)).toBe(false);
      await expect.poll(() => first.getByTestId('summary-mine').getAttribute('data-count'), LIVE).toBe('1');
      const status = visitor.getByTestId('parley-status');
      await expect.poll(() => status.getAttribute('data-state'), LIVE).toBe('active');
      await expect.poll(() => status.textContent()).toContain(`You are chatting with ${names.get(first)}`);
      // The other console lists the winner with one chat.
      const row = second.locator(`[data-testid=operator][data-operator-id="${ids.get(first)}"]`);
      await expect.poll(() => row.getByTestId('operator-chats').textContent(), LIVE).toBe('1 chat');
      await shot(second, '2-already-taken');
    },
    STEP,
  );

  it(
    'the winner transfers the chat to the other operator: the visitor is told, the new operator writes',
    async () => {
      await say(first, 'Let me find a colleague who knows lamps best.');
      await visitorSees('Let me find a colleague');
      await pane(first).getByTestId('chat-transfer').click();
      await first.getByTestId('transfer-menu').waitFor();
      await shot(first, '3-transfer-menu');
      await first.locator(`[data-testid=transfer-operator][data-operator-id="${ids.get(second)}"]`).click();

      const status = visitor.getByTestId('parley-status');
      await expect.poll(() => status.textContent(), LIVE).toContain(`You are chatting with ${names.get(second)}`);
      await visitorSees(`You are now chatting with ${names.get(second)}`, 'system');
      await second.getByTestId('toast').filter({ hasText: 'was transferred to you' }).waitFor(LIVE);
      await expect.poll(() => hasInput(second), LIVE).toBe(true);
      await say(second, `Hello Marta, ${names.get(second)} here.`);
      await visitorSees(`${names.get(second)} here.`);
      // The first operator handed it over: their tab closed, no input for it anywhere.
      await expect.poll(() => hasInput(first), LIVE).toBe(false);
      await shot(visitor, '3-visitor-transferred');
    },
    STEP,
  );

  it(
    'a conference: the new owner adds the first operator, who is told it is meant for them; then leaves',
    async () => {
      const owner = second;
      const guest = first;
      await pane(owner).getByTestId('chat-add-operator').click();
      await owner.locator(`[data-testid=add-operator-option][data-operator-id="${ids.get(guest)}"]`).click();
      const notice = pane(guest).getByTestId('added-notice');
      await notice.waitFor(LIVE);
      expect(await notice.textContent()).toContain(`${names.get(owner)} added you to this chat — it is meant for you`);
      await expect.poll(() => hasInput(guest), LIVE).toBe(true);
      await shot(guest, '4-added-to-chat');

      await visitor.getByTestId('parley-input').fill('Hi both, thanks!');
      await visitor.getByTestId('parley-input').press('Enter');
      for (const op of [owner, guest]) await operatorSees(op, 'Hi both, thanks!');
      await expect
        .poll(() => visitor.getByTestId('parley-status').textContent(), LIVE)
        .toContain(`${names.get(owner)} and ${names.get(guest)}`);

      await pane(owner).getByTestId('chat-leave').click();
      await visitorSees(`${names.get(owner)} left the conversation`, 'system');
      await expect.poll(() => hasInput(owner), LIVE).toBe(false);
      expect(await hasInput(guest)).toBe(true);
      await expect
        .poll(() => visitor.getByTestId('parley-status').textContent(), LIVE)
        .toContain(`You are chatting with ${names.get(guest)}`);
      // From here on the chat is the guest's (the race's winner) again.
    },
    STEP,
  );

  it(
    'a canned message with %name% and %visitor%, written in the manager and inserted by /shortcut + Tab',
    async () => {
      const op = first;
      await pane(op).getByTestId('canned-button').click();
      await op.getByTestId('canned-picker').waitFor();
      await op.getByTestId('canned-manage').click();
      const manager = op.getByTestId('canned-manager');
      await manager.waitFor();
      await manager.getByTestId('canned-title').fill('Introduction');
      await manager.getByTestId('canned-shortcut').fill('intro');
      await manager.getByTestId('canned-text').fill("Hi %visitor%, I'm %name% and I'll take it from here.");
      await manager.getByTestId('canned-save').click();
      await manager.getByTestId('canned-row').filter({ hasText: 'Introduction' }).waitFor(LIVE);
      await shot(op, '5-canned-manager');
      await op.keyboard.press('Escape');
      await expect.poll(() => op.getByTestId('canned-manager').count()).toBe(0);

      // The picker lists it.
      await pane(op).getByTestId('canned-button').click();
      await op.getByTestId('canned-item').filter({ hasText: 'Introduction' }).waitFor();
      await shot(op, '5-canned-picker');
      await op.keyboard.press('Escape');

      const input = pane(op).getByTestId('chat-input');
      await input.click();
      await input.pressSequentially('/intro');
      await op.getByTestId('canned-suggestions').waitFor();
      await shot(op, '5-canned-suggestions');
      await input.press('Tab');
      const expected = `Hi Marta, I'm ${names.get(op)} and I'll take it from here.`;
      expect(await input.inputValue()).toBe(expected);
      await input.press('Enter');
      await visitorSees(expected);
    },
    STEP,
  );

  it(
    'URLs and e-mail addresses become links on both sides (new tab, noopener); the text stays text',
    async () => {
      const text = 'Our lamp guide: https://example.com/lamps?ref=chat or write to help@example.com <b>now</b>';
      await say(first, text);
      await visitorSees('Our lamp guide');
      const msg = visitor.locator('[data-testid=parley-message][data-from=operator]').filter({ hasText: 'lamp guide' });
      const link = msg.locator('a[href="https://example.com/lamps?ref=chat"]');
      await link.waitFor(LIVE);
      expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
      expect(await link.getAttribute('target')).toBe('_blank');
      expect(await msg.locator('a[href="mailto:help@example.com"]').count()).toBe(1);
      expect(await msg.locator('b').count()).toBe(0);
      expect(await msg.locator('.bubble').textContent()).toBe(text);

      const mine = pane(first).getByTestId('chat-message').filter({ hasText: 'lamp guide' });
      const opLink = mine.locator('a[href="https://example.com/lamps?ref=chat"]');
      await opLink.waitFor(LIVE);
      expect(await opLink.getAttribute('rel')).toBe('noopener noreferrer');

      await visitor.getByTestId('parley-input').fill('Is www.example.org/care the care page?');
      await visitor.getByTestId('parley-input').press('Enter');
      await operatorSees(first, 'the care page');
      const fromVisitor = pane(first).getByTestId('chat-message').filter({ hasText: 'the care page' });
      expect(await fromVisitor.locator('a[href="https://www.example.org/care"]').count()).toBe(1);
      await shot(visitor, '6-visitor-links');
      // The transcript can be asked for during the chat too (from the status line).
      await visitor.getByTestId('parley-transcript-open').click();
      await visitor.getByTestId('parley-transcript').waitFor();
      await shot(visitor, '6-visitor-transcript-during-chat');
      await visitor.getByTestId('parley-transcript-open').click();
      await expect.poll(() => visitor.getByTestId('parley-transcript').count()).toBe(0);
    },
    STEP,
  );

  it(
    'hold: the visitor is told the operator will be right back; the chat is marked held until resumed',
    async () => {
      await pane(first).getByTestId('chat-hold').click();
      await visitor.getByTestId('parley-hold').waitFor(LIVE);
      expect(await visitor.getByTestId('parley-hold').textContent()).toContain('The operator will be right back');
      await pane(first).getByTestId('held-notice').waitFor(LIVE);
      await expect
        .poll(() => first.locator(`[data-testid=chat-tab][data-chat-id="${chatId}"]`).getAttribute('data-held'), LIVE)
        .toBe('true');
      await shot(first, '7-chat-toolbar-held');
      await shot(visitor, '7-visitor-hold');
      await pane(first).getByTestId('chat-hold').click();
      await expect.poll(() => visitor.getByTestId('parley-hold').count(), LIVE).toBe(0);
    },
    STEP,
  );

  it(
    'the chat ends; the visitor has the transcript mailed, and it arrives in the SES stand-in',
    async () => {
      await pane(first).getByTestId('chat-end').click();
      await expect.poll(() => visitor.getByTestId('parley-status').getAttribute('data-state'), LIVE).toBe('ended');
      const form = visitor.getByTestId('parley-transcript');
      await form.waitFor(LIVE);
      await visitor.getByTestId('parley-transcript-email').fill('marta@example.com');
      await shot(visitor, '8-visitor-transcript');
      await visitor.getByTestId('parley-transcript-send').click();
      const state = visitor.getByTestId('parley-transcript-state');
      await expect.poll(() => state.getAttribute('data-state'), LIVE).toBe('sent');
      expect(await state.textContent()).toContain('Sent to marta@example.com');

      let mail: Mail | undefined;
      await expect
        .poll(
          async () => {
            mail = (await mails()).find((m) => m.destination.to.includes('marta@example.com'));
            return !!mail;
          },
          { timeout: 15_000, interval: 200 },
        )
        .toBe(true);
      expect(mail?.subject).toMatch(/Your chat with/);
      expect(mail?.body.text).toContain('Hi both, thanks!');
      expect(mail?.body.text).toContain(`Hi Marta, I'm ${names.get(first)}`);
      expect(mail?.body.html).toContain('&lt;b&gt;now&lt;/b&gt;');

      // The operator may have it mailed too, after the end.
      await pane(first).getByTestId('chat-transcript').click();
      await first.getByTestId('transcript-email').fill('records@example.com');
      await first.getByTestId('transcript-send').click();
      await expect.poll(() => first.getByTestId('transcript-state').textContent(), LIVE).toContain('Sent to');
      await expect
        .poll(async () => (await mails()).some((m) => m.destination.to.includes('records@example.com')), {
          timeout: 15_000,
          interval: 200,
        })
        .toBe(true);
      await shot(first, '8-console-ended');
    },
    STEP,
  );

  it(
    'the communication queue: Queue keeps a request waiting, and a waiting visitor’s row asks before assigning',
    async () => {
      const olek = await newPage('olek');
      // Olek's clock is ours to move: after the queue wait he is offered to leave a message.
      await olek.clock.install();
      await olek.goto(`${stack.url}/pricing.html`);
      await olek.getByTestId('parley-button').click();
      await olek.getByTestId('parley-name').fill('Olek');
      await olek.getByTestId('parley-start').click();
      for (const op of [dana, sam]) {
        await op.getByTestId('incoming-dialog').filter({ hasText: 'Olek' }).waitFor(LIVE);
      }
      const olekChat = String(await dana.getByTestId('incoming-dialog').getAttribute('data-chat-id'));
      expect(await olek.getByTestId('parley-queue-too-long').count()).toBe(0);
      await olek.clock.fastForward(125_000);
      const tooLong = olek.getByTestId('parley-queue-too-long');
      await tooLong.waitFor(LIVE);
      expect(await tooLong.textContent()).toContain('You can leave us a message and we will write back');
      await expect.poll(() => olek.getByTestId('parley-wait').textContent()).toMatch(/Waiting 2:0\d/);
      expect(await olek.getByTestId('parley-status').getAttribute('data-state')).toBe('queued');
      await shot(olek, '9-visitor-waited-long');
      // Dana puts it in the queue (no server call), Sam declines it.
      await dana.getByTestId('incoming-queue').click();
      await sam.getByTestId('incoming-decline').click();
      for (const op of [dana, sam]) await expect.poll(() => op.getByTestId('incoming-dialog').count()).toBe(0);
      const item = dana.locator(`[data-testid=queue-item][data-chat-id="${olekChat}"]`);
      await item.waitFor();
      expect(await item.textContent()).toContain('Queued by you');
      await expect.poll(() => sam.locator(`[data-testid=queue-item][data-chat-id="${olekChat}"]`).count()).toBe(0);
      await expect.poll(() => dana.getByTestId('summary-waiting').getAttribute('data-count')).toBe('1');
      await shot(dana, '9-queue-and-summary');
      // The summary rolls up to its queues, and back.
      await dana.getByTestId('summary-toggle').click();
      await expect.poll(() => dana.getByTestId('summary-mine').count()).toBe(0);
      expect(await dana.getByTestId('summary-waiting').getAttribute('data-count')).toBe('1');
      await shot(dana, '9-summary-collapsed');
      await dana.getByTestId('summary-toggle').click();
      await dana.getByTestId('summary-mine').waitFor();

      await dana.locator('[data-testid=visitor-row][data-waiting=true]').filter({ hasText: 'Olek' }).click();
      const confirm = dana.getByTestId('confirm-accept');
      await confirm.waitFor();
      expect(await confirm.textContent()).toContain('This chat will be assigned to you');
      await shot(dana, '9-confirm-assign');
      await confirm.getByTestId('confirm-ok').click();
      await dana.locator(`[data-testid=chat-pane][data-chat-id="${olekChat}"] [data-testid=chat-input]`).waitFor(LIVE);
      await expect
        .poll(() => olek.getByTestId('parley-status').textContent(), LIVE)
        .toContain(`You are chatting with ${stack.demoOperator.name}`);
      await expect.poll(() => dana.getByTestId('summary-waiting').getAttribute('data-count'), LIVE).toBe('0');

      // The chat overview lists Dana's sessions with their last message.
      await olek.getByTestId('parley-input').fill('Do you ship to Kraków?');
      await olek.getByTestId('parley-input').press('Enter');
      await dana.getByTestId('chat-overview-tab').click();
      const row = dana.locator(`[data-testid=overview-row][data-chat-id="${olekChat}"]`);
      await expect.poll(() => row.getByTestId('overview-last').textContent(), LIVE).toContain('Do you ship to Kraków?');
      await shot(dana, '9-chat-overview');
      // Settings: the chat settings and the canned messages (the one written above is listed).
      await dana.getByTestId('nav-settings').click();
      await dana.getByTestId('settings-form').waitFor();
      expect(await dana.getByTestId('set-max-chats').inputValue()).toBe('3');
      await shot(dana, '9-settings');
      await dana.getByTestId('nav-monitor').click();
      expect(await texts(olek.getByTestId('parley-message'))).toEqual(['Do you ship to Kraków?']);
      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    STEP,
  );
});
