/**
 * The loader's page view on connect (widget/core/connect.ts): the `pv` connect parameter within
 * the protocol's limits, the fall-back to a `page-view` frame when the URL would be too long, and
 * the launcher's snapshot read back on the next page. Then the built loader in Chromium (skipped
 * without one) against a stand-in server that only speaks the connect contract.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';
import { LIMITS } from '../../functions/protocol/limits.js';
import { pageViewSchema } from '../../functions/protocol/schemas.js';
import { welcomeDigest } from '../../functions/protocol/welcome-digest.js';
import { MAX_CONNECT_URL, pageFields, readSnapshot, withPageView } from '../../widget/core/connect.js';
import { customFromDataset, mergeCustom } from '../../widget/core/tracking.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt, LIVE, ROOT } from '../e2e/support/browser.js';

const WS = 'wss://chat.example.com/ws?role=visitor&site=demo';
const SCREEN = { width: 1280.6, height: 800 };
const pvOf = (url: string) => JSON.parse(new URL(url).searchParams.get('pv') ?? 'null');

describe('the page view a connect URL carries', () => {
  it('has the page-view frame fields, and the server’s page-view schema accepts it', () => {
    const pv = pageFields('https://shop.test/lamps?x=1', 'Lamps — Lumen', 'https://www.google.com/', 'pl-PL', SCREEN, {
      plan: 'gold',
    });
    expect(pv).toEqual({
      url: 'https://shop.test/lamps?x=1',
      title: 'Lamps — Lumen',
      referrer: 'https://www.google.com/',
      lang: 'pl-PL',
      screen: { w: 1280, h: 800 },
      custom: { plan: 'gold' },
    });
    expect(pageViewSchema.safeParse({ action: 'page-view', ...pv }).success).toBe(true);
  });

  it('cuts the URL, referrer, title and language to the protocol’s limits', () => {
    const long = `https://shop.test/${'a'.repeat(3000)}`;
    const pv = pageFields(long, 't'.repeat(600), long, 'x'.repeat(50), SCREEN);
    expect(pv.url).toHaveLength(LIMITS.url);
    expect(pv.referrer).toHaveLength(LIMITS.url);
    expect(pv.title).toHaveLength(LIMITS.title);
    expect(pv.lang).toHaveLength(35);
    expect(pageViewSchema.safeParse({ action: 'page-view', ...pv }).success).toBe(true);
  });

  it('leaves out an empty referrer, language and custom info; copies custom info', () => {
    const custom = { plan: 'gold' };
    const pv = pageFields('https://shop.test/', '', '', '', SCREEN, custom);
    expect(pv.referrer).toBeUndefined();
    expect(pv.lang).toBeUndefined();
    expect(pv.title).toBe('');
    custom.plan = 'silver';
    expect(pv.custom).toEqual({ plan: 'gold' });
    expect(pageFields('https://shop.test/', '', '', '', SCREEN, {}).custom).toBeUndefined();
    expect(JSON.stringify(pageFields('https://shop.test/', '', '', '', SCREEN))).not.toContain('custom');
  });

  it('includes the data-* attributes and what parley("set") queued before the connect', () => {
    const custom = customFromDataset({ site: 'demo', lang: 'de', plan: 'gold', userId: '42' });
    mergeCustom(custom, { cart: 129, plan: 'platinum' });
    const url = withPageView(WS, pageFields('https://shop.test/', 'Shop', '', 'en', SCREEN, custom))!;
    expect(pvOf(url).custom).toEqual({ plan: 'platinum', userId: '42', cart: '129' });
  });

  it('round-trips through the URL: after the token, encoded, any characters', () => {
    const pv = pageFields('https://shop.test/s?q=a&b=c#x', 'Ünïcödé & "quotes" — 🐟', '', 'en', SCREEN, {
      'a&b': '=?#%',
    });
    const url = withPageView(`${WS}&vt=v.1.abc`, pv)!;
    expect(url.startsWith(`${WS}&vt=v.1.abc&pv=`)).toBe(true);
    const q = new URL(url).searchParams;
    expect(q.get('role')).toBe('visitor');
    expect(q.get('site')).toBe('demo');
    expect(q.get('vt')).toBe('v.1.abc');
    expect(pvOf(url)).toEqual(JSON.parse(JSON.stringify(pv)));
  });

  it('is left out (the page-view frame path) when the whole URL would pass 6,000 characters', () => {
    expect(MAX_CONNECT_URL).toBe(6000);
    // A long URL and referrer; custom info in a non-Latin script (6 characters each, encoded).
    const custom: Record<string, string> = {};
    for (let i = 0; i < 20; i++) custom[`k${i}`] = 'é'.repeat(LIMITS.customValue);
    const path = 'a/'.repeat(1500); // each '/' takes 3 characters encoded
    const short = pageFields(`https://shop.test/${'a'.repeat(3000)}`, 'Shop', '', 'en', SCREEN);
    expect(withPageView(WS, short)).toBeDefined();
    const long = pageFields(`https://shop.test/${path}`, 'Shop', `https://r.test/${path}`, 'en', SCREEN);
    expect(withPageView(WS, long)).toBeUndefined();
    expect(withPageView(WS, pageFields('https://shop.test/', 'Shop', '', 'en', SCREEN, custom))).toBeUndefined();

    // Exactly at the limit still goes; one more character does not.
    const base = pageFields('https://shop.test/', 'Shop', '', 'en', SCREEN);
    const room = MAX_CONNECT_URL - withPageView(WS, base)!.length + base.title.length;
    const fits = { ...base, title: 'x'.repeat(room) };
    expect(withPageView(WS, fits)).toHaveLength(MAX_CONNECT_URL);
    expect(withPageView(WS, { ...fits, title: `${fits.title}x` })).toBeUndefined();
    // The token counts too.
    expect(withPageView(`${WS}&vt=t`, fits)).toBeUndefined();
  });

  it('fits a typical page with the 20 custom fields of plain text', () => {
    const custom: Record<string, string> = {};
    for (let i = 0; i < 20; i++) custom[`field${i}`] = 'v'.repeat(100);
    const pv = pageFields(
      'https://shop.test/product/42?utm_source=news',
      'Product',
      'https://google.com/',
      'en',
      SCREEN,
      custom,
    );
    expect(withPageView(`${WS}&vt=${'t'.repeat(200)}`, pv)).toBeDefined();
  });
});

describe('the launcher snapshot', () => {
  it('reads back what the loader stores from a welcome', () => {
    const stored = {
      widget: { greeting: '', color: '#be123c', position: 'left', lang: 'pl', buttonText: 'Pomoc' },
      operatorsOnline: 2,
      chatBlocked: false,
    };
    expect(readSnapshot(JSON.stringify(stored))).toEqual(stored);
  });

  it('ignores nothing stored, broken JSON and anything that is not a snapshot', () => {
    for (const raw of ['', '{', 'null', '42', '"x"', '{"widget":null,"operatorsOnline":1}', '{"widget":{}}']) {
      expect(readSnapshot(raw), raw).toBeUndefined();
    }
  });
});

// ---- the built loader in Chromium, against a stand-in server that speaks only the connect contract ----

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';

interface Socket {
  url: URL;
  frames: Record<string, unknown>[];
  ws: WebSocket;
}

describe.skipIf(!hasChromium && !requireBrowser)('the loader in Chromium: the page view on connect', () => {
  let browser: Browser;
  let server: Server;
  let origin = '';
  const sockets: Socket[] = [];
  /** How the stand-in answers: `pv` refused at connect, welcome pushed after `pushMs` (-1: never). */
  const mode = { refusePv: false, pushMs: 300, online: 1 };
  const contexts: BrowserContext[] = [];

  const welcome = (s: Socket, reqId?: unknown) =>
    s.ws.send(
      JSON.stringify({
        type: 'welcome',
        role: 'visitor',
        reqId,
        visitorId: 'v1',
        visitorToken: 'vt.v1',
        returning: false,
        operatorsOnline: mode.online,
        chatBlocked: false,
        widget: { greeting: '', color: '#be123c', position: 'left', lang: 'en', buttonText: 'Ask us' },
      }),
    );
  const pageViews = () => sockets.flatMap((s) => s.frames.filter((f) => f.action === 'page-view'));
  const pv = (s: Socket | undefined) => JSON.parse(s?.url.searchParams.get('pv') ?? 'null');

  const newPage = async (init?: () => void) => {
    const ctx = await browser.newContext();
    contexts.push(ctx);
    const p = await ctx.newPage();
    if (init) await p.addInitScript(init);
    return p;
  };

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    const loader = readFileSync(join(ROOT, 'dist/widget/parley.js'));
    const chat = readFileSync(join(ROOT, 'dist/widget/chat.js'));
    server = createServer((req, res) => {
      const url = new URL(req.url || '/', 'http://x');
      if (url.pathname === '/widget/parley.js' || url.pathname === '/widget/chat.js') {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end(url.pathname.endsWith('parley.js') ? loader : chat);
      }
      if (url.pathname.startsWith('/widget/')) {
        res.writeHead(200, { 'content-type': 'text/javascript' });
        return res.end('export {};');
      }
      // ?long=N makes the page's URL N characters longer; ?title= sets its title.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(
        `<!doctype html><html lang="en"><head><title>${url.searchParams.get('title') ?? 'Lamps'}</title>` +
          `<script>window.parley=window.parley||function(){(window.parley.q=window.parley.q||[]).push(arguments)};parley('set',{cart:'2 items'});</script>` +
          `</head><body><h1>Shop</h1><script async src="/widget/parley.js" data-site="demo" data-plan="gold"></script></body></html>`,
      );
    });
    const wss = new WebSocketServer({ noServer: true });
    server.on('upgrade', (req, socket, head) => {
      const url = new URL(req.url || '/', 'http://x');
      if (mode.refusePv && url.searchParams.has('pv')) {
        socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
        return socket.destroy();
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        const s: Socket = { url, frames: [], ws };
        sockets.push(s);
        if (url.searchParams.has('pv') && mode.pushMs >= 0) setTimeout(() => welcome(s), mode.pushMs);
        ws.on('message', (data) => {
          const f = JSON.parse(String(data));
          s.frames.push(f);
          if (f.action === 'page-view' && s.frames.filter((x) => x.action === 'page-view').length === 1)
            welcome(s, f.reqId);
        });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
  }, 120_000);

  afterEach(async () => {
    for (const c of contexts.splice(0)) await c.close().catch(() => {});
    sockets.length = 0;
    Object.assign(mode, { refusePv: false, pushMs: 300, online: 1 });
  });

  afterAll(async () => {
    await browser?.close().catch(() => {});
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  });

  it('connects with the page view (custom info included) and sends no page-view frame; the pushed welcome shows the button', async () => {
    const p = await newPage();
    await p.goto(`${origin}/shop?x=1`, { referer: 'https://www.google.com/' });
    const button = p.getByTestId('parley-button');
    await expect.poll(() => button.textContent(), LIVE).toBe('Ask us');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url.searchParams.get('site')).toBe('demo');
    expect(pv(sockets[0])).toMatchObject({
      url: `${origin}/shop?x=1`,
      title: 'Lamps',
      referrer: 'https://www.google.com/',
      custom: { plan: 'gold', cart: '2 items' },
      screen: { w: expect.any(Number), h: expect.any(Number) },
    });
    await p.waitForTimeout(300);
    // Custom info went in `pv`: no visitor-info frame repeats it, and no page-view frame at all.
    expect(sockets[0]!.frames).toEqual([]);

    // What the page sets later still reaches the server at once; a route change is an spa frame.
    await p.evaluate(() =>
      (window as unknown as { parley: (c: string, a: unknown) => void }).parley('set', { vip: 1 }),
    );
    await expect.poll(() => sockets[0]!.frames.map((f) => f.action)).toEqual(['visitor-info']);
    await p.evaluate(() => history.pushState({}, '', '/shop/lamp'));
    await expect.poll(() => pageViews().at(-1), LIVE).toMatchObject({ spa: true, url: `${origin}/shop/lamp` });
  });

  it('shows the next page’s button at once from the snapshot, sends its digest (pv.known) and takes it as the welcome', async () => {
    const p = await newPage();
    await p.goto(`${origin}/one`);
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
    const held = await p.evaluate(() => JSON.parse(sessionStorage.getItem('parley:w:demo') || 'null'));
    expect(held).toMatchObject({
      widget: { buttonText: 'Ask us', color: '#be123c' },
      operatorsOnline: 1,
      chatBlocked: false,
      visitorId: expect.any(String),
      open: false,
    });

    mode.pushMs = 1500;
    await p.goto(`${origin}/two`);
    const button = p.getByTestId('parley-button');
    await button.waitFor({ timeout: 1000 });
    expect(await button.textContent()).toBe('Ask us');
    expect(sockets.at(-1)?.frames).toEqual([]);
    expect(pv(sockets.at(-1)).url).toBe(`${origin}/two`);
    expect(pv(sockets.at(-1)).known).toBe(welcomeDigest(held));
    // The held welcome is this page's: a click opens the window without waiting for the server.
    await button.click();
    await p.getByTestId('parley-name').waitFor({ timeout: 1000 });
    expect(pageViews()).toEqual([]);
  });

  it('holds no welcome over a page whose welcome had an open chat: the next page waits for the server', async () => {
    const p = await newPage();
    await p.goto(`${origin}/one`);
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
    await p.evaluate(() => {
      const w = JSON.parse(sessionStorage.getItem('parley:w:demo') || 'null');
      sessionStorage.setItem('parley:w:demo', JSON.stringify({ ...w, open: true }));
    });
    await p.goto(`${origin}/two`);
    await expect.poll(() => sockets.length, LIVE).toBeGreaterThan(1);
    expect(pv(sockets.at(-1)).known).toBeUndefined();
  });

  it('reports a route change made while the welcome was on its way, once it has come', async () => {
    mode.pushMs = 1000;
    const p = await newPage();
    await p.goto(`${origin}/start`);
    await p.evaluate(() => history.pushState({}, '', '/moved'));
    await p.waitForTimeout(500);
    expect(pageViews()).toEqual([]);
    await expect.poll(() => pageViews(), LIVE).toHaveLength(1);
    expect(pageViews()[0]).toMatchObject({ spa: true, url: `${origin}/moved` });
    expect(pv(sockets[0]).url).toBe(`${origin}/start`);
  });

  it('falls back to the page-view frame when the connect URL would be too long', async () => {
    const p = await newPage();
    await p.goto(`${origin}/long?title=${'%C3%A9'.repeat(400)}&q=${'/'.repeat(1800)}`);
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
    expect(sockets).toHaveLength(1);
    expect(sockets[0]!.url.searchParams.has('pv')).toBe(false);
    expect(pageViews()).toHaveLength(1);
    expect(pageViews()[0]).toMatchObject({ custom: { plan: 'gold', cart: '2 items' } });
    expect(pageViews()[0]!.resume).toBeUndefined();
  });

  it('reconnects on the same page with a resume frame, and without pv after a refused connect', async () => {
    const p = await newPage();
    await p.goto(`${origin}/again`);
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
    sockets[0]!.ws.terminate();
    await expect.poll(() => pageViews().length, LIVE).toBe(1);
    expect(sockets[1]!.url.searchParams.has('pv')).toBe(false);
    expect(pageViews()[0]).toMatchObject({ resume: true, url: `${origin}/again` });

    mode.refusePv = true;
    const q = await newPage();
    await q.goto(`${origin}/refused`);
    await expect.poll(() => pageViews().length, LIVE).toBe(2);
    expect(pageViews()[1]).toMatchObject({ url: `${origin}/refused`, custom: { plan: 'gold', cart: '2 items' } });
    expect(pageViews()[1]!.resume).toBeUndefined();
  });

  it('asks again on a new socket, with a resume frame, when the pushed welcome never comes', async () => {
    mode.pushMs = -1;
    const p = await newPage();
    await p.goto(`${origin}/silent`);
    await expect.poll(() => pageViews().length, { timeout: 15_000 }).toBe(1);
    expect(sockets).toHaveLength(2);
    expect(sockets[1]!.url.searchParams.has('pv')).toBe(false);
    expect(pageViews()[0]).toMatchObject({ resume: true, url: `${origin}/silent` });
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
  }, 30_000);

  it('with storage blocked the button waits for the welcome, as before', async () => {
    const p = await newPage(() => {
      for (const name of ['localStorage', 'sessionStorage']) {
        Object.defineProperty(window, name, {
          get() {
            throw new DOMException('blocked', 'SecurityError');
          },
        });
      }
    });
    mode.pushMs = 800;
    await p.goto(`${origin}/blocked`);
    await p.waitForTimeout(400);
    expect(await p.getByTestId('parley-button').isVisible()).toBe(false);
    await expect.poll(() => p.getByTestId('parley-button').textContent(), LIVE).toBe('Ask us');
    expect(pv(sockets[0]).url).toBe(`${origin}/blocked`);
  });
});
