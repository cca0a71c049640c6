/**
 * The admin screens in Chromium against the real local stack: an admin creates a department and
 * an operator (Cognito invitation) in the Team view, sees them listed, gets an inline error for a
 * duplicate, and disables an operator whose open console is cut off at once. Plain operators have
 * no Team view. The visitor panel's privacy actions export (a JSON download) and delete a visitor.
 */
import { existsSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { api, signIn as apiSignIn } from '../support/clients.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, signInOnline } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);

const STEP = 90_000;
const OP = { email: 'otto.e2e@parley.local', password: 'Otto-operator-2026!', name: 'Otto Operator' };

describe.skipIf(!hasChromium && !requireBrowser)('admin screens in Chromium', () => {
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  let admin: Page;
  let otto: Page;
  const pageErrors: string[] = [];

  const newPage = async (label: string) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`[${label}] ${e.message}`));
    return page;
  };

  beforeAll(async () => {
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
    await stack.createOperator(OP);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    admin = await newPage('admin');
    otto = await newPage('otto');
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it(
    'a plain operator has no Team view; an admin has',
    async () => {
      await signInOnline(otto, stack.url, OP.email, OP.password);
      expect(await otto.getByTestId('nav-team').count()).toBe(0);
      await signInOnline(admin, stack.url, stack.demoOperator.email, stack.demoOperator.password);
      await admin.getByTestId('nav-team').click();
      await admin.getByTestId('admin-team').waitFor(LIVE);
      await admin.locator(`[data-testid=admin-op-row][data-email="${OP.email}"]`).waitFor(LIVE);
    },
    STEP,
  );

  it(
    'creates a department and an operator in it; the new operator is listed; a duplicate gets an inline error',
    async () => {
      await admin.getByTestId('new-dept-name').fill('Sales');
      await admin.getByTestId('new-dept-save').click();
      await admin.locator('[data-testid=admin-dept-row][data-name="Sales"]').waitFor(LIVE);

      await admin.getByTestId('new-op-email').fill('Nina.New@parley.local');
      await admin.getByTestId('new-op-name').fill('Nina New');
      await admin.getByTestId('new-op-dept-Sales').check();
      await admin.getByTestId('new-op-limit').fill('2');
      await admin.getByTestId('new-op-save').click();
      const row = admin.locator('[data-testid=admin-op-row][data-email="nina.new@parley.local"]');
      await row.waitFor(LIVE);
      expect(await row.textContent()).toContain('Nina New');
      expect(await row.textContent()).toContain('Sales');
      await expect.poll(() => admin.getByTestId('new-op-notice').textContent(), LIVE).toContain('invited');
      // The department now counts its member.
      await expect
        .poll(() => admin.locator('[data-testid=admin-dept-row][data-name="Sales"]').textContent(), LIVE)
        .toContain('1');

      await admin.getByTestId('new-op-email').fill('nina.new@parley.local');
      await admin.getByTestId('new-op-name').fill('Nina Again');
      await admin.getByTestId('new-op-save').click();
      await expect.poll(() => admin.getByTestId('new-op-error').textContent(), LIVE).toContain('already');

      // Deleting a department with members is refused inline.
      const dept = admin.locator('[data-testid=admin-dept-row][data-name="Sales"]');
      await dept.getByTestId('admin-dept-delete').click();
      await admin.getByTestId('admin-dept-confirm-delete').click();
      await expect.poll(() => admin.getByTestId('admin-dept-error').textContent(), LIVE).toContain('remove them');
    },
    STEP,
  );

  it(
    'disables an operator after confirmation: listed as disabled, their console is cut off, their API refused',
    async () => {
      const row = admin.locator(`[data-testid=admin-op-row][data-email="${OP.email}"]`);
      await row.getByTestId('admin-op-disable').click();
      await admin.getByTestId('admin-op-confirm').waitFor();
      await admin.getByTestId('admin-op-confirm-disable').click();
      await expect.poll(() => row.getByTestId('admin-op-status').textContent(), LIVE).toBe('Disabled');
      // Otto's console lost its socket; the new ticket is refused (403), so it is back at sign-in.
      await otto.getByTestId('signin-email').waitFor(LIVE);
      expect(await otto.getByTestId('visitors-grid').count()).toBe(0);
      const token = await apiSignIn(stack, OP.email, OP.password).catch(() => undefined);
      if (token) expect((await api(stack, token, 'GET', '/api/me')).status).toBe(403);
      // The admin cannot disable themselves: no button on their own row.
      const mine = admin.locator(`[data-testid=admin-op-row][data-email="${stack.demoOperator.email}"]`);
      expect(await mine.getByTestId('admin-op-disable').count()).toBe(0);
      // Enable again.
      await row.getByTestId('admin-op-enable').click();
      await expect.poll(() => row.getByTestId('admin-op-status').textContent(), LIVE).not.toBe('Disabled');
    },
    STEP,
  );

  it(
    'the visitor panel exports a visitor as JSON and deletes them after confirmation',
    async () => {
      const visitor = await newPage('visitor');
      await visitor.goto(`${stack.url}/`);
      await admin.getByTestId('nav-monitor').click();
      const row = admin.getByTestId('visitor-row').first();
      await row.waitFor(LIVE);
      const visitorId = String(await row.getAttribute('data-visitor-id'));
      await row.click();
      await admin.getByTestId('vi-privacy').waitFor(LIVE);
      const [download] = await Promise.all([admin.waitForEvent('download'), admin.getByTestId('vi-export').click()]);
      expect(download.suggestedFilename()).toBe(`parley-visitor-${visitorId}.json`);
      const exported = JSON.parse(readFileSync(String(await download.path()), 'utf8'));
      expect(exported.visitorId).toBe(visitorId);
      expect(exported.pageViews.length).toBeGreaterThan(0);

      // The widget would reconnect and record a new visit: close the page first.
      await visitor.close();
      await admin.getByTestId('vi-delete').click();
      await admin.getByTestId('vi-delete-confirm-yes').click();
      await expect.poll(() => admin.getByTestId('visitor-info').count(), LIVE).toBe(0);
      const token = await apiSignIn(stack, stack.demoOperator.email, stack.demoOperator.password);
      expect((await api(stack, token, 'GET', `/api/visitors/${visitorId}/export`)).status).toBe(404);
      expect(pageErrors).toEqual([]);
    },
    STEP,
  );
});
