/** Page reports from the counters the stream keeps (no Scan, one Query for the range). */
import type { SiteReport } from '../protocol/index.js';
import { BadRequestError } from './errors.js';
import type { Deps } from './ports.js';

const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const MAX_REPORT_DAYS = 366;
const TOP = 50;

export function reportRange(
  from: string | undefined,
  to: string | undefined,
  now: number,
): { from: string; to: string } {
  const today = new Date(now).toISOString().slice(0, 10);
  const end = to ?? today;
  // A malformed `to` must not reach Date arithmetic (an invalid date throws a RangeError there).
  if (!DAY.test(end) || Number.isNaN(Date.parse(end))) {
    throw new BadRequestError('from and to must be dates as YYYY-MM-DD');
  }
  const start = from ?? new Date(Date.parse(`${end}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
  if (!DAY.test(start) || !DAY.test(end) || Number.isNaN(Date.parse(start)) || Number.isNaN(Date.parse(end))) {
    throw new BadRequestError('from and to must be dates as YYYY-MM-DD');
  }
  if (start > end) throw new BadRequestError('from must not be after to');
  if ((Date.parse(end) - Date.parse(start)) / 86_400_000 > MAX_REPORT_DAYS) {
    throw new BadRequestError(`a report covers at most ${MAX_REPORT_DAYS} days`);
  }
  return { from: start, to: end };
}

export async function siteReport(deps: Deps, siteId: string, from: string, to: string): Promise<SiteReport> {
  const counters = await deps.store.reportCounters(siteId, from, to);
  const pages = new Map<string, number>();
  const entries = new Map<string, number>();
  const exits = new Map<string, number>();
  const days = new Map<string, { day: string; visitors: number; visits: number; pageViews: number }>();
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += 86_400_000) {
    const day = new Date(t).toISOString().slice(0, 10);
    days.set(day, { day, visitors: 0, visits: 0, pageViews: 0 });
  }
  const add = (m: Map<string, number>, url: string | undefined, n: number | undefined) => {
    if (url && n) m.set(url, (m.get(url) ?? 0) + n);
  };
  for (const c of counters) {
    if (c.key === 'DAY') {
      const d = days.get(c.day);
      if (d) {
        d.visitors += c.visitors ?? 0;
        d.visits += c.visits ?? 0;
        d.pageViews += c.pageViews ?? 0;
      }
    } else if (c.key.startsWith('PAGE#')) {
      // A page's views, and the visits it began and ended, on its one counter item...
      add(pages, c.url, c.views);
      add(entries, c.url, c.entries);
      add(exits, c.url, c.exits);
    }
    // ...or, as counted before, on items of their own.
    else if (c.key.startsWith('ENTRY#')) add(entries, c.url, c.visits);
    else if (c.key.startsWith('EXIT#')) add(exits, c.url, c.visits);
  }
  const top = (m: Map<string, number>) =>
    [...m]
      .filter(([, n]) => n > 0)
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, TOP);
  return {
    from,
    to,
    pages: top(pages).map(([url, views]) => ({ url, views })),
    entryPages: top(entries).map(([url, visits]) => ({ url, visits })),
    exitPages: top(exits).map(([url, visits]) => ({ url, visits })),
    days: [...days.values()],
  };
}
