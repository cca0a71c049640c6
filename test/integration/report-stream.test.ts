/**
 * The report counters come from the table stream's second reader (report-stream), which gathers a
 * minute of changes per batch as the CDK app configures it. Through the local gateway against
 * dynalite: a visitor browses four pages with full page loads; the grid and the page-view history
 * follow at once (the first reader), the report only when the minute is up (here: when the test
 * delivers the batch), and then right, with one counter write per page and one for the day:
 * the exits the visitor's next views took back never reach the table.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentClient } from '../../functions/adapters/dynamo-client.js';
import { createDynamoStore } from '../../functions/adapters/dynamo-store.js';
import { RequestCounter } from '../../functions/adapters/request-counter.js';
import type { Store } from '../../functions/core/ports.js';
import { REPORT_STREAM_ENTRY } from '../../functions/handlers/routes.js';
import { currentInvocation } from '../../local/lambda-runner.js';
import { type LocalStack, startLocalStack } from '../../local/stack.js';
import { api, signIn, visitorPageAtConnect } from '../support/clients.js';
import { until } from '../support/until.js';

let stack: LocalStack;
let store: Store;
let token: string;
const invocations: string[] = [];
const ddb = new RequestCounter(() => currentInvocation.getStore() ?? 'test');

beforeAll(async () => {
  // The grid's reader at 100 ms; the report reader at its production window (a minute).
  stack = await startLocalStack({ port: 0, quiet: true, streamWindowMs: 100, onInvoke: (e) => invocations.push(e) });
  ddb.attach(documentClient());
  store = createDynamoStore(documentClient(), stack.tableName, { now: () => Date.now() });
  token = await signIn(stack, stack.demoOperator.email, stack.demoOperator.password);
}, 60_000);
afterAll(async () => {
  await stack?.stop();
});

type Report = {
  pages: { url: string; views: number }[];
  entryPages: { url: string; visits: number }[];
  exitPages: { url: string; visits: number }[];
  days: { day: string; visitors: number; pageViews: number; visits: number }[];
};

describe('report counters from the stream’s second reader', () => {
  it('lag by the batch, then count every view, entry, exit and visitor with one write per page and one for the day', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const report = async () => (await api<Report>(stack, token, 'GET', `/api/reports?from=${today}&to=${today}`)).body;
    const before = await report();
    const dayBefore = before.days.find((d) => d.day === today) ?? { pageViews: 0, visitors: 0, visits: 0 };
    invocations.length = 0;
    ddb.reset();

    const pages = ['a', 'b', 'c', 'd'].map((p) => `https://counted.example/${p}`);
    let vt: string | undefined;
    let visitorId = '';
    for (const url of pages) {
      const page = await visitorPageAtConnect(stack, { url, title: url, ...(vt ? { vt } : {}) });
      vt = String(page.welcome.visitorToken ?? vt);
      visitorId = String(page.welcome.visitorId ?? visitorId);
      await page.ws.close();
      await until(async () => ((await store.getVisitor(visitorId))?.connections ?? 1) === 0);
    }
    // The first reader has done its part: the history holds all four views…
    await until(async () => (await store.pageViews(visitorId, 10)).length === pages.length);
    // …while the report reader's minute is not up: nothing counted yet.
    expect(invocations).not.toContain(REPORT_STREAM_ENTRY);
    expect((await report()).pages.filter((p) => pages.includes(p.url))).toEqual([]);

    // The minute is up (idle() delivers every reader's batch now).
    await stack.stream.idle();
    expect(invocations.filter((e) => e === REPORT_STREAM_ENTRY)).toHaveLength(1);
    const after = await report();
    for (const url of pages) expect(after.pages.find((p) => p.url === url)?.views, url).toBe(1);
    expect(after.entryPages.filter((p) => pages.includes(p.url))).toEqual([{ url: pages[0], visits: 1 }]);
    expect(after.exitPages.filter((p) => pages.includes(p.url))).toEqual([{ url: pages[3], visits: 1 }]);
    const day = after.days.find((d) => d.day === today)!;
    expect(day.pageViews - dayBefore.pageViews).toBe(pages.length);
    expect(day.visitors - dayBefore.visitors).toBe(1);
    expect(day.visits - dayBefore.visits).toBe(1);
    // One UpdateItem per page (its view; its exit came and went in the batch) and one for the day:
    // a batch per view would have written each page twice (exit taken back) and the day four times.
    expect(ddb.byLabel.get(REPORT_STREAM_ENTRY)).toBe(pages.length + 1);
  });
});
