/**
 * Seed 003: when no operator works at the computer for a long while, the widget's button reads
 * "Operator unavailable. Leave a message". The console sets an idle operator Away after the site's
 * `autoAwayMs` (10 minutes by default) and Online again when they are back, in Chromium.
 */
import { existsSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, signInOnline } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
const UNAVAILABLE = 'Operator unavailable. Leave a message';

describe.skipIf(!hasChromium && !requireBrowser)('an idle operator console in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  const newPage = async () => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    return ctx.newPage();
  };
  const buttonText = async (visitor: Page) => {
    await visitor.goto(`${stack.url}/`);
    const button = visitor.getByTestId('parley-button');
    await button.waitFor(LIVE);
    // The loader shows its default words until the welcome says who is available.
    await visitor.waitForTimeout(1500);
    return button.textContent();
  };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it('goes Away after 10 idle minutes, so visitors are offered a message, and comes back Online on the mouse', async () => {
    const operator = await newPage();
    // The console's clock is ours to move; it still ticks on its own meanwhile.
    await operator.clock.install();
    await signInOnline(operator, stack.url, stack.demoOperator.email, stack.demoOperator.password);
    const visitor = await newPage();
    expect(await buttonText(visitor)).not.toBe(UNAVAILABLE);

    // Nine minutes: still Online.
    await operator.clock.fastForward('09:00');
    await operator.waitForTimeout(500);
    expect(await operator.getByTestId('operator-status').inputValue()).toBe('online');

    // Past ten: Away, and a visitor who opens a page now is offered the form.
    await operator.clock.fastForward('02:00');
    await expect.poll(() => operator.getByTestId('operator-status').inputValue(), LIVE).toBe('away');
    await expect.poll(() => buttonText(visitor), LIVE).toBe(UNAVAILABLE);

    // Back at the mouse: Online again, and the next page offers chat again.
    await operator.mouse.move(200, 200);
    await operator.mouse.move(400, 300);
    await expect.poll(() => operator.getByTestId('operator-status').inputValue(), LIVE).toBe('online');
    await expect.poll(() => buttonText(visitor), LIVE).not.toBe(UNAVAILABLE);
  }, 120_000);

  it('leaves a status the operator chose alone', async () => {
    const operator = await newPage();
    await operator.clock.install();
    await signInOnline(operator, stack.url, stack.demoOperator.email, stack.demoOperator.password);
    await operator.getByTestId('operator-status').selectOption('away');
    // Let the server acknowledge the change (the status broadcasts are versioned behind it).
    await operator.waitForTimeout(1000);
    await operator.clock.fastForward('15:00');
    await operator.mouse.move(300, 300);
    await operator.waitForTimeout(500);
    expect(await operator.getByTestId('operator-status').inputValue()).toBe('away');
  }, 120_000);
});
