/** The page-view use case against stubbed ports: visits, referrers and search queries. */
import { describe, expect, it, vi } from 'vitest';
import type { Deps, PageViewInput, PageViewItem, Store, VisitStart } from '../../functions/core/ports.js';
import type { VisitorRecord } from '../../functions/core/types.js';
import { recordPageView, VISIT_GAP_MS } from '../../functions/core/visitors.js';

const NOW = Date.UTC(2026, 10, 22, 12);

function harness(before: Partial<VisitorRecord> | undefined, views = 1) {
  const visits: VisitStart[] = [];
  const pages: PageViewItem[] = [];
  const visitor: VisitorRecord = {
    visitorId: 'V1',
    siteId: 'site-pv',
    firstSeen: 0,
    lastSeen: NOW,
    visits: 1,
    pageViews: 1,
    url: '',
    title: '',
    visitStart: NOW,
    pageSince: NOW,
    connections: 1,
  };
  const store = {
    countConnectionView: vi.fn(async () => ({
      connectionId: 'c',
      role: 'visitor',
      siteId: 'site-pv',
      connectedAt: 0,
      views,
    })),
    getSettings: vi.fn(async () => ({})),
    trackPageView: vi.fn(async (_input: PageViewInput) => ({
      ...(before ? { before: { ...visitor, ...before } } : {}),
      after: visitor,
    })),
    startVisit: vi.fn(async (_id: string, visit: VisitStart) => {
      visits.push(visit);
      return visitor;
    }),
    putPageView: vi.fn(async (pv: PageViewItem) => {
      pages.push(pv);
    }),
    siteOperators: vi.fn(async () => []),
    getChat: vi.fn(async () => undefined),
    changeVisitorConnections: vi.fn(async () => visitor),
  } as unknown as Store;
  const deps: Deps = {
    store,
    notifier: { send: vi.fn(async () => []) },
    clock: { now: () => NOW },
    ids: { next: () => 'id' },
    tokens: { sign: () => 'token', verify: () => undefined },
  };
  return { deps, visits, pages };
}

const caller = {
  identity: { role: 'visitor' as const, siteId: 'site-pv', visitorId: 'V1', returning: true },
  connectionId: 'c',
};
const frame = (extra: Record<string, unknown> = {}) =>
  ({ action: 'page-view', url: 'https://shop.example/lamps', title: 'Lamps', ...extra }) as never;

describe('page views', () => {
  it('starts a new visit for a visitor back after the gap, with the search that brought them', async () => {
    const { deps, visits, pages } = harness({ connections: 0, lastSeen: NOW - VISIT_GAP_MS - 1 });
    await recordPageView(deps, caller, frame({ referrer: 'https://duckduckgo.com/?q=desk+lamp' }));
    expect(visits).toEqual([
      {
        at: NOW,
        referrer: 'https://duckduckgo.com/?q=desk+lamp',
        search: { engine: 'DuckDuckGo', query: 'desk lamp' },
      },
    ]);
    expect(pages[0]).toMatchObject({ entry: true, referrer: 'https://duckduckgo.com/?q=desk+lamp' });
  });

  it('does not start a new visit for a page navigation (another socket a moment later)', async () => {
    const { deps, visits, pages } = harness({ connections: 0, lastSeen: NOW - 2_000 });
    await recordPageView(deps, caller, frame({ referrer: 'https://shop.example/' }));
    expect(visits).toEqual([]);
    expect(pages[0]).toMatchObject({ entry: false });
    expect(pages[0]?.referrer).toBeUndefined();
  });

  it('does not start a new visit while another tab is open', async () => {
    const { deps, visits } = harness({ connections: 1, lastSeen: NOW - VISIT_GAP_MS - 1 });
    await recordPageView(deps, caller, frame());
    expect(visits).toEqual([]);
  });

  it('treats our own pages as no referrer for a brand-new visitor', async () => {
    const { deps, visits } = harness(undefined);
    await recordPageView(deps, caller, frame({ referrer: 'https://shop.example/' }));
    expect(visits).toEqual([{ at: NOW }]);
  });

  it('keeps the visit on later page views of the same socket (single-page apps), with no welcome', async () => {
    const { deps, visits, pages } = harness({ connections: 1 }, 2);
    await recordPageView(deps, caller, frame({ spa: true }));
    expect(visits).toEqual([]);
    expect(pages).toHaveLength(1);
    expect(deps.notifier.send).not.toHaveBeenCalled();
  });

  it('counts a reconnect on the same page as presence, not as another page view, and still welcomes', async () => {
    const { deps, visits, pages } = harness({ connections: 0 });
    await recordPageView(deps, caller, frame({ resume: true }));
    expect(deps.store.trackPageView).not.toHaveBeenCalled();
    expect(deps.store.changeVisitorConnections).toHaveBeenCalledWith('V1', 1, NOW);
    expect(visits).toEqual([]);
    expect(pages).toEqual([]);
    expect(deps.notifier.send).toHaveBeenCalledWith(['c'], expect.objectContaining({ type: 'welcome' }));
  });
});
