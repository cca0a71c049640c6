/**
 * End to end, in Debian's Chromium against the real local stack: the offline flow (nobody online →
 * the button offers a message, the mail reaches the SES stand-in, the console's Message Queue shows
 * it as new and an operator marks it handled), the embed generator's snippet pasted into a fresh
 * page on another origin (the chosen colours, corner and Polish labels), and a hostile page (global
 * CSS resets, a strict CSP with a nonce, patched built-ins) on which the widget still works.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalStack } from '../../local/stack.js';
import { api, operatorSession, signIn } from '../support/clients.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, ROOT } from './support/browser.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
const STEP = 90_000;
const SHOTS = join(ROOT, 'test-results');

type Mail = { destination: { to: string[] }; subject: string; body: { text?: string; html?: string } };

/** A web server of the test's own (another origin than Parley's): path → page and its headers. */
interface SiteServer {
  url: string;
  pages: Map<string, { html: string; headers?: Record<string, string> }>;
  close(): Promise<void>;
}

async function startSite(): Promise<SiteServer> {
  const pages: SiteServer['pages'] = new Map();
  const server: Server = createServer((req, res) => {
    const page = pages.get(new URL(req.url ?? '/', 'http://x').pathname);
    if (!page) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', ...page.headers });
    res.end(page.html);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    pages,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** Computed styles of an element inside the widget's shadow root. */
async function widgetStyle(page: Page, testid: string, props: string[]): Promise<Record<string, string>> {
  return page.getByTestId(testid).evaluate((el, names) => {
    const cs = getComputedStyle(el);
    return Object.fromEntries(names.map((n) => [n, cs.getPropertyValue(n)]));
  }, props);
}

describe.skipIf(!hasChromium && !requireBrowser)('offline messages and the embed code in Chromium', () => {
  let stack: LocalStack;
  let site: SiteServer;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let dana: Page;
  let snippet = '';

  const newPage = async (label: string, opts: { clipboard?: string } = {}) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    if (opts.clipboard) await ctx.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: opts.clipboard });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.on('pageerror', (e) => pageErrors.push(`[${label}] ${e.message}`));
    return page;
  };
  const mails = async (): Promise<Mail[]> =>
    ((await (await fetch(`${stack.sesUrl}/store`)).json()) as { emails: Mail[] }).emails;

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const { startLocalStack } = await import('../../local/stack.js');
    stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100 });
    site = await startSite();
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    mkdirSync(SHOTS, { recursive: true });
  }, 120_000);

  afterAll(async () => {
    for (const ctx of contexts) await ctx.close().catch(() => {});
    await browser?.close().catch(() => {});
    await site?.close();
    await stack?.stop();
  });

  it(
    'with nobody online the button offers a message; the form checks its fields, the mail reaches the operators, the console lists it as new and an operator marks it handled',
    async () => {
      const visitor = await newPage('visitor');
      await visitor.goto(`${stack.url}/`);
      const button = visitor.getByTestId('parley-button');
      await expect.poll(() => button.textContent(), LIVE).toBe('Operator unavailable. Leave a message');
      await button.click();
      const form = visitor.getByTestId('parley-offline-form');
      await form.waitFor(LIVE);

      // Inline validation: nothing is sent until every field is right, and the errors name the fields.
      await visitor.getByTestId('parley-offline-send').click();
      for (const f of ['name', 'email', 'text']) await visitor.getByTestId(`parley-offline-error-${f}`).waitFor();
      expect(await visitor.getByTestId('parley-offline-name').getAttribute('aria-invalid')).toBe('true');
      await visitor.getByTestId('parley-offline-name').fill('Wanda Visitor');
      await visitor.getByTestId('parley-offline-email').fill('not-an-address');
      await visitor.getByTestId('parley-offline-text').fill('Do you ship lamps to Norway? <b>bold</b>');
      await visitor.getByTestId('parley-offline-send').click();
      expect(await visitor.getByTestId('parley-offline-error-email').textContent()).toBe(
        'Please enter a valid e-mail address.',
      );
      expect(await visitor.getByTestId('parley-offline-error-name').count()).toBe(0);
      await visitor.getByTestId('parley-offline-email').fill('wanda@example.com');
      await visitor.getByTestId('parley-offline-send').click();
      const sent = visitor.getByTestId('parley-offline-sent');
      await sent.waitFor(LIVE);
      expect(await sent.textContent()).toContain('wanda@example.com');
      expect(await sent.getAttribute('role')).toBe('status');

      // The mail function sends it to the team (the demo admin) through SES.
      await expect
        .poll(async () => (await mails()).filter((m) => m.body.text?.includes('Do you ship lamps to Norway?')), LIVE)
        .toHaveLength(1);
      const mail = (await mails()).find((m) => m.body.text?.includes('Do you ship lamps to Norway?'))!;
      expect(mail.destination.to).toContain(stack.demoOperator.email);
      expect(mail.subject).toContain('Wanda Visitor');

      // The console: the count in the nav, the message as new, rendered as text.
      dana = await newPage('dana', { clipboard: stack.url });
      await dana.goto(`${stack.url}/console/`);
      await dana.getByTestId('signin-email').fill(stack.demoOperator.email);
      await dana.getByTestId('signin-password').fill(stack.demoOperator.password);
      await dana.getByTestId('signin-submit').click();
      await dana.getByTestId('visitors-grid').waitFor(LIVE);
      await expect.poll(() => dana.getByTestId('nav-messages-count').textContent(), LIVE).toBe('1');
      await dana.getByTestId('nav-messages').click();
      const item = dana.getByTestId('mq-item').filter({ hasText: 'Wanda Visitor' });
      await item.waitFor(LIVE);
      expect(await item.getAttribute('data-status')).toBe('new');
      expect(await item.getByTestId('mq-text').textContent()).toBe('Do you ship lamps to Norway? <b>bold</b>');
      expect(await item.locator('b').count()).toBe(0);

      // A second message arrives live while the queue is open.
      const second = await newPage('visitor-2');
      await second.goto(`${stack.url}/pricing.html`);
      await second.getByTestId('parley-button').click();
      await second.getByTestId('parley-offline-name').fill('Piotr Second');
      await second.getByTestId('parley-offline-email').fill('piotr@example.com');
      await second.getByTestId('parley-offline-text').fill('Is the Aurora lamp dimmable?');
      await second.getByTestId('parley-offline-send').click();
      await second.getByTestId('parley-offline-sent').waitFor(LIVE);
      await dana.getByTestId('mq-item').filter({ hasText: 'Piotr Second' }).waitFor(LIVE);
      await expect.poll(() => dana.getByTestId('nav-messages-count').textContent(), LIVE).toBe('2');

      // Mark handled: it moves to Handled, with who and when.
      await item.getByTestId('mq-mark-handled').click();
      await expect.poll(() => dana.getByTestId('mq-item').filter({ hasText: 'Wanda Visitor' }).count(), LIVE).toBe(0);
      await expect.poll(() => dana.getByTestId('nav-messages-count').textContent(), LIVE).toBe('1');
      await dana.getByTestId('mq-tab-handled').click();
      const handled = dana.getByTestId('mq-item').filter({ hasText: 'Wanda Visitor' });
      await handled.waitFor(LIVE);
      expect(await handled.getAttribute('data-status')).toBe('handled');
      expect(await handled.getByTestId('mq-handled').textContent()).toContain(`Handled by ${stack.demoOperator.name}`);

      // The summary bar counts what is left and its Next message opens the queue.
      expect(await dana.getByTestId('summary-messages').textContent()).toBe('1 message');
      await dana.getByTestId('nav-monitor').click();
      await dana.getByTestId('summary-next-message').click();
      await dana.getByTestId('message-queue').waitFor(LIVE);

      // The site's name (console Settings) signs the reply and names its sender.
      await dana.getByTestId('nav-settings').click();
      await dana.getByTestId('set-site-name').fill('Aurora Lamps');
      expect(await dana.getByTestId('set-typing-preview').getAttribute('aria-checked')).toBe('false');
      await dana.getByTestId('settings-save').click();
      await dana.getByTestId('settings-saved').waitFor(LIVE);
      await dana.getByTestId('nav-messages').click();
      await dana.getByTestId('message-queue').waitFor(LIVE);

      // A reply by e-mail goes to the visitor's address through SES, and is recorded on the message.
      await dana.getByTestId('mq-tab-new').click();
      const piotr = dana.getByTestId('mq-item').filter({ hasText: 'Piotr Second' });
      await piotr.getByTestId('mq-reply').click();
      await piotr.getByTestId('mq-reply-text').fill('Yes, the Aurora lamp is dimmable.');
      await piotr.getByTestId('mq-reply-send').click();
      await expect
        .poll(async () => (await mails()).filter((m) => m.destination.to.includes('piotr@example.com')), LIVE)
        .toHaveLength(1);
      const reply = (await mails()).find((m) => m.destination.to.includes('piotr@example.com'))!;
      expect(reply.body.text).toContain('Yes, the Aurora lamp is dimmable.');
      expect(reply.subject).toBe('Re: your message to Aurora Lamps');
      expect((reply as { from?: string }).from).toMatch(/^"Aurora Lamps" </);
      await dana.getByTestId('mq-tab-handled').click();
      const replied = dana.getByTestId('mq-item').filter({ hasText: 'Piotr Second' });
      await replied.waitFor(LIVE);
      expect(await replied.textContent()).toContain('Yes, the Aurora lamp is dimmable.');
      await dana.screenshot({ path: join(SHOTS, 'offline-message-queue.png') });
    },
    STEP,
  );

  it(
    'a visitor who waited too long in the queue is offered the same form (the server’s hint), and leaving a message ends the queued chat',
    async () => {
      // The site's own queue timeout (30 s here), which the widget learns from the server's hint.
      const token = await signIn(stack, stack.demoOperator.email, stack.demoOperator.password);
      const settings = (await api(stack, token, 'GET', '/api/settings')).body;
      expect((await api(stack, token, 'PUT', '/api/settings', { ...settings, queueTimeoutMs: 30_000 })).status).toBe(
        200,
      );
      // Someone is online (and does not answer): the queue timeout is what offers the form.
      const dana = await operatorSession(stack, stack.demoOperator);
      const visitor = await newPage('waiting');
      await visitor.clock.install();
      const button = visitor.getByTestId('parley-button');
      // The welcome's count is cached a few seconds per function instance.
      await expect
        .poll(async () => {
          await visitor.goto(`${stack.url}/product.html`);
          await button.waitFor(LIVE);
          return button.textContent();
        }, LIVE)
        .toBe('Live Help');
      await button.click();
      await visitor.getByTestId('parley-name').fill('Wiktor');
      await visitor.getByTestId('parley-start').click();
      await expect.poll(() => visitor.getByTestId('parley-status').getAttribute('data-state'), LIVE).toBe('queued');
      // Seeds 001/002: "Leave a message" is there the whole time the chat is queued ...
      await visitor.getByTestId('parley-queue-leave-message').waitFor(LIVE);
      expect(await visitor.getByTestId('parley-queue-too-long').count()).toBe(0);
      expect(await visitor.getByTestId('parley-offline-form').count()).toBe(0);
      await visitor.clock.fastForward(20_000);
      await visitor.waitForTimeout(300);
      expect(await visitor.getByTestId('parley-queue-too-long').count()).toBe(0);
      // ... and after the site's timeout it says sorry for the wait.
      await visitor.clock.fastForward(12_000);
      await visitor.getByTestId('parley-queue-too-long').waitFor(LIVE);
      await visitor.getByTestId('parley-queue-leave-message').click();
      await visitor.getByTestId('parley-offline-name').fill('Wiktor');
      await visitor.getByTestId('parley-offline-email').fill('wiktor@example.com');
      await visitor.getByTestId('parley-offline-text').fill('Nobody came; please call me back.');
      await visitor.getByTestId('parley-offline-send').click();
      await visitor.getByTestId('parley-offline-sent').waitFor(LIVE);
      await expect.poll(() => visitor.getByTestId('parley-status').getAttribute('data-state'), LIVE).toBe('ended');
      await expect
        .poll(
          async () => (await mails()).filter((m) => m.body.text?.includes('Nobody came; please call me back.')),
          LIVE,
        )
        .toHaveLength(1);
      await api(stack, token, 'PUT', '/api/settings', settings);
      await dana.ws.request({ action: 'set-status', status: 'away' });
      await dana.ws.close();
    },
    STEP,
  );

  it(
    'a chat requested when nobody can take it: the form comes up at once, the button says so, and the message ends the queued chat',
    async () => {
      const dana = await operatorSession(stack, stack.demoOperator);
      const visitor = await newPage('unlucky');
      const button = visitor.getByTestId('parley-button');
      await expect
        .poll(async () => {
          await visitor.goto(`${stack.url}/`);
          await button.waitFor(LIVE);
          return button.textContent();
        }, LIVE)
        .toBe('Live Help');
      // The operator steps away after the page loaded: the page still says Live Help.
      await dana.ws.request({ action: 'set-status', status: 'away' });
      await button.click();
      await visitor.getByTestId('parley-name').fill('Ula');
      await visitor.getByTestId('parley-start').click();
      // The answer to the request says nobody can take it: the form, with the chat still queued.
      await visitor.getByTestId('parley-offline-form').waitFor(LIVE);
      expect(await visitor.getByTestId('parley-status').getAttribute('data-state')).toBe('queued');
      expect(await visitor.getByTestId('parley-queue-leave-message').count()).toBe(1);
      // Minimised, the button no longer promises live help.
      await visitor.getByRole('button', { name: 'Minimise chat' }).click();
      await button.waitFor(LIVE);
      await expect.poll(() => button.textContent(), LIVE).toBe('Operator unavailable. Leave a message');
      await button.click();
      await visitor.getByTestId('parley-offline-name').fill('Ula');
      await visitor.getByTestId('parley-offline-email').fill('ula@example.com');
      await visitor.getByTestId('parley-offline-text').fill('Nobody was there; call me.');
      await visitor.getByTestId('parley-offline-send').click();
      await visitor.getByTestId('parley-offline-sent').waitFor(LIVE);
      await expect.poll(() => visitor.getByTestId('parley-status').getAttribute('data-state'), LIVE).toBe('ended');
      await dana.ws.close();
    },
    STEP,
  );

  it(
    'the embed generator: chosen colours, corner, Polish and a greeting are previewed, saved, and the copied snippet on a fresh page shows them',
    async () => {
      await dana.getByTestId('nav-embed').click();
      await dana.getByTestId('embed-form').waitFor(LIVE);
      await expect.poll(() => dana.getByTestId('embed-save').isEnabled(), LIVE).toBe(true);
      await dana.getByTestId('embed-color').fill('#be123c');
      await dana.getByTestId('embed-text-color').fill('#fffbeb');
      await dana.getByTestId('embed-position').selectOption('top-left');
      await dana.getByTestId('embed-lang').selectOption('pl');
      await dana.getByTestId('embed-greeting').fill('Dzień dobry! W czym możemy pomóc?');

      // The preview is the widget's own button, themed by the widget's code.
      await dana.getByTestId('embed-preview-offline').click();
      const preview = await widgetStyle(dana, 'embed-preview-button', ['background-color', 'color']);
      expect(preview).toEqual({ 'background-color': 'rgb(190, 18, 60)', color: 'rgb(255, 251, 235)' });
      expect(await dana.getByTestId('embed-preview-button').textContent()).toBe(
        'Konsultant niedostępny. Zostaw wiadomość',
      );

      await dana.getByTestId('embed-save').click();
      await dana.getByTestId('embed-saved').waitFor(LIVE);
      await dana.getByTestId('embed-copy').click();
      snippet = await dana.evaluate(() => navigator.clipboard.readText());
      expect(snippet).toBe(`<script async src="${stack.url}/widget/parley.js" data-site="${stack.siteId}"></script>`);
      await dana.screenshot({ path: join(SHOTS, 'embed-generator.png') });

      // A fresh page on another origin, in English, with the snippet pasted in.
      site.pages.set('/fresh.html', {
        html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Fresh</title></head><body><h1>A fresh page</h1><p>Some text.</p>${snippet}</body></html>`,
      });
      const visitor = await newPage('fresh');
      await visitor.goto(`${site.url}/fresh.html`);
      const button = visitor.getByTestId('parley-button');
      await expect.poll(() => button.textContent(), LIVE).toBe('Konsultant niedostępny. Zostaw wiadomość');
      expect(await widgetStyle(visitor, 'parley-button', ['background-color', 'color', 'position'])).toEqual({
        'background-color': 'rgb(190, 18, 60)',
        color: 'rgb(255, 251, 235)',
        position: 'fixed',
      });
      const box = (await button.boundingBox())!;
      expect(box.x).toBeLessThan(40);
      expect(box.y).toBeLessThan(40);
      // Nothing leaked into the page: its own heading keeps the browser's styles.
      expect(await visitor.locator('h1').evaluate((el) => getComputedStyle(el).fontSize)).toBe('32px');

      await button.click();
      await visitor.getByTestId('parley-offline-form').waitFor(LIVE);
      const win = visitor.getByTestId('parley-window');
      expect(await win.textContent()).toContain('Zostaw nam wiadomość');
      expect(await win.locator('label[for=parley-off-email]').textContent()).toBe('Adres e-mail');
      expect(await widgetStyle(visitor, 'parley-window', ['top', 'left'])).toEqual({ top: '20px', left: '20px' });
      // Keyboard: Tab and Shift+Tab stay inside the open window; Esc closes it and gives focus back to the button.
      const focusInWindow = () =>
        win.evaluate((el) => {
          const active = (el.getRootNode() as ShadowRoot).activeElement;
          return !!active && el.contains(active);
        });
      await visitor.getByTestId('parley-offline-name').focus();
      for (let i = 0; i < 12; i++) {
        await visitor.keyboard.press('Tab');
        expect(await focusInWindow()).toBe(true);
      }
      for (let i = 0; i < 4; i++) {
        await visitor.keyboard.press('Shift+Tab');
        expect(await focusInWindow()).toBe(true);
      }
      await visitor.getByTestId('parley-offline-name').focus();
      await visitor.keyboard.press('Escape');
      await expect.poll(() => win.isVisible()).toBe(false);
      expect(await button.evaluate((el) => (el.getRootNode() as ShadowRoot).activeElement === el)).toBe(true);
      await visitor.screenshot({ path: join(SHOTS, 'embed-fresh-page.png') });
    },
    STEP,
  );

  it(
    'a hostile page (global resets, a strict CSP with a nonce, patched built-ins) still gets a working, correctly styled widget and no errors',
    async () => {
      const nonce = 'n0nce-Parley-e2e';
      const ws = stack.url.replace(/^http/, 'ws');
      const tag = snippet.replace('<script async', `<script async nonce="${nonce}"`);
      site.pages.set('/hostile.html', {
        headers: {
          'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}' 'strict-dynamic'; style-src 'nonce-${nonce}'; connect-src ${ws}; img-src data:; base-uri 'none'`,
        },
        html: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Hostile</title>
<style nonce="${nonce}">
  * { all: unset !important; font-size: 40px !important; font-family: "Comic Sans MS", cursive !important; color: lime !important; }
  button, input, textarea, select { display: none !important; }
  div, section, form { background: red !important; padding: 30px !important; }
  svg { width: 300px !important; }
  parley-widget { display: none !important; position: absolute !important; transform: scale(0.2) !important; }
</style>
<script nonce="${nonce}">
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  Array.prototype.toJSON = function () { return 'hijacked'; };
  Object.defineProperty(Array.prototype, 'evil', { value: 1, enumerable: true, configurable: true, writable: true });
  Element.prototype.append = function () { throw new Error('hostile page: append is broken'); };
  Element.prototype.prepend = function () { throw new Error('hostile page: prepend is broken'); };
  window.define = function () {}; window.define.amd = true;
  window.module = { exports: {} }; window.exports = window.module.exports;
</script></head>
<body><h1>Hostile page</h1><p>Resets everything.</p>${tag}</body></html>`,
      });
      const visitor = await newPage('hostile');
      const consoleErrors: string[] = [];
      visitor.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
      await visitor.goto(`${site.url}/hostile.html`);
      const button = visitor.getByTestId('parley-button');
      await expect.poll(() => button.textContent(), LIVE).toBe('Konsultant niedostępny. Zostaw wiadomość');
      expect(await button.isVisible()).toBe(true);
      expect(
        await widgetStyle(visitor, 'parley-button', [
          'display',
          'position',
          'font-size',
          'background-color',
          'border-radius',
          'padding-left',
        ]),
      ).toEqual({
        display: 'flex',
        position: 'fixed',
        'font-size': '15px',
        'background-color': 'rgb(190, 18, 60)',
        'border-radius': '999px',
        'padding-left': '15px',
      });
      const box = (await button.boundingBox())!;
      expect(box.height).toBeLessThan(60);
      // At 40px (the page's font size) the label alone would be over 1000px wide.
      expect(box.width).toBeLessThan(520);

      await button.click();
      const form = visitor.getByTestId('parley-offline-form');
      await form.waitFor(LIVE);
      expect(await widgetStyle(visitor, 'parley-window', ['display', 'font-size', 'background-color'])).toEqual({
        display: 'flex',
        'font-size': '14px',
        'background-color': 'rgb(255, 255, 255)',
      });
      expect(await widgetStyle(visitor, 'parley-offline-send', ['display', 'font-size'])).toEqual({
        display: 'block',
        'font-size': '14px',
      });
      // The form works under the CSP and with the page's patched built-ins.
      await visitor.getByTestId('parley-offline-name').fill('Hostile Harry');
      await visitor.getByTestId('parley-offline-email').fill('harry@example.com');
      await visitor.getByTestId('parley-offline-text').fill('Sent from a hostile page');
      await visitor.getByTestId('parley-offline-send').click();
      await visitor.getByTestId('parley-offline-sent').waitFor(LIVE);
      await visitor.screenshot({ path: join(SHOTS, 'widget-hostile-page.png') });

      expect(await visitor.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(pageErrors).toEqual([]);
    },
    STEP,
  );

  it(
    'the pre-chat form offers the public departments (never a silent one) and the chat goes to the chosen one',
    async () => {
      const token = await signIn(stack, stack.demoOperator.email, stack.demoOperator.password);
      const SAM = { email: 'sam.e2e@parley.local', password: 'Sales-e2e-2026!', name: 'Sam Sales' };
      const samId = await stack.createOperator(SAM);
      for (const [name, silent] of [
        ['Sales', false],
        ['Support', false],
        ['Back office', true],
      ] as const) {
        expect((await api(stack, token, 'POST', '/api/departments', { name, silent })).status).toBe(201);
      }
      const me = (await api<{ id: string; email: string }[]>(stack, token, 'GET', '/api/operators')).body.find(
        (o) => o.email === stack.demoOperator.email,
      )!.id;
      expect(
        (await api(stack, token, 'PUT', `/api/operators/${me}`, { departments: ['Support', 'Back office'] })).status,
      ).toBe(200);
      expect((await api(stack, token, 'PUT', `/api/operators/${samId}`, { departments: ['Sales'] })).status).toBe(200);
      const dana = await operatorSession(stack, stack.demoOperator);
      const sam = await operatorSession(stack, SAM);

      const visitor = await newPage('departments');
      const select = visitor.getByTestId('parley-department');
      await expect
        .poll(async () => {
          await visitor.goto(`${stack.url}/`);
          await visitor.getByTestId('parley-button').click();
          await visitor.getByTestId('parley-name').waitFor(LIVE);
          return select.count();
        }, LIVE)
        .toBe(1);
      const options = await select.locator('option').allTextContents();
      expect(options.slice(1)).toEqual(['Sales', 'Support']);
      await select.selectOption('Sales');
      await visitor.getByTestId('parley-name').fill('Dora');
      const from = sam.ws.frames.length;
      await visitor.getByTestId('parley-start').click();
      const offered = await sam.ws.next(
        (f) => f.type === 'chat-update' && (f.chat as { visitorName?: string }).visitorName === 'Dora',
        15_000,
        from,
      );
      expect(offered.chat).toMatchObject({ department: 'Sales', offeredTo: [samId] });
      await visitor.getByTestId('parley-end').click();
      for (const s of [dana, sam]) {
        await s.ws.request({ action: 'set-status', status: 'away' });
        await s.ws.close();
      }
      expect(pageErrors).toEqual([]);
    },
    STEP,
  );
});
