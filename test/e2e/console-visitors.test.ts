/**
 * Visitor monitoring in the browser on its own, in Chromium against the in-memory stand-in
 * (test/e2e/support/fake-parley.ts) with a rich, seeded population: what the widget tracks
 * (SPA routes, custom info, a blocked visitor), and the console's grid, info panel, reports and
 * settings. The same flows against the real backend are in visitor-monitoring.test.ts.
 *
 * PARLEY_E2E_SHOTS=/some/dir saves screenshots (1280×800) of the grid, the panel, reports, settings.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PageViewRecord, VisitorRow } from '../../functions/protocol/events.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH, ensureBuilt } from './support/browser.js';
import { type FakeParley, startFakeParley } from './support/fake-parley.js';

const hasChromium = existsSync(CHROMIUM_PATH);
const requireBrowser = process.env.PARLEY_REQUIRE_BROWSER === '1';
if (!hasChromium && !requireBrowser) console.warn(`[e2e] skipped: no Chromium at ${CHROMIUM_PATH}`);
const SHOTS = process.env.PARLEY_E2E_SHOTS;

const DANA = { email: 'dana@shop.test', password: 'pw-Dana-1', name: 'Dana Demo' };
const SAM = { email: 'sam@shop.test', password: 'pw-Sam-1', name: 'Sam Second' };
const SILENT = { email: 'quiet@shop.test', password: 'pw-Quiet-1', name: 'Quinn Quiet' };
const XSS_TITLE = '<img src=x onerror=alert(1)> Sale';
const MIN = 60_000;

async function shot(page: Page, name: string): Promise<void> {
  if (!SHOTS) return;
  mkdirSync(SHOTS, { recursive: true });
  await page.waitForTimeout(400); // let entry animations finish
  await page.screenshot({ path: join(SHOTS, `${name}.png`) });
}

/** A shop's afternoon: visitors from several places in each of the seed's states. */
function seed(fake: FakeParley, me: string, sam: string): Record<string, string> {
  const now = Date.now();
  const pages = (list: [string, string, number][], end: number): PageViewRecord[] => {
    let at = end - list.reduce((a, [, , d]) => a + d, 0);
    return list.map(([url, title, d]) => {
      const p = { url: `https://lumen.shop${url}`, title, at, durationMs: d };
      at += d;
      return p;
    });
  };
  const ids: Record<string, string> = {};
  const add = (key: string, row: Partial<VisitorRow>, history?: PageViewRecord[]) => {
    const visitorId = `01J${key.toUpperCase().padEnd(10, 'X')}${String(Object.keys(ids).length).padStart(3, '0')}`;
    ids[key] = visitorId;
    return { visitorId, row, history };
  };

  const marta = add(
    'marta',
    {
      name: 'Marta Nowak',
      returning: true,
      visits: 4,
      url: 'https://lumen.shop/product.html',
      title: 'Aurora Desk Lamp — Lumen',
      referrer: 'https://www.google.com/',
      searchEngine: 'Google',
      searchQuery: 'linen lamp shade handmade',
      lang: 'pl-PL',
      visitStart: now - 14 * MIN,
      pageSince: now - 3 * MIN,
      firstSeen: now - 9 * 86_400_000,
      ip: '83.24.117.9',
      hostname: 'aexu9.neoplus.adsl.tpnet.pl',
      geo: {
        country: 'PL',
        region: 'Lesser Poland',
        city: 'Kraków',
        postalCode: '30-001',
        timeZone: 'Europe/Warsaw',
        asn: '5617',
        isp: 'Orange Polska',
      },
      client: { browser: 'Chrome', browserVersion: '126.0.6478', os: 'Windows', osVersion: '11', device: 'desktop' },
      screen: { w: 1920, h: 1080 },
      tag: 'customer',
      custom: { plan: 'gold', customerId: 'C-10482', cart: '2 items · €298' },
    },
    pages(
      [
        ['/', 'Lumen — Lamps for calm evenings', 2 * MIN],
        ['/pricing.html', 'Pricing — Lumen', 4 * MIN],
        ['/contact.html', 'Contact — Lumen', 5 * MIN],
        ['/product.html', 'Aurora Desk Lamp — Lumen', 3 * MIN],
      ],
      now,
    ),
  );
  const martaChat = fake.seedChat(
    {
      visitorId: marta.visitorId,
      visitorName: 'Marta Nowak',
      status: 'active',
      operators: [{ id: me, name: DANA.name }],
    },
    [
      { from: 'visitor', text: 'Hi! Does the Aurora come with a dimmer?' },
      { from: 'operator', text: 'It does, it dims all the way down.' },
      { from: 'visitor', text: 'Lovely. And can I get the shade in sea glass?' },
    ],
  );
  fake.seedChat(
    {
      visitorId: marta.visitorId,
      visitorName: 'Marta Nowak',
      status: 'ended',
      operators: [{ id: sam, name: SAM.name }],
      createdAt: now - 6 * 86_400_000,
      endedAt: now - 6 * 86_400_000 + 8 * MIN,
    },
    [
      { from: 'visitor', text: 'When will my order ship?' },
      { from: 'operator', text: 'Tomorrow morning, with tracking by e-mail.' },
    ],
  );
  fake.extraDetails.set(marta.visitorId, {
    visits: [
      {
        start: now - 2 * 86_400_000,
        end: now - 2 * 86_400_000 + 7 * MIN,
        pages: 5,
        entryUrl: 'https://lumen.shop/',
        referrer: 'https://www.instagram.com/',
      },
      {
        start: now - 6 * 86_400_000,
        end: now - 6 * 86_400_000 + 12 * MIN,
        pages: 9,
        entryUrl: 'https://lumen.shop/product.html',
      },
      {
        start: now - 9 * 86_400_000,
        end: now - 9 * 86_400_000 + 3 * MIN,
        pages: 2,
        entryUrl: 'https://lumen.shop/pricing.html',
      },
    ],
  });
  void martaChat;

  const jonas = add('jonas', {
    name: 'Jonas',
    url: 'https://lumen.shop/contact.html',
    title: 'Contact — Lumen',
    visitStart: now - 6 * MIN,
    pageSince: now - 1 * MIN,
    ip: '91.64.20.11',
    geo: { country: 'DE', region: 'Berlin', city: 'Berlin', timeZone: 'Europe/Berlin' },
    client: { browser: 'Firefox', browserVersion: '127.0', os: 'Ubuntu', device: 'desktop' },
    lang: 'de-DE',
  });
  fake.seedChat(
    { visitorId: jonas.visitorId, visitorName: 'Jonas', status: 'queued', operators: [], createdAt: now - 40_000 },
    [{ from: 'visitor', text: 'Is there a store in Berlin?' }],
  );

  const aiko = add('aiko', {
    name: 'Aiko',
    url: 'https://lumen.shop/pricing.html',
    title: 'Pricing — Lumen',
    visitStart: now - 22 * MIN,
    pageSince: now - 4 * MIN,
    returning: true,
    visits: 2,
    geo: { country: 'JP', region: 'Osaka', city: 'Osaka' },
    client: { browser: 'Chrome Mobile', browserVersion: '125.0', os: 'Android', osVersion: '14', device: 'mobile' },
    referrer: 'https://www.pinterest.com/pin/123/',
  });
  fake.seedChat(
    { visitorId: aiko.visitorId, visitorName: 'Aiko', status: 'active', operators: [{ id: sam, name: SAM.name }] },
    [
      { from: 'visitor', text: 'Do you ship to Japan?' },
      { from: 'operator', text: 'We do! Delivery takes about 10 days.' },
    ],
  );

  const rest = [
    add('portland', {
      url: 'https://lumen.shop/pricing.html',
      title: 'Pricing — Lumen',
      visitStart: now - 3 * MIN,
      pageSince: now - 50_000,
      ip: '73.11.4.201',
      geo: { country: 'US', region: 'Oregon', city: 'Portland' },
      client: { browser: 'Safari', browserVersion: '17.5', os: 'macOS', osVersion: '14.5', device: 'desktop' },
      referrer: 'https://www.pinterest.com/',
    }),
    add('london', {
      url: 'https://lumen.shop/',
      title: 'Lumen — Lamps for calm evenings',
      visitStart: now - 9 * MIN,
      pageSince: now - 2 * MIN,
      returning: true,
      visits: 3,
      status: 'returning',
      tag: 'prospect',
      geo: { country: 'GB', region: 'England', city: 'London' },
      client: { browser: 'Edge', browserVersion: '126.0', os: 'Windows', osVersion: '10', device: 'desktop' },
      referrer: 'https://www.bing.com/search?q=handmade+table+lamp',
      searchEngine: 'Bing',
      searchQuery: 'handmade table lamp',
    }),
    add('lyon', {
      url: 'https://lumen.shop/product.html',
      title: 'Aurora Desk Lamp — Lumen',
      visitStart: now - 31 * MIN,
      pageSince: now - 6 * MIN,
      tag: 'subscriber',
      geo: { country: 'FR', region: 'Auvergne-Rhône-Alpes', city: 'Lyon' },
      client: { browser: 'Mobile Safari', browserVersion: '17.4', os: 'iOS', osVersion: '17.4', device: 'mobile' },
    }),
    add('saopaulo', {
      url: 'https://lumen.shop/pricing.html',
      title: XSS_TITLE,
      visitStart: now - 4 * MIN,
      pageSince: now - 30_000,
      tag: 'unwelcome',
      geo: { country: 'BR', region: 'São Paulo', city: 'São Paulo' },
      client: { browser: 'Opera', browserVersion: '110', os: 'Windows', osVersion: '10', device: 'desktop' },
      referrer: 'https://duckduckgo.com/',
      searchEngine: 'DuckDuckGo',
    }),
    add('amsterdam', {
      url: 'https://lumen.shop/contact.html',
      title: 'Contact — Lumen',
      connections: 0,
      visitStart: now - 18 * MIN,
      lastSeen: now - 2 * MIN,
      pageSince: now - 5 * MIN,
      geo: { country: 'NL', region: 'North Holland', city: 'Amsterdam' },
      client: { browser: 'Firefox', browserVersion: '126.0', os: 'macOS', device: 'desktop' },
    }),
  ];
  for (const v of [marta, jonas, aiko, ...rest]) fake.seedVisitor({ visitorId: v.visitorId, ...v.row }, v.history);
  return ids;
}

function weekReport(fake: FakeParley) {
  const days: { day: string; visitors: number; visits: number; pageViews: number }[] = [];
  const today = new Date();
  const shape = [38, 52, 47, 61, 73, 44, 29, 41, 58, 66, 80, 71, 35, 49];
  for (let i = 13; i >= 0; i--) {
    const d = new Date(today.getTime() - i * 86_400_000);
    const day = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    const visitors = shape[13 - i]!;
    days.push({ day, visitors, visits: Math.round(visitors * 1.3), pageViews: Math.round(visitors * 4.1) });
  }
  fake.report = {
    pages: [
      ['/', 912],
      ['/product.html', 655],
      ['/pricing.html', 402],
      ['/contact.html', 188],
      ['/product.html?shade=sea-glass', 97],
      ['/journal/caring-for-linen', 64],
    ].map(([u, views]) => ({ url: `https://lumen.shop${u}`, views: Number(views) })),
    entryPages: [
      ['/', 420],
      ['/product.html', 233],
      ['/journal/caring-for-linen', 51],
      ['/pricing.html', 40],
    ].map(([u, visits]) => ({ url: `https://lumen.shop${u}`, visits: Number(visits) })),
    exitPages: [
      ['/pricing.html', 270],
      ['/product.html', 198],
      ['/contact.html', 150],
      ['/', 126],
    ].map(([u, visits]) => ({ url: `https://lumen.shop${u}`, visits: Number(visits) })),
    days,
  };
}

describe.skipIf(!hasChromium && !requireBrowser)('visitor monitoring in the browser (stand-in backend)', () => {
  let fake: FakeParley;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const errors: string[] = [];
  const dialogs: string[] = [];
  let ids: Record<string, string>;
  let dana: Page;

  const page = async (label: string) => {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    contexts.push(ctx);
    const p = await ctx.newPage();
    p.on('pageerror', (e) => errors.push(`[${label}] ${e.message}`));
    p.on('dialog', (d) => {
      dialogs.push(`[${label}] ${d.message()}`);
      void d.dismiss();
    });
    return p;
  };
  const signIn = async (p: Page, who: { email: string; password: string }) => {
    await p.goto(`${fake.url}/console/`);
    await p.getByTestId('signin-email').fill(who.email);
    await p.getByTestId('signin-password').fill(who.password);
    await p.getByTestId('signin-submit').click();
    await p.getByTestId('visitors-grid').waitFor();
    await p.waitForFunction(
      () => (document.querySelector('[data-testid=operator-status]') as HTMLSelectElement | null)?.disabled === false,
    );
  };
  const rowOf = (p: Page, id: string) => p.locator(`[data-testid=visitor-row][data-visitor-id="${id}"]`);
  const visibleIds = (p: Page) =>
    p.getByTestId('visitor-row').evaluateAll((els) => els.map((e) => e.getAttribute('data-visitor-id') ?? ''));
  const frames = (action: string) => fake.received.filter((r) => r.frame.action === action).map((r) => r.frame);

  beforeAll(async () => {
    if (!hasChromium) throw new Error(`PARLEY_REQUIRE_BROWSER=1 but there is no Chromium at ${CHROMIUM_PATH}`);
    ensureBuilt();
    fake = await startFakeParley();
    const d = fake.addOperator({ ...DANA, role: 'admin' });
    const s = fake.addOperator({ ...SAM, role: 'operator' });
    fake.addOperator({ ...SILENT, role: 'operator', silent: true });
    d.status = 'online';
    s.status = 'online';
    ids = seed(fake, d.id, s.id);
    weekReport(fake);
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
    dana = await page('dana');
    await signIn(dana, DANA);
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    await fake?.stop();
  });

  it('shows every seeded visitor with its status icon, tag, place and source; hostile titles stay text', async () => {
    await expect.poll(() => dana.getByTestId('visitor-row').count()).toBe(8);
    const marta = rowOf(dana, ids.marta!);
    expect(await marta.getAttribute('data-status')).toBe('waiting-for-response');
    expect(await rowOf(dana, ids.jonas!).getAttribute('data-status')).toBe('waiting-for-chat');
    expect(await rowOf(dana, ids.aiko!).getAttribute('data-status')).toBe('operator-waiting');
    expect(await rowOf(dana, ids.amsterdam!).getAttribute('data-presence')).toBe('departed');
    const text = await marta.textContent();
    for (const t of ['Marta Nowak', 'Customer', 'Aurora Desk Lamp', 'Kraków', 'linen lamp shade', 'Chrome 126']) {
      expect(text).toContain(t);
    }
    expect(await rowOf(dana, ids.saopaulo!).getByTestId('visitor-page').textContent()).toContain('<img src=x');
    expect(await dana.locator('img[src="x"]').count()).toBe(0);
    expect(await dana.getByTestId('status-legend').locator('li').count()).toBe(6);
    await shot(dana, 'grid');
  });

  it('filters exactly as the seed says, with counts', async () => {
    const expectRows = async (filter: string, keys: string[]) => {
      await dana.getByTestId(`filter-${filter}`).click();
      await expect.poll(async () => (await visibleIds(dana)).sort()).toEqual(keys.map((k) => ids[k]!).sort());
    };
    await expectRows('mine', ['marta']);
    await expectRows('chatting', ['marta', 'jonas', 'aiko']);
    await expectRows('browsing', ['marta', 'jonas', 'aiko', 'portland', 'london', 'lyon', 'saopaulo']);
    await expectRows('all', Object.keys(ids));
    expect(await dana.getByTestId('filter-chatting').textContent()).toContain('3');
  });

  it('searches over name, place, search query, IP, tag and custom values', async () => {
    const search = dana.getByTestId('visitor-search');
    for (const [q, who] of [
      ['kraków', 'marta'],
      ['handmade table', 'london'],
      ['73.11.4', 'portland'],
      ['unwelcome', 'saopaulo'],
      ['C-10482', 'marta'],
      ['japan', 'aiko'],
    ] as const) {
      await search.fill(q);
      await expect.poll(() => visibleIds(dana)).toEqual([ids[who]]);
    }
    await search.fill('nobody-like-this');
    await expect.poll(() => dana.getByTestId('visitor-row').count()).toBe(0);
    expect(await dana.getByTestId('visitors-grid').textContent()).toContain('No visitor matches');
    await search.press('Escape');
    await expect.poll(() => dana.getByTestId('visitor-row').count()).toBe(8);
  });

  it('sorts by a column from the keyboard, ascending then descending', async () => {
    await dana.getByTestId('sort-visits').focus();
    await dana.keyboard.press('Enter');
    const th = dana.locator('th', { has: dana.getByTestId('sort-visits') });
    expect(await th.getAttribute('aria-sort')).toBe('ascending');
    expect((await visibleIds(dana)).at(-1)).toBe(ids.marta);
    await dana.keyboard.press('Enter');
    expect(await th.getAttribute('aria-sort')).toBe('descending');
    expect((await visibleIds(dana))[0]).toBe(ids.marta);
    await dana.keyboard.press('Enter');
    expect(await th.getAttribute('aria-sort')).toBe('none');
  });

  it('opens the info panel with everything known, the navigation history and a previous chat transcript', async () => {
    await rowOf(dana, ids.marta!).click();
    const info = dana.getByTestId('visitor-info');
    await info.waitFor();
    await expect.poll(() => info.getByTestId('vi-history-item').count()).toBe(4);
    const text = await info.textContent();
    for (const t of [
      'Marta Nowak',
      '83.24.117.9',
      'aexu9.neoplus.adsl.tpnet.pl',
      'Poland',
      'Lesser Poland',
      'Kraków',
      '30-001',
      'Europe/Warsaw',
      'Orange Polska',
      'pl-PL',
      'Chrome 126.0.6478',
      'Windows 11',
      '1920 × 1080',
      'Google',
      'linen lamp shade handmade',
      'C-10482',
      'Contact — Lumen',
    ]) {
      expect(text, t).toContain(t);
    }
    await shot(dana, 'info-panel-top');
    // Previous visits (3) and chats (the active one and an older one).
    expect(text).toContain('Entered on lumen.shop/product.html');
    const chats = info.getByTestId('vi-chat');
    expect(await chats.count()).toBe(2);
    await chats.filter({ hasText: SAM.name }).click();
    await info.getByTestId('vi-transcript').filter({ hasText: 'When will my order ship?' }).waitFor();
    await shot(dana, 'info-panel');
    await info.getByTestId('vi-history').scrollIntoViewIfNeeded();
    await shot(dana, 'info-panel-history');
  });

  it('tags a visitor live, warns about an unwelcome one, and adds notes', async () => {
    const info = dana.getByTestId('visitor-info');
    await info.getByTestId('visitor-tag').selectOption('frequent');
    await expect.poll(() => frames('tag-visitor').at(-1)).toMatchObject({ visitorId: ids.marta, tag: 'frequent' });
    await expect
      .poll(() => rowOf(dana, ids.marta!).getByTestId('visitor-tag-badge').getAttribute('data-tag'))
      .toBe('frequent');

    await info.getByTestId('vi-note-input').fill('Wants the sea-glass shade; <b>call back</b> Friday.');
    await info.getByTestId('vi-note-add').click();
    await info.getByTestId('vi-note').filter({ hasText: '<b>call back</b>' }).waitFor();
    expect(await info.locator('b').count()).toBe(0);

    await rowOf(dana, ids.saopaulo!).click();
    await dana.getByTestId('unwelcome-warning').waitFor();
    expect(await dana.getByTestId('visitor-info-name').textContent()).toContain('Visitor');
    await shot(dana, 'info-panel-unwelcome');
    await dana.keyboard.press('Escape');
    await expect.poll(() => dana.getByTestId('visitor-info').count()).toBe(0);
  });

  it('switches the new-visitor sound optimistically and puts it back when the server refuses', async () => {
    const toggle = dana.getByTestId('sound-toggle');
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await toggle.click();
    await expect.poll(() => fake.http.some((h) => h.path === '/api/me/preferences')).toBe(true);
    expect(await toggle.getAttribute('aria-pressed')).toBe('false');
    expect(fake.http.findLast((h) => h.path === '/api/me/preferences')?.body).toEqual({ newVisitorSound: false });
    fake.failHttp = (m, p) => (m === 'PUT' && p === '/api/me/preferences' ? 500 : undefined);
    try {
      await toggle.click();
      const toast = dana.getByTestId('toast').filter({ hasText: 'Could not save the sound setting' });
      await toast.waitFor();
      expect(await toggle.getAttribute('aria-pressed')).toBe('false');
      await toast.getByRole('button', { name: 'Dismiss' }).click();
    } finally {
      fake.failHttp = () => undefined;
    }
    await toggle.click();
    await expect.poll(() => toggle.getAttribute('aria-pressed')).toBe('true');
  });

  it('tracks a visitor live: custom info from data-* and parley("set"), SPA routes with their titles, a new-row highlight', async () => {
    const v = await page('visitor');
    const before = frames('page-view').length;
    await v.goto(`${fake.url}/product.html`);
    await expect.poll(() => frames('page-view').length).toBe(before + 1);
    const first = frames('page-view').at(-1)!;
    expect(first.custom).toEqual({ section: 'Lamps', product: 'Aurora desk lamp', price: '€149' });
    expect(first.spa).toBeUndefined();
    const visitorId = [...fake.visitors.values()].find((r) => r.custom?.section === 'Lamps')!.visitorId;
    const row = rowOf(dana, visitorId);
    await row.waitFor();
    await expect.poll(() => row.getAttribute('class')).toContain('row-new');

    await v.evaluate(() =>
      (window as unknown as { parley: (c: string, a: unknown) => void }).parley('set', { cart: '1 item' }),
    );
    await expect.poll(() => frames('visitor-info').at(-1)?.custom).toMatchObject({ cart: '1 item', section: 'Lamps' });

    // A single-page app: pushState, then the framework sets the title a moment later.
    await v.evaluate(() => {
      history.pushState({}, '', '/shades/sea-glass');
      setTimeout(() => {
        document.title = 'Sea-glass shade — Lumen';
      }, 0);
    });
    await expect.poll(() => frames('page-view').at(-1)).toMatchObject({ spa: true, title: 'Sea-glass shade — Lumen' });
    expect(String(frames('page-view').at(-1)?.url)).toMatch(/\/shades\/sea-glass$/);
    await expect.poll(() => row.getByTestId('visitor-page').textContent()).toContain('Sea-glass shade');
    const count = frames('page-view').length;
    await v.evaluate(() => history.replaceState({ scroll: 1 }, ''));
    await v.evaluate(() => {
      location.hash = '#reviews';
    });
    await expect.poll(() => frames('page-view').length).toBe(count + 1);
    expect(String(frames('page-view').at(-1)?.url)).toMatch(/#reviews$/);
    await v.goBack();
    await expect.poll(() => frames('page-view').length).toBe(count + 2);
    await v.close();
  });

  it('offers only "Leave a message" to a visitor the site has tagged Unwelcome', async () => {
    const v = await page('unwelcome');
    await v.goto(`${fake.url}/contact.html`);
    await expect.poll(() => v.getByTestId('parley-button').textContent()).toContain('Live Help');
    const token = await v.evaluate(() => localStorage.getItem('parley:vt:demo'));
    fake.visitors.get(String(token).replace(/^vt\./, ''))!.tag = 'unwelcome';
    await v.reload();
    await expect.poll(() => v.getByTestId('parley-button').textContent()).toContain('Leave a message');
    await v.getByTestId('parley-button').click();
    await v.getByTestId('parley-unavailable').waitFor();
    expect(await v.getByTestId('parley-start').count()).toBe(0);
    await shot(v, 'widget-unavailable');
  });

  it('forces "Hide other operators activity" on an operator of a silent department', async () => {
    const q = await page('quiet');
    await signIn(q, SILENT);
    expect(await q.getByTestId('filter-mine').getAttribute('aria-pressed')).toBe('true');
    expect(await q.getByTestId('filter-all').isDisabled()).toBe(true);
    expect(await q.getByTestId('filter-browsing').isDisabled()).toBe(true);
    await q.getByTestId('filter-forced').waitFor();
    expect(await q.getByTestId('visitor-row').count()).toBe(0);
  });

  it('shows reports for a date range: pages, entry and exit pages, visitors per day with a chart', async () => {
    await dana.getByTestId('nav-reports').click();
    const reports = dana.getByTestId('reports');
    await reports.getByTestId('report-chart').waitFor();
    expect(fake.http.findLast((h) => h.path.startsWith('/api/reports'))?.path).toMatch(
      /^\/api\/reports\?from=\d{4}-\d{2}-\d{2}&to=\d{4}-\d{2}-\d{2}$/,
    );
    expect(await reports.getByTestId('report-chart').locator('rect').count()).toBe(7);
    expect(await reports.getByTestId('report-pages').textContent()).toContain('lumen.shop/product.html');
    expect(await reports.getByTestId('report-days').locator('tbody tr').count()).toBe(7);
    await shot(dana, 'reports');
    await reports.getByRole('button', { name: '30 days' }).click();
    await expect.poll(() => reports.getByTestId('report-chart').locator('rect').count()).toBe(30);
    await reports.getByTestId('stat-pageViews').click();
    await shot(dana, 'reports-30-days');
  });

  it('lets an admin change the monitoring settings', async () => {
    const settingsBefore = { ...fake.settings };
    await dana.getByTestId('nav-settings').click();
    await dana.getByTestId('settings-form').waitFor();
    await dana.getByTestId('set-grace').fill('12');
    await dana.getByTestId('set-visible').fill('45');
    await dana.getByTestId('set-truncate').click();
    await dana.getByTestId('settings-save').click();
    await dana.getByTestId('settings-saved').waitFor();
    // The fields this form does not edit (routing) go back unchanged.
    expect(fake.http.findLast((h) => h.method === 'PUT' && h.path === '/api/settings')?.body).toEqual({
      ...settingsBefore,
      departedGraceMs: 12_000,
      departedVisibleMs: 45 * MIN,
      truncateIp: true,
      retentionDays: 90,
    });
    await shot(dana, 'settings');
    await dana.getByTestId('nav-monitor').click();
    await dana.getByTestId('visitors-grid').waitFor();
    expect(errors).toEqual([]);
    expect(dialogs).toEqual([]);
  });
});
