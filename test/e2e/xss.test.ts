/**
 * XSS corpus in Chromium against the real local stack: hostile payloads in every visitor-controlled
 * field (name, chat message, page title, URL, referrer, custom info by data-* and parley('set'),
 * and the offline message) are rendered in the console (grid, visitor panel, chat, reports,
 * message queue) and in the widget. Nothing may execute, and the text must show literally.
 *
 * Detection: every payload calls the page hook `__x(id)` (or alert/confirm/prompt); both browser
 * contexts bypass CSP so that an injection would really run instead of being blocked, and a DOM scan
 * (open shadow roots included) finds no element a payload could have created (event-handler
 * attributes, `javascript:` links, injected img/svg/iframe/script).
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { api, signIn as apiSignIn } from '../support/clients.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, signInOnline } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);

/** Each at most 80 characters (the name limit), each calling the hook with its own id. */
export const PAYLOADS = [
  `<script>__x('s1')</script>`,
  `<img src=x onerror="__x('i1')">`,
  `<svg onload=__x('v1')>`,
  `<svg><script>__x('v2')</script></svg>`,
  `javascript:__x('j1')`,
  `"><img src=x onerror=__x('q1')>`,
  `'><script>__x('q2')</script>`,
  `<iframe src="javascript:__x('f1')"></iframe>`,
  `<a href="javascript:__x('a1')">click me</a>`,
  `<details open ontoggle=__x('d1')>`,
  `</textarea><img src=x onerror=__x('b1')>`,
  `<div <img src=x onerror=__x('b2')>`,
  `{{constructor.constructor('__x("t1")')()}}`,
  // biome-ignore lint/suspicious/noTemplateCurlyInString: the literal text ${...} is the payload
  '${__x("t2")}',
  `<math><mtext><table><mglyph><style><img src=x onerror=__x('m1')>`,
  `<body onload=alert('o1')>`,
] as const;

/** The fields a visitor controls, each carrying every payload. */
const FIELDS = [
  'visitor name',
  'visitor message',
  'page title',
  'page URL',
  'referrer',
  'custom info (data-*)',
  "custom info (parley('set'))",
] as const;

const STEP = 120_000;

/** Installed before any page script: the hook payloads call, dialogs, and CSP violations. */
const HOOK = `
  window.__xssHits = [];
  window.__x = (id) => { window.__xssHits.push(String(id)); };
  for (const name of ['alert', 'confirm', 'prompt']) {
    const original = window[name];
    window[name] = (...a) => { window.__xssHits.push(name + ':' + a.join(',')); return original ? undefined : undefined; };
  }
  document.addEventListener('securitypolicyviolation', (e) => {
    if (String(e.violatedDirective).startsWith('script')) window.__xssHits.push('csp:' + e.violatedDirective + ':' + e.sample);
  }, true);
`;

/** Elements and attributes only an injection could have made (the apps set handlers as properties). */
function scanDom(): string[] {
  const found: string[] = [];
  const visit = (root: Document | ShadowRoot) => {
    for (const el of Array.from(root.querySelectorAll('*'))) {
      for (const attr of Array.from(el.attributes)) {
        if (/^on/i.test(attr.name)) found.push(`${el.tagName}[${attr.name}]`);
        if (/^(href|src|action|formaction|xlink:href)$/i.test(attr.name) && /^\s*javascript:/i.test(attr.value))
          found.push(`${el.tagName}[${attr.name}=${attr.value}]`);
      }
      const tag = el.tagName.toLowerCase();
      if (tag === 'img' && el.getAttribute('src') === 'x') found.push('img[src=x]');
      if (tag === 'iframe' || tag === 'mglyph' || tag === 'details') found.push(tag);
      if (tag === 'script' && !el.hasAttribute('data-host-page') && (el.textContent ?? '').includes('__x'))
        found.push('script with payload');
      if (el.shadowRoot) visit(el.shadowRoot);
    }
  };
  visit(document);
  return found;
}

/** The payload as it shows: itself, or percent-encoded the way a browser puts it in a URL. */
function shows(text: string, payload: string): boolean {
  if (text.includes(payload)) return true;
  const encoded = new URL(`http://h/p?q=${payload}`).search.slice(3);
  return text.includes(encoded) || text.includes(encodeURIComponent(payload));
}

function hostPage(payload: string, widgetOrigin: string): string {
  const attr = payload.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  // JSON in a script: "<" escaped so the payload cannot close the script element.
  const js = JSON.stringify(payload).replace(/</g, '\\u003c');
  return `<!doctype html><html><head><meta charset="utf-8"><title>${attr}</title></head><body>
<h1>Hostile host page</h1>
<script data-host-page>window.parley=window.parley||function(){(window.parley.q=window.parley.q||[]).push(arguments)};
parley('set', { comment: ${js} });</script>
<script async src="${widgetOrigin}/widget/parley.js" data-site="demo" data-note="${attr}"></script>
</body></html>`;
}

describe.skipIf(!hasChromium && !requireBrowser)(
  'XSS corpus in Chromium: nothing executes, text shows literally',
  () => {
    let stack: LocalStack;
    let browser: Browser;
    const contexts: BrowserContext[] = [];
    let consolePage: Page;
    const hits: string[] = [];
    const pageErrors: string[] = [];
    let tried = 0;
    // The hostile site: a server of its own (another origin embedding the widget), serving page N
    // with payload N in its title, a data-* attribute and parley('set').
    let site: Server | undefined;
    let siteUrl = '';

    const newPage = async (label: string, referrer?: string) => {
      const ctx = await browser.newContext({ viewport: { width: 1400, height: 900 }, bypassCSP: true });
      contexts.push(ctx);
      await ctx.addInitScript(HOOK);
      if (referrer) {
        await ctx.addInitScript(
          `Object.defineProperty(Document.prototype, 'referrer', { get: () => ${JSON.stringify(referrer)} });`,
        );
      }
      const page = await ctx.newPage();
      page.on('dialog', (d) => {
        hits.push(`[${label}] dialog ${d.type()}: ${d.message()}`);
        void d.dismiss();
      });
      page.on('pageerror', (e) => pageErrors.push(`[${label}] ${e.message}`));
      return page;
    };

    const collect = async (page: Page, label: string) => {
      const h = (await page.evaluate(() => (window as unknown as { __xssHits: string[] }).__xssHits)) ?? [];
      hits.push(...h.map((x) => `[${label}] ${x}`));
      const dom = await page.evaluate(scanDom);
      hits.push(...dom.map((x) => `[${label}] DOM ${x}`));
    };

    beforeAll(async () => {
      ensureBuilt();
      const { startLocalStack } = await import('../../local/stack.js');
      stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
      // Room for one chat per payload.
      const token = await apiSignIn(stack, stack.demoOperator.email, stack.demoOperator.password);
      const settings = (await api<Record<string, unknown>>(stack, token, 'GET', '/api/settings')).body;
      // (PUT refuses a blank site name, which GET answers by default.)
      const put = await api(stack, token, 'PUT', '/api/settings', {
        ...settings,
        siteName: settings.siteName || 'Parley test site',
        maxChatsPerOperator: 50,
      });
      if (put.status !== 200) throw new Error(`settings refused: ${JSON.stringify(put.body)}`);
      site = createServer((req, res) => {
        const n = Number(/^\/xss\/p(\d+)\.html/.exec(req.url ?? '')?.[1] ?? 0);
        const payload = PAYLOADS[n - 1];
        if (!payload) return void res.writeHead(404).end();
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(hostPage(payload, stack.url));
      });
      await new Promise<void>((r) => site!.listen(0, '127.0.0.1', () => r()));
      siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      consolePage = await newPage('console');
    }, 120_000);

    afterAll(async () => {
      for (const ctx of contexts) await ctx.close().catch(() => {});
      await browser?.close().catch(() => {});
      await stack?.stop();
      await new Promise((r) => (site ? site.close(r) : r(undefined)));
      console.info(
        `[xss] ${PAYLOADS.length} payloads × ${FIELDS.length} fields = ${tried} placements (plus offline messages)`,
      );
    });

    it(
      'an operator signs in to the console and goes online',
      async () => {
        await signInOnline(consolePage, stack.url, stack.demoOperator.email, stack.demoOperator.password);
      },
      STEP,
    );

    it('the detector works: the same kind of payload put in with innerHTML is caught (positive control)', async () => {
      const caught = await consolePage.evaluate(async () => {
        const w = window as unknown as { __xssHits: string[] };
        const div = document.createElement('div');
        div.innerHTML = `<img src=x onerror="__x('control')">`;
        document.body.append(div);
        await new Promise((r) => setTimeout(r, 300));
        const seen = w.__xssHits.includes('control');
        div.remove();
        w.__xssHits = [];
        return seen;
      });
      expect(caught).toBe(true);
    });

    for (const [i, payload] of PAYLOADS.entries()) {
      it(
        `payload ${i + 1}: ${payload}`,
        async () => {
          const visitor = await newPage(`visitor ${i + 1}`, `https://evil.example/search?q=${payload}`);
          await visitor.goto(`${siteUrl}/xss/p${i + 1}.html?q=${encodeURIComponent(payload)}`);
          await visitor.getByTestId('parley-button').waitFor(LIVE);

          // Name and message through the widget, as a visitor types them.
          await visitor.getByTestId('parley-button').click();
          await visitor.getByTestId('parley-name').fill(payload);
          await visitor.getByTestId('parley-start').click();
          const item = consolePage.getByTestId('queue-item').filter({ hasText: payload });
          await item.first().waitFor(LIVE);
          const chatId = String(await item.first().getAttribute('data-chat-id'));
          await item.first().getByTestId('accept-chat').click();
          const pane = consolePage.locator(`[data-testid=chat-pane][data-chat-id="${chatId}"]`);
          await pane.getByTestId('chat-input').waitFor(LIVE);
          await visitor.getByTestId('parley-input').waitFor(LIVE);
          await visitor.getByTestId('parley-input').fill(`visitor says ${payload}`);
          await visitor.getByTestId('parley-input').press('Enter');
          // The operator echoes it: the widget renders operator text too (with links detected).
          await pane.getByTestId('chat-input').fill(`operator says ${payload}`);
          await pane.getByTestId('chat-input').press('Enter');

          // Console chat: both messages and the name, literally.
          await expect.poll(() => pane.textContent(), LIVE).toContain(`visitor says ${payload}`);
          await expect.poll(() => pane.textContent(), LIVE).toContain(`operator says ${payload}`);
          // Widget: both messages, literally.
          const widget = visitor.getByTestId('parley-messages');
          await expect.poll(() => widget.textContent(), LIVE).toContain(`visitor says ${payload}`);
          await expect.poll(() => widget.textContent(), LIVE).toContain(`operator says ${payload}`);

          // Grid row: name and page title.
          await consolePage.getByTestId('nav-monitor').click();
          const row = consolePage
            .getByTestId('visitor-row')
            .filter({ has: consolePage.getByTestId('visitor-name').getByText(payload, { exact: true }) });
          await row.first().waitFor(LIVE);
          await expect.poll(() => row.first().getByTestId('visitor-name').textContent(), LIVE).toBe(payload);
          await expect
            .poll(async () => shows(String(await row.first().getByTestId('visitor-page').textContent()), payload), LIVE)
            .toBe(true);

          // Visitor panel: title, URL, referrer and both custom fields.
          await consolePage.getByTestId('nav-monitor').click();
          await row.first().locator('td.c-loc').click();
          const info = consolePage.getByTestId('visitor-info');
          await info.waitFor(LIVE);
          await expect.poll(() => info.getByTestId('visitor-info-name').textContent(), LIVE).toBe(payload);
          const panel = async () => String(await info.textContent());
          await expect.poll(async () => (await panel()).split(payload).length - 1, LIVE).toBeGreaterThanOrEqual(4);
          expect(shows(await panel(), payload), 'URL/referrer').toBe(true);
          const custom = await info.evaluate((el) => el.textContent ?? '');
          expect(custom).toContain(payload); // data-note and comment are listed under custom information
          await consolePage.keyboard.press('Escape');

          tried += FIELDS.length;
          await collect(visitor, `visitor ${i + 1}`);
          await collect(consolePage, 'console');
          expect(hits).toEqual([]);
          await visitor.context().close();
        },
        STEP,
      );
    }

    it(
      'the reports (page URLs of every hostile page) render without executing anything',
      async () => {
        // The counters come a minute at a time (report-stream): deliver that batch now.
        await stack.stream.idle();
        await consolePage.getByTestId('nav-reports').click();
        await consolePage.getByTestId('reports').waitFor(LIVE);
        await expect
          .poll(
            async () => String(await consolePage.getByTestId('reports').textContent()).includes('/xss/p1.html'),
            LIVE,
          )
          .toBe(true);
        await collect(consolePage, 'console reports');
        expect(hits).toEqual([]);
      },
      STEP,
    );

    it(
      'offline messages: name and text with every payload, shown in the Message Queue, nothing executes',
      async () => {
        // Nobody online: the widget offers the message form.
        await consolePage.getByTestId('operator-status').selectOption('offline');
        const sent: string[] = [];
        for (const [i, payload] of PAYLOADS.entries()) {
          // One visitor per message: the per-visitor rate limit is not what this tests.
          const visitor = await newPage(`offline visitor ${i + 1}`);
          await visitor.goto(`${stack.url}/`);
          await visitor.getByTestId('parley-button').waitFor(LIVE);
          await visitor.getByTestId('parley-button').click();
          await visitor.getByTestId('parley-offline-form').waitFor(LIVE);
          await visitor.getByTestId('parley-offline-name').fill(payload);
          await visitor.getByTestId('parley-offline-email').fill(`xss${i}@example.com`);
          await visitor.getByTestId('parley-offline-text').fill(`offline ${payload}`);
          await visitor.getByTestId('parley-offline-send').click();
          const outcome = visitor
            .getByTestId('parley-offline-sent')
            .or(visitor.getByTestId('parley-offline-failure'))
            .or(visitor.locator('[data-testid^=parley-offline-error-]'));
          await outcome.first().waitFor(LIVE);
          expect(await outcome.first().getAttribute('data-testid'), await outcome.first().innerText()).toBe(
            'parley-offline-sent',
          );
          sent.push(payload);
          await collect(visitor, `offline visitor ${i + 1}`);
          await visitor.context().close();
        }
        await consolePage.getByTestId('nav-messages').click();
        await consolePage.getByTestId('message-queue').waitFor(LIVE);
        for (const payload of sent) {
          const item = consolePage.getByTestId('mq-item').filter({ hasText: `offline ${payload}` });
          await item.first().waitFor(LIVE);
          expect(await item.first().getByTestId('mq-name').textContent()).toBe(payload);
        }
        await collect(consolePage, 'console messages');
        expect(hits).toEqual([]);
        console.info(`[xss] offline messages: ${sent.length} payloads × 2 fields (name, text)`);
      },
      3 * STEP,
    );

    it('no page error on either side', () => {
      expect(pageErrors.filter((e) => !/WebSocket|network/i.test(e))).toEqual([]);
    });
  },
);
