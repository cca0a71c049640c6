/**
 * End to end, in Debian's Chromium against the real local stack (real handlers, dynalite,
 * cognito-local): a visitor on the demo site and two operators in the console carry one chat
 * through every layer, including the accept race and a page change mid-chat.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) {
  console.warn(
    `[e2e] skipped: no Chromium at ${CHROMIUM_PATH} (apt-get install chromium, or set CHROMIUM_PATH; PARLEY_REQUIRE_BROWSER=1 makes this a failure)`,
  );
}

const HOME_TITLE = 'Lumen — Lamps for calm evenings';
const SECOND = { email: 'sam@parley.local', password: 'Second-operator-2026!', name: 'Sam Second' };
const STEP = 60_000;
/** PARLEY_E2E_SHOTS=/some/dir saves a screenshot of each side at every step, for people to look at. */
const SHOTS = process.env.PARLEY_E2E_SHOTS;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

async function signIn(page: Page, url: string, email: string, password: string): Promise<void> {
  await page.goto(`${url}/console/`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('operator-status').waitFor();
  await expect.poll(() => page.getByTestId('operator-status').isEnabled(), { timeout: 15_000 }).toBe(true);
}

async function goOnline(page: Page): Promise<void> {
  await page.getByTestId('operator-status').selectOption('online');
  await expect.poll(() => page.getByTestId('operator-status').inputValue(), { timeout: 10_000 }).toBe('online');
}

/** Texts of the non-system messages in a list, in the order shown. */
async function texts(messages: Locator): Promise<string[]> {
  return messages.evaluateAll((els) =>
    els
      .filter((el) => el.getAttribute('data-from') !== 'system')
      .map((el) => el.querySelector('.bubble, .m-bubble')?.textContent ?? ''),
  );
}

async function seqs(messages: Locator): Promise<number[]> {
  return messages.evaluateAll((els) => els.map((el) => Number(el.getAttribute('data-seq'))));
}

describe.skipIf(!hasChromium && !requireBrowser)(
  'first chat in Chromium: visitor, two operators, navigation mid-chat',
  () => {
    let stack: LocalStack;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    let visitor: Page;
    let dana: Page;
    let sam: Page;
    let winner: Page;
    let loser: Page;
    let chatId: string;
    const pageErrors: string[] = [];

    const newPage = async (label: string) => {
      const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      contexts.push(ctx);
      const page = await ctx.newPage();
      page.on('pageerror', (e) => pageErrors.push(`[${label}] ${e.message}`));
      return page;
    };

    beforeAll(async () => {
      if (!hasChromium) {
        throw new Error(
          `PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}: apt-get install chromium, or set CHROMIUM_PATH`,
        );
      }
      ensureBuilt();
      const { startLocalStack } = await import('../../local/stack.js');
      stack = await startLocalStack({ quiet: true });
      await stack.createOperator({ ...SECOND, role: 'operator' });
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      visitor = await newPage('visitor');
      dana = await newPage('dana');
      sam = await newPage('sam');
    }, 120_000);

    afterAll(async () => {
      for (const ctx of contexts) await ctx.close().catch(() => {});
      await browser?.close().catch(() => {});
      await stack?.stop();
    });

    it(
      'operators sign in to the console and go online',
      async () => {
        await signIn(dana, stack.url, stack.demoOperator.email, stack.demoOperator.password);
        await signIn(sam, stack.url, SECOND.email, SECOND.password);
        await goOnline(dana);
        await goOnline(sam);
      },
      STEP,
    );

    it(
      'a visitor opening the site appears live in the grid with the page title',
      async () => {
        await visitor.goto(`${stack.url}/`);
        await expect
          .poll(() => visitor.getByTestId('parley-button').textContent(), { timeout: 15_000 })
          .toContain('Live Help');
        const row = dana.getByTestId('visitor-row').filter({ hasText: HOME_TITLE });
        await row.first().waitFor({ timeout: 15_000 });
        expect(await row.count()).toBe(1);
        await expect.poll(() => row.getByTestId('visitor-page').textContent()).toContain(HOME_TITLE);
        await shot(visitor, '1-visitor-home');
        await shot(dana, '1-console-visitor');
      },
      STEP,
    );

    it(
      'Live Help → name → Start chat: the visitor is routed and queued, and every online operator is offered it',
      async () => {
        await visitor.getByTestId('parley-button').click();
        await visitor.getByTestId('parley-window').waitFor();
        await visitor.getByTestId('parley-name').fill('Marta');
        await visitor.getByTestId('parley-start').click();
        const status = visitor.getByTestId('parley-status');
        await status.waitFor();
        await expect
          .poll(() => status.getAttribute('data-state'), { timeout: 15_000 })
          .toMatch(/^(requesting|queued)$/);
        await expect.poll(() => status.textContent()).toContain('Routing your request');

        for (const op of [dana, sam]) {
          const item = op.getByTestId('queue-item').filter({ hasText: 'Marta' });
          await item.waitFor({ timeout: 15_000 });
          chatId = String(await item.getAttribute('data-chat-id'));
        }
        expect(chatId).toBeTruthy();
        expect(await dana.title()).toMatch(/^\(1\) /);
        await shot(visitor, '2-visitor-queued');
        await shot(dana, '2-console-queue');
      },
      STEP,
    );

    it(
      'both operators accept at once: exactly one gets the chat, the other is told it was taken',
      async () => {
        const accept = (p: Page) =>
          p
            .getByTestId('queue-item')
            .and(p.locator(`[data-chat-id="${chatId}"]`))
            .getByTestId('accept-chat');
        // Both clicks are dispatched before either reply can arrive.
        await Promise.all([dana, sam].map((p) => accept(p).evaluate((b: HTMLButtonElement) => b.click())));

        const hasInput = async (p: Page) =>
          (await p.locator(`[data-testid=chat-pane][data-chat-id="${chatId}"] [data-testid=chat-input]`).count()) > 0;
        await expect
          .poll(async () => Number(await hasInput(dana)) + Number(await hasInput(sam)), { timeout: 15_000 })
          .toBe(1);
        [winner, loser] = (await hasInput(dana)) ? [dana, sam] : [sam, dana];

        await loser
          .getByTestId('toast')
          .filter({ hasText: 'Another operator took this chat' })
          .waitFor({ timeout: 10_000 });
        // Taken: gone from every queue.
        for (const op of [winner, loser]) {
          await expect.poll(() => op.locator(`[data-testid=queue-item][data-chat-id="${chatId}"]`).count()).toBe(0);
        }
        await winner.locator(`[data-testid=chat-tab][data-chat-id="${chatId}"]`).waitFor();
        const operatorName = winner === dana ? stack.demoOperator.name : SECOND.name;
        const status = visitor.getByTestId('parley-status');
        await expect.poll(() => status.getAttribute('data-state'), { timeout: 10_000 }).toBe('active');
        await expect.poll(() => status.textContent()).toContain(`You are chatting with ${operatorName}`);
        // The loser's console has no input for this chat.
        expect(await hasInput(loser)).toBe(false);
        await shot(loser, '3-console-already-taken');
      },
      STEP,
    );

    const visitorSays = async (text: string) => {
      await visitor.getByTestId('parley-input').fill(text);
      await visitor.getByTestId('parley-input').press('Enter');
      await winner
        .getByTestId('chat-message')
        .and(winner.locator('[data-from=visitor]:not([data-pending])'))
        .filter({ hasText: text })
        .waitFor({ timeout: 15_000 });
    };
    const operatorSays = async (text: string) => {
      await winner.getByTestId('chat-input').fill(text);
      await winner.getByTestId('chat-input').press('Enter');
      await visitor
        .getByTestId('parley-message')
        .and(visitor.locator('[data-from=operator]'))
        .filter({ hasText: text })
        .waitFor({ timeout: 15_000 });
    };

    const before = [
      'Hi! Does the Aurora lamp come with a dimmer?',
      'Hello Marta, yes: it dims all the way down.',
      'Great, and is the shade washable?',
      'It is washed linen, so yes, by hand.',
    ];

    it(
      'messages flow both ways and show in the same order on both sides',
      async () => {
        await visitorSays(before[0]!);
        await operatorSays(before[1]!);
        await visitorSays(before[2]!);
        await operatorSays(before[3]!);

        const vMsgs = visitor.getByTestId('parley-message');
        const oMsgs = winner.locator(`[data-testid=chat-pane][data-chat-id="${chatId}"] [data-testid=chat-message]`);
        await expect.poll(() => texts(vMsgs)).toEqual(before);
        await expect.poll(() => texts(oMsgs)).toEqual(before);
        await shot(visitor, '4-visitor-chat');
        await shot(winner, '4-console-chat');
        for (const list of [vMsgs, oMsgs]) {
          const s = await seqs(list);
          expect(s).toEqual([...s].sort((a, b) => a - b));
          expect(new Set(s).size).toBe(s.length);
        }
      },
      STEP,
    );

    it(
      'after a page change mid-chat the window reopens with every earlier message exactly once, and the chat goes on',
      async () => {
        await Promise.all([
          visitor.waitForURL(/pricing\.html$/),
          visitor.locator('nav a[href="/pricing.html"]').click(),
        ]);
        await visitor.getByTestId('parley-window').waitFor({ timeout: 15_000 });
        const vMsgs = visitor.getByTestId('parley-message');
        await expect.poll(() => texts(vMsgs), { timeout: 15_000 }).toEqual(before);
        await expect.poll(() => visitor.getByTestId('parley-status').getAttribute('data-state')).toBe('active');
        // Give a late sync reply the chance to (wrongly) duplicate something, then look again.
        await visitor.waitForTimeout(800);
        expect(await texts(vMsgs)).toEqual(before);
        const s = await seqs(vMsgs);
        expect(new Set(s).size).toBe(s.length);
        expect(await visitor.locator('[data-testid=parley-message][data-pending]').count()).toBe(0);

        // The operator's grid follows the visitor to the new page.
        const row = winner.getByTestId('visitor-row').filter({ hasText: 'Pricing — Lumen' });
        await row.first().waitFor({ timeout: 15_000 });

        await visitorSays('One more: does Care+ cover bulbs?');
        await operatorSays('It does, replacement bulbs are free with Care+.');
        const after = [
          ...before,
          'One more: does Care+ cover bulbs?',
          'It does, replacement bulbs are free with Care+.',
        ];
        await expect.poll(() => texts(vMsgs)).toEqual(after);
        await shot(visitor, '5-visitor-after-navigation');
        await expect
          .poll(() =>
            texts(winner.locator(`[data-testid=chat-pane][data-chat-id="${chatId}"] [data-testid=chat-message]`)),
          )
          .toEqual(after);
      },
      STEP,
    );

    it(
      'the operator ends the chat and both sides show it ended',
      async () => {
        await winner.getByTestId('chat-end').click();
        const status = visitor.getByTestId('parley-status');
        await expect.poll(() => status.getAttribute('data-state'), { timeout: 15_000 }).toBe('ended');
        await expect.poll(() => status.textContent()).toContain('The chat has ended');
        expect(await visitor.getByTestId('parley-input').isDisabled()).toBe(true);

        await expect
          .poll(() => winner.getByTestId('chat-status').textContent(), { timeout: 15_000 })
          .toContain('Chat ended');
        expect(await winner.getByTestId('chat-input').isDisabled()).toBe(true);
        expect(await winner.getByTestId('chat-end').count()).toBe(0);
        await shot(visitor, '6-visitor-ended');
        await shot(winner, '6-console-ended');
        expect(pageErrors).toEqual([]);
      },
      STEP,
    );
  },
);
