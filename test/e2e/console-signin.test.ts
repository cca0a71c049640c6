/**
 * The console's sign-in against the real local stack (cognito-local behind /cognito/, the HTTP API's
 * ticket, the operator socket): wrong password, first sign-in with a temporary password, sign out.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);

const NEWBIE = { email: 'newbie@parley.local', password: 'Temporary-pass-1!', name: 'Nora New' };

describe.skipIf(!hasChromium && !requireBrowser)('console sign-in', () => {
  let stack: LocalStack;
  let browser: Browser;

  const fresh = async (): Promise<Page> => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await ctx.newPage();
    await page.goto(`${stack.url}/console/`);
    return page;
  };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ quiet: true });
    await stack.createOperator({ ...NEWBIE, role: 'operator', temporary: true });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 120_000);

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it('shows an error for a wrong password and stays on the sign-in screen', async () => {
    const page = await fresh();
    await page.getByTestId('signin-email').fill(stack.demoOperator.email);
    await page.getByTestId('signin-password').fill('not-the-password');
    await page.getByTestId('signin-submit').click();
    await expect
      .poll(() => page.getByTestId('signin-error').textContent(), { timeout: 10_000 })
      .toBe('Incorrect e-mail or password.');
    expect(await page.getByTestId('operator-status').count()).toBe(0);
  }, 60_000);

  it('asks for a new password on the first sign-in with a temporary one, then opens the console', async () => {
    const page = await fresh();
    await page.getByTestId('signin-email').fill(NEWBIE.email);
    await page.getByTestId('signin-password').fill(NEWBIE.password);
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('signin-new-password').fill('Brand-new-pass-2!');
    await page.getByTestId('signin-confirm-password').fill('Brand-new-pass-2!');
    await page.getByTestId('signin-submit').click();
    await page.getByTestId('visitors-grid').waitFor({ timeout: 15_000 });
    await expect.poll(() => page.getByTestId('operator-status').isEnabled(), { timeout: 15_000 }).toBe(true);
  }, 60_000);

  it('keeps the session across a reload, and signs out back to the sign-in screen', async () => {
    const page = await fresh();
    await page.getByTestId('signin-email').fill(stack.demoOperator.email);
    await page.getByTestId('signin-password').fill(stack.demoOperator.password);
    await page.getByTestId('signin-submit').click();
    await expect.poll(() => page.getByTestId('operator-status').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.reload();
    await expect.poll(() => page.getByTestId('operator-status').isEnabled(), { timeout: 15_000 }).toBe(true);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('signin-email').waitFor();
    await page.reload();
    await page.getByTestId('signin-email').waitFor();
  }, 60_000);
});
