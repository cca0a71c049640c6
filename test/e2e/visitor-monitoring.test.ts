/**
 * Visitor monitoring end to end, in Debian's Chromium against the real local stack (real handlers,
 * dynalite with its change stream feeding coalesced grid updates, cognito-local): a visitor browses
 * three pages of the demo shop and the operator's grid follows live; the info panel shows the
 * navigation history; each of the seed's filters shows exactly the right rows (one visitor
 * chatting with me, one browsing, one departed); a tag set in one console reaches another; a page
 * title carrying HTML stays text.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, signInOnline } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);

const SAM = { email: 'sam@parley.local', password: 'Second-operator-2026!', name: 'Sam Second' };
const HOME = 'Lumen — Lamps for calm evenings';
const PRODUCT = 'Aurora Desk Lamp — Lumen';
const PRICING = 'Pricing — Lumen';
const CONTACT = 'Contact — Lumen';
const XSS_TITLE = '<img src=x onerror=alert(1)> Winter sale';
const STEP = 60_000;
const SHOTS = process.env.PARLEY_E2E_SHOTS;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400);
  await page.screenshot({ path: join(SHOTS, `real-${name}.png`) });
}

describe.skipIf(!hasChromium && !requireBrowser)('visitor monitoring in Chromium against the local stack', () => {
  let stack: LocalStack;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  const dialogs: string[] = [];
  /** visitorId from each visitor page's welcome frame, as the widget received it. */
  const welcomed = new Map<Page, string>();
  let dana: Page;
  let sam: Page;
  let alice: Page; // browses three pages
  let bea: Page; // chats with Dana
  let carl: Page; // leaves
  const ids: Record<'alice' | 'bea' | 'carl', string> = { alice: '', bea: '', carl: '' };

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
          if (f.type === 'welcome' && f.role === 'visitor') welcomed.set(page, String(f.visitorId));
        } catch {
          /* not JSON */
        }
      });
    });
    return page;
  };

  const signIn = (page: Page, email: string, password: string) => signInOnline(page, stack.url, email, password);

  const visitorId = async (page: Page) => {
    await expect.poll(() => welcomed.get(page) ?? '', LIVE).not.toBe('');
    return welcomed.get(page)!;
  };
  const rowOf = (op: Page, id: string) => op.locator(`[data-testid=visitor-row][data-visitor-id="${id}"]`);
  const shownIds = async (op: Page) =>
    (
      await op.getByTestId('visitor-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-visitor-id') ?? ''))
    ).sort();
  const currentPage = (op: Page, id: string) => rowOf(op, id).getByTestId('visitor-page').textContent();

  /** Follows a link in the shop's main navigation (a full page load: a new socket, same visitor). */
  const navigate = async (page: Page, href: string) => {
    await Promise.all([page.waitForURL(`**${href}`), page.locator(`nav a[href="${href}"]`).click()]);
    await page.getByTestId('parley-button').waitFor(LIVE);
  };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ quiet: true });
    await stack.createOperator({ ...SAM, role: 'operator' });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    dana = await newPage('dana');
    sam = await newPage('sam');
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await stack?.stop();
  });

  it(
    'both operators sign in; Dana, an admin, sets a short departed grace period in Settings',
    async () => {
      await signIn(dana, stack.demoOperator.email, stack.demoOperator.password);
      await signIn(sam, SAM.email, SAM.password);
      await dana.getByTestId('nav-settings').click();
      await dana.getByTestId('settings-form').waitFor();
      await dana.getByTestId('set-grace').fill('5');
      await dana.getByTestId('settings-save').click();
      await dana.getByTestId('settings-saved').waitFor(LIVE);
      await dana.getByTestId('nav-monitor').click();
      await dana.getByTestId('visitors-grid').waitFor();
      // Sam is not an admin: the same form is read-only for him.
      await sam.getByTestId('nav-settings').click();
      expect(await sam.getByTestId('set-grace').isDisabled()).toBe(true);
      expect(await sam.getByTestId('settings-save').count()).toBe(0);
      await sam.getByTestId('nav-monitor').click();
    },
    STEP,
  );

  it(
    'a visitor browsing three pages shows up live with the page they are on',
    async () => {
      alice = await newPage('alice');
      await alice.goto(`${stack.url}/`);
      ids.alice = await visitorId(alice);
      await rowOf(dana, ids.alice).waitFor(LIVE);
      await expect.poll(() => currentPage(dana, ids.alice), LIVE).toContain(HOME);
      await expect.poll(() => rowOf(dana, ids.alice).getAttribute('class'), LIVE).toContain('row-new');

      await navigate(alice, '/product.html');
      expect(await visitorId(alice)).toBe(ids.alice);
      await expect.poll(() => currentPage(dana, ids.alice), LIVE).toContain(PRODUCT);
      await navigate(alice, '/pricing.html');
      await expect.poll(() => currentPage(dana, ids.alice), LIVE).toContain(PRICING);
      await expect.poll(() => currentPage(sam, ids.alice), LIVE).toContain(PRICING);
      expect(await rowOf(dana, ids.alice).getAttribute('data-presence')).toBe('browsing');
      await shot(dana, 'grid-one-visitor');
    },
    STEP,
  );

  it(
    'the info panel shows the navigation history with the three pages, place, browser and custom information',
    async () => {
      await rowOf(dana, ids.alice).click();
      const info = dana.getByTestId('visitor-info');
      await info.waitFor();
      const history = info.getByTestId('vi-history-item');
      await expect
        .poll(() => history.evaluateAll((els) => els.map((e) => e.querySelector('.hist-title')?.textContent)), LIVE)
        .toEqual([PRICING, PRODUCT, HOME]);
      const text = await info.textContent();
      expect(text).toContain('127.0.0.1'); // the socket address locally
      expect(text).toContain('Localhost'); // the gateway's labelled stand-in place
      expect(text).toMatch(/Chrome|Chromium/);
      // The product page's embed code: data-section and parley('set', …) before the loader arrived.
      const custom = await info.getByTestId('vi-custom').textContent();
      expect(custom).toContain('Lamps');
      expect(custom).toContain('Aurora desk lamp');
      await shot(dana, 'info-panel');
    },
    STEP,
  );

  it(
    'a single-page-app route change with an HTML-looking title is tracked, and shown as text everywhere',
    async () => {
      await alice.evaluate((title) => {
        history.pushState({}, '', '/pricing.html#winter-sale');
        document.title = title;
      }, XSS_TITLE);
      await expect.poll(() => currentPage(dana, ids.alice), LIVE).toContain('<img src=x onerror=alert(1)>');
      await expect.poll(() => currentPage(sam, ids.alice), LIVE).toContain('Winter sale');
      const info = dana.getByTestId('visitor-info');
      await expect.poll(() => info.getByTestId('vi-history-item').count(), LIVE).toBe(4);
      expect(await info.getByTestId('vi-current-page').textContent()).toContain(XSS_TITLE);
      for (const op of [dana, sam]) expect(await op.locator('img[src="x"]').count()).toBe(0);
      await dana.waitForTimeout(500);
      expect(dialogs).toEqual([]);
      await shot(dana, 'xss-title');
    },
    STEP,
  );

  it(
    'a second visitor asks for a chat and Dana accepts it; a third visitor leaves and departs after the grace period',
    async () => {
      bea = await newPage('bea');
      await bea.goto(`${stack.url}/contact.html`);
      ids.bea = await visitorId(bea);
      await bea.getByTestId('parley-button').click();
      await bea.getByTestId('parley-name').fill('Bea');
      await bea.getByTestId('parley-start').click();
      await expect.poll(() => rowOf(dana, ids.bea).getAttribute('data-status'), LIVE).toBe('waiting-for-chat');
      expect(await currentPage(dana, ids.bea)).toContain(CONTACT);
      expect(await rowOf(dana, ids.bea).getByTestId('visitor-name').textContent()).toBe('Bea');
      const item = dana.getByTestId('queue-item').filter({ hasText: 'Bea' });
      // The info panel takes the side column: close it to reach the queue.
      await dana.keyboard.press('Escape');
      await item.getByTestId('accept-chat').click();
      await expect.poll(() => bea.getByTestId('parley-status').getAttribute('data-state'), LIVE).toBe('active');
      await expect.poll(() => rowOf(dana, ids.bea).getAttribute('data-status'), LIVE).toBe('waiting-for-response');
      expect(await rowOf(dana, ids.bea).getAttribute('data-presence')).toBe('chatting');

      carl = await newPage('carl');
      await carl.goto(`${stack.url}/`);
      ids.carl = await visitorId(carl);
      await rowOf(dana, ids.carl).waitFor(LIVE);
      await carl.close();
      // Within the grace period the visitor may just be changing pages; after it, departed.
      await expect
        .poll(() => rowOf(dana, ids.carl).getAttribute('data-presence'), { timeout: 20_000 })
        .toBe('departed');
    },
    STEP,
  );

  it(
    'each filter shows exactly the right rows',
    async () => {
      const { alice: a, bea: b, carl: c } = ids;
      const expectRows = async (op: Page, filter: string, want: string[]) => {
        await op.getByTestId(`filter-${filter}`).click();
        await expect.poll(() => shownIds(op), LIVE).toEqual([...want].sort());
      };
      await expectRows(dana, 'all', [a, b, c]);
      await shot(dana, 'grid-all');
      await expectRows(dana, 'mine', [b]);
      await expectRows(dana, 'chatting', [b]);
      await expectRows(dana, 'browsing', [a, b]);
      // Sam chats with nobody: his "Hide Other Operators Activity" view is empty.
      await expectRows(sam, 'mine', []);
      await expectRows(sam, 'chatting', [b]);
      await expectRows(dana, 'all', [a, b, c]);
      await expectRows(sam, 'all', [a, b, c]);
    },
    STEP,
  );

  it(
    'a tag and a note set in one console appear in the other; an Unwelcome visitor is offered only a message',
    async () => {
      await rowOf(dana, ids.alice).click();
      const info = dana.getByTestId('visitor-info');
      await info.getByTestId('visitor-tag').selectOption('prospect');
      const badge = rowOf(sam, ids.alice).getByTestId('visitor-tag-badge');
      await expect.poll(() => badge.getAttribute('data-tag'), LIVE).toBe('prospect');
      expect(await badge.textContent()).toBe('Prospect');

      await rowOf(sam, ids.alice).click();
      const samInfo = sam.getByTestId('visitor-info');
      await samInfo.waitFor();
      await info.getByTestId('vi-note-input').fill('Looking for a gift; prefers <b>linen</b>.');
      await info.getByTestId('vi-note-add').click();
      await samInfo.getByTestId('vi-note').filter({ hasText: 'prefers <b>linen</b>' }).waitFor(LIVE);
      expect(await samInfo.locator('b').count()).toBe(0);
      await shot(sam, 'tag-and-note');

      await info.getByTestId('visitor-tag').selectOption('unwelcome');
      await samInfo.getByTestId('unwelcome-warning').waitFor(LIVE);
      await alice.reload();
      await expect.poll(() => alice.getByTestId('parley-button').textContent(), LIVE).toContain('Leave a message');
      await alice.getByTestId('parley-button').click();
      await alice.getByTestId('parley-unavailable').waitFor();
      expect(await alice.getByTestId('parley-start').count()).toBe(0);

      expect(dialogs).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    STEP,
  );
});
