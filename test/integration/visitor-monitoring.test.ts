/**
 * Visitor monitoring through the local gateway and the table's stream: tracking, enrichment,
 * statuses, presence, tags, notes, details, reports, coalescing and privacy settings.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, operatorSession, visitorPage, type WsClient, waitForRow } from '../support/clients.js';

const CHROME_WINDOWS =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';

let stack: LocalStack;
let dana: { ws: WsClient; idToken: string };
let sam: { ws: WsClient; idToken: string };
const second = { email: 'sam@parley.local', password: 'Second-op-2026!', name: 'Sam Second' };

beforeAll(async () => {
  stack = await startLocalStack({ quiet: true, streamWindowMs: 100 });
  await stack.createOperator(second);
  dana = await operatorSession(stack, stack.demoOperator);
  sam = await operatorSession(stack, second);
});
afterAll(async () => {
  await dana?.ws.close();
  await sam?.ws.close();
  await stack?.stop();
});

describe('tracking and enrichment', () => {
  it('shows a visitor from a search engine with place, browser, language and the search query', async () => {
    const page = await visitorPage(stack, {
      url: 'https://shop.example/product',
      title: 'Aurora Lamp',
      referrer: 'https://www.bing.com/search?q=blue+desk+lamp',
      headers: { 'user-agent': CHROME_WINDOWS, 'accept-language': 'pl-PL,pl;q=0.9,en;q=0.8' },
      extra: { screen: { w: 1920, h: 1080 }, custom: { plan: 'gold' } },
    });
    const id = String(page.welcome.visitorId);
    const row = await waitForRow(dana.ws, id, (r) => r.title === 'Aurora Lamp');
    expect(row).toMatchObject({
      presence: 'browsing',
      status: 'no-activity',
      url: 'https://shop.example/product',
      referrer: 'https://www.bing.com/search?q=blue+desk+lamp',
      searchEngine: 'Bing',
      searchQuery: 'blue desk lamp',
      lang: 'pl-PL',
      screen: { w: 1920, h: 1080 },
      custom: { plan: 'gold' },
      ip: '127.0.0.1',
      visits: 1,
      connections: 1,
    });
    expect(row.client).toMatchObject({ browser: 'Chrome', os: 'Windows', device: 'desktop' });
    expect(row.geo).toMatchObject({ country: 'ZZ', city: 'Localhost' });
    await page.ws.close();
  });

  it('tracks single-page-app route changes on the same socket, without a new welcome', async () => {
    const page = await visitorPage(stack, { url: 'https://shop.example/app#/', title: 'App' });
    const id = String(page.welcome.visitorId);
    const from = page.ws.frames.length;
    page.ws.send({ action: 'page-view', spa: true, url: 'https://shop.example/app#/cart', title: 'Cart' });
    const row = await waitForRow(dana.ws, id, (r) => r.title === 'Cart');
    expect(row.pageViews).toBe(2);
    expect(row.visits).toBe(1);
    expect((await page.ws.collect(200)).concat(page.ws.frames.slice(from)).some((f) => f.type === 'welcome')).toBe(
      false,
    );
    await page.ws.close();
  });

  it('merges custom information from the page’s JS API, within the limits', async () => {
    const page = await visitorPage(stack, { extra: { custom: { plan: 'gold' } } });
    const id = String(page.welcome.visitorId);
    expect(await page.ws.request({ action: 'visitor-info', custom: { company: 'ACME' } })).toMatchObject({
      type: 'ack',
    });
    const row = await waitForRow(dana.ws, id, (r) => (r.custom as Record<string, string>)?.company === 'ACME');
    expect(row.custom).toEqual({ plan: 'gold', company: 'ACME' });
    const tooMany = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`k${i}`, 'v']));
    expect(await page.ws.request({ action: 'visitor-info', custom: tooMany })).toMatchObject({
      type: 'error',
      code: 'bad-request',
    });
    await page.ws.close();
  });

  it('recognises the visitor by the signed token; a page navigation is not a new visit', async () => {
    const first = await visitorPage(stack);
    const id = String(first.welcome.visitorId);
    await first.ws.close();
    const again = await visitorPage(stack, { vt: String(first.welcome.visitorToken), title: 'Second page' });
    expect(again.welcome.visitorId).toBe(id);
    expect(again.welcome.returning).toBe(true);
    const row = await waitForRow(dana.ws, id, (r) => r.title === 'Second page');
    expect(row).toMatchObject({ visits: 1, pageViews: 2, returning: false });
    await again.ws.close();
  });
});

describe('statuses and presence', () => {
  it('follows a chat: waiting for chat, waiting for response, operator waiting, chatted', async () => {
    const page = await visitorPage(stack, { title: 'Status page' });
    const id = String(page.welcome.visitorId);
    const queued = await page.ws.request({ action: 'chat-request', name: 'Stella' });
    const chatId = String((queued.chat as { chatId: string }).chatId);
    expect(await waitForRow(dana.ws, id, (r) => r.status === 'waiting-for-chat')).toMatchObject({
      presence: 'chatting',
      name: 'Stella',
      chatStatus: 'queued',
    });
    await dana.ws.request({ action: 'accept', chatId });
    await waitForRow(sam.ws, id, (r) => r.status === 'waiting-for-response' && r.chatStatus === 'active');
    await dana.ws.request({ action: 'chat-message', chatId, text: 'Hello Stella', clientMsgId: 'st-1' });
    const opWaiting = await waitForRow(sam.ws, id, (r) => r.status === 'operator-waiting');
    expect(opWaiting.chatOperatorIds).toHaveLength(1);
    await page.ws.request({ action: 'chat-message', chatId, text: 'Hi!', clientMsgId: 'st-2' });
    await waitForRow(sam.ws, id, (r) => r.status === 'waiting-for-response');
    await page.ws.request({ action: 'end-chat', chatId });
    await waitForRow(sam.ws, id, (r) => r.status === 'chatted-invited' && r.presence === 'browsing');
    await page.ws.close();
  });

  it('marks a visitor with no socket departed after the site’s grace period', async () => {
    const saved = await api(stack, dana.idToken, 'GET', '/api/settings');
    expect(saved.status).toBe(200);
    const put = await api(stack, dana.idToken, 'PUT', '/api/settings', { ...saved.body, departedGraceMs: 5_000 });
    expect(put.status).toBe(200);
    const page = await visitorPage(stack, { title: 'Leaving soon' });
    const id = String(page.welcome.visitorId);
    await waitForRow(dana.ws, id, (r) => r.connections === 1);
    await page.ws.close();
    const gone = await waitForRow(dana.ws, id, (r) => r.connections === 0);
    expect(gone.presence).toBe('browsing'); // within the grace period: it may be a page navigation
    // After the grace period, the console derives departed; a fresh snapshot computes it too.
    await new Promise((r) => setTimeout(r, 5_100));
    const hello = await dana.ws.request({ action: 'hello' });
    const row = (hello.visitors as { visitorId: string; presence: string }[]).find((v) => v.visitorId === id);
    expect(row?.presence).toBe('departed');
    await api(stack, dana.idToken, 'PUT', '/api/settings', saved.body);
  }, 20_000);
});

describe('tags and notes', () => {
  it('shows a tag set in one console in every other console, and blocks chat for Unwelcome visitors', async () => {
    const page = await visitorPage(stack, { title: 'Tagged' });
    const id = String(page.welcome.visitorId);
    expect(await dana.ws.request({ action: 'tag-visitor', visitorId: id, tag: 'customer' })).toMatchObject({
      type: 'ack',
    });
    await waitForRow(sam.ws, id, (r) => r.tag === 'customer');
    await dana.ws.request({ action: 'tag-visitor', visitorId: id, tag: 'unwelcome' });
    await waitForRow(sam.ws, id, (r) => r.tag === 'unwelcome');
    const refused = await page.ws.request({ action: 'chat-request', name: 'Troll' });
    expect(refused).toMatchObject({ type: 'error', code: 'forbidden' });
    await page.ws.close();
    const next = await visitorPage(stack, { vt: String(page.welcome.visitorToken) });
    expect(next.welcome.chatBlocked).toBe(true);
    await dana.ws.request({ action: 'tag-visitor', visitorId: id, tag: null });
    await waitForRow(sam.ws, id, (r) => r.tag === undefined);
    await next.ws.close();
  });

  it('delivers a note to every console live, counts it on the row, and refuses a visitor of nowhere', async () => {
    const page = await visitorPage(stack, { title: 'Noted' });
    const id = String(page.welcome.visitorId);
    const mine = await dana.ws.request({ action: 'note-visitor', visitorId: id, text: 'Asked about bulk prices' });
    expect(mine).toMatchObject({
      type: 'visitor-note',
      note: { visitorId: id, text: 'Asked about bulk prices', operatorName: 'Dana Demo' },
    });
    await sam.ws.next(
      (f) => f.type === 'visitor-note' && (f.note as { id: string }).id === (mine.note as { id: string }).id,
    );
    await waitForRow(sam.ws, id, (r) => r.notes === 1);
    const none = await dana.ws.request({ action: 'note-visitor', visitorId: '01JNOSUCHVISITOR000000000', text: 'x' });
    expect(none).toMatchObject({ type: 'error', code: 'not-found' });
    const fromVisitor = await page.ws.request({ action: 'note-visitor', visitorId: id, text: 'I am nice' });
    expect(fromVisitor).toMatchObject({ type: 'error', code: 'forbidden' });
    await page.ws.close();
  });
});

describe('visitor details and reports', () => {
  it('returns the navigation history with time per page, visits, chats and notes', async () => {
    const first = await visitorPage(stack, { url: 'https://shop.example/', title: 'Home' });
    const id = String(first.welcome.visitorId);
    await new Promise((r) => setTimeout(r, 300));
    first.ws.send({ action: 'page-view', spa: true, url: 'https://shop.example/product', title: 'Product' });
    await new Promise((r) => setTimeout(r, 300));
    first.ws.send({ action: 'page-view', spa: true, url: 'https://shop.example/pricing', title: 'Pricing' });
    await waitForRow(dana.ws, id, (r) => r.title === 'Pricing');
    await dana.ws.request({ action: 'note-visitor', visitorId: id, text: 'Likes lamps' });
    const details = await api<{
      visitor: { visitorId: string };
      pageViews: { url: string; durationMs: number }[];
      visits: { pages: number }[];
      notes: { text: string }[];
      chats: unknown[];
    }>(stack, dana.idToken, 'GET', `/api/visitors/${id}`);
    expect(details.status).toBe(200);
    expect(details.body.pageViews.map((p) => p.url)).toEqual([
      'https://shop.example/',
      'https://shop.example/product',
      'https://shop.example/pricing',
    ]);
    expect(details.body.pageViews[0]!.durationMs).toBeGreaterThanOrEqual(250);
    expect(details.body.visits).toHaveLength(1);
    expect(details.body.visits[0]!.pages).toBe(3);
    expect(details.body.notes.map((n) => n.text)).toEqual(['Likes lamps']);
    expect((await api(stack, dana.idToken, 'GET', '/api/visitors/nobody')).status).toBe(404);
    await first.ws.close();
  });

  it('reports most visited, entry and exit pages and visitors per day from counters kept at write time', async () => {
    const a = await visitorPage(stack, { url: 'https://report.example/', title: 'R home' });
    a.ws.send({ action: 'page-view', spa: true, url: 'https://report.example/pricing', title: 'R pricing' });
    const b = await visitorPage(stack, { url: 'https://report.example/pricing', title: 'R pricing' });
    await new Promise((r) => setTimeout(r, 200));
    await stack.stream.idle();
    const today = new Date().toISOString().slice(0, 10);
    const report = await api<{
      pages: { url: string; views: number }[];
      entryPages: { url: string; visits: number }[];
      exitPages: { url: string; visits: number }[];
      days: { day: string; visitors: number; pageViews: number }[];
    }>(stack, dana.idToken, 'GET', `/api/reports?from=${today}&to=${today}`);
    expect(report.status).toBe(200);
    const count = (list: { url: string }[], url: string, field: string) =>
      (list.find((p) => p.url === url) as Record<string, number> | undefined)?.[field] ?? 0;
    expect(count(report.body.pages, 'https://report.example/pricing', 'views')).toBe(2);
    expect(count(report.body.pages, 'https://report.example/', 'views')).toBe(1);
    expect(count(report.body.entryPages, 'https://report.example/', 'visits')).toBe(1);
    expect(count(report.body.entryPages, 'https://report.example/pricing', 'visits')).toBe(1);
    expect(count(report.body.exitPages, 'https://report.example/pricing', 'visits')).toBe(2);
    expect(count(report.body.exitPages, 'https://report.example/', 'visits')).toBe(0);
    expect(report.body.days.find((d) => d.day === today)?.visitors).toBeGreaterThanOrEqual(2);
    expect((await api(stack, dana.idToken, 'GET', '/api/reports?from=2026-13-01')).status).toBe(400);
    await a.ws.close();
    await b.ws.close();
  });
});

describe('coalescing', () => {
  it('sends a console one frame for many row changes in one window, not a frame each', async () => {
    await stack.stream.idle();
    const from = sam.ws.frames.length;
    const pages = await Promise.all(Array.from({ length: 8 }, (_, i) => visitorPage(stack, { title: `Burst ${i}` })));
    await stack.stream.idle();
    await sam.ws.collect(200);
    const frames = sam.ws.frames.slice(from).filter((f) => f.type === 'visitors');
    const rows = frames.flatMap((f) => (f.visitors as { visitorId: string }[]).map((v) => v.visitorId));
    for (const p of pages) expect(rows).toContain(String(p.welcome.visitorId));
    // Each page load changes the visitor's row several times (tracked, visit started, hostname…):
    // the console receives them in fewer frames than changes, several rows to a frame.
    expect(frames.length).toBeLessThan(rows.length);
    expect(Math.max(...frames.map((f) => (f.visitors as unknown[]).length))).toBeGreaterThan(1);
    for (const p of pages) await p.ws.close();
  });
});

describe('privacy', () => {
  it('truncates the address everywhere once IP truncation is on', async () => {
    const saved = await api(stack, dana.idToken, 'GET', '/api/settings');
    await api(stack, dana.idToken, 'PUT', '/api/settings', { ...saved.body, truncateIp: true });
    // Settings are cached per instance for up to 30 s; this instance was told of the change.
    const page = await visitorPage(stack, { title: 'Private' });
    const id = String(page.welcome.visitorId);
    const row = await waitForRow(dana.ws, id, (r) => r.title === 'Private');
    expect(row.ip).toBe('127.0.0.0');
    expect(row.hostname).toBeUndefined();
    await api(stack, dana.idToken, 'PUT', '/api/settings', saved.body);
    await page.ws.close();
  });

  it('lets only admins change settings', async () => {
    const current = await api(stack, sam.idToken, 'GET', '/api/settings');
    const res = await api(stack, sam.idToken, 'PUT', '/api/settings', { ...current.body, retentionDays: 30 });
    expect(res.status).toBe(403);
    expect((await api(stack, dana.idToken, 'PUT', '/api/settings', { retentionDays: -1 })).status).toBe(400);
  });
});
