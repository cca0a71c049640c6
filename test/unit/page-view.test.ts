/**
 * The page-view use case against stubbed ports: what the one store write is asked to record (the
 * socket, the visit's referrer and search, the address), the welcome, and reconnects. Whether a
 * view begins a visit is the write's own condition: test/integration/page-view-store.test.ts.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Deps, PageViewInput, Store } from '../../functions/core/ports.js';
import type { VisitorRecord } from '../../functions/core/types.js';
import { recordPageView, VISIT_GAP_MS } from '../../functions/core/visitors.js';

const NOW = Date.UTC(2026, 10, 22, 12);
const CONNECTED_AT = NOW - 50;

function harness(opts: { first?: boolean; settings?: Record<string, unknown> } = {}) {
  const inputs: PageViewInput[] = [];
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
    getSettings: vi.fn(async () => opts.settings ?? {}),
    trackPageView: vi.fn(async (input: PageViewInput) => {
      inputs.push(input);
      return { after: visitor, first: opts.first ?? true, newVisit: false };
    }),
    resumeSocket: vi.fn(async () => visitor),
    siteOperators: vi.fn(async () => []),
    getChat: vi.fn(async () => undefined),
  } as unknown as Store;
  const deps: Deps = {
    store,
    notifier: { send: vi.fn(async () => []) },
    clock: { now: () => NOW },
    ids: { next: () => 'id' },
    tokens: { sign: () => 'token', verify: () => undefined },
  };
  return { deps, inputs };
}

let n = 0;
/** A fresh connection each time: the use case remembers sockets it has seen in this instance. */
const callerOf = (returning = true, extra: Record<string, unknown> = {}) => ({
  identity: { role: 'visitor' as const, siteId: 'site-pv', visitorId: 'V1', returning },
  connectionId: `c${++n}`,
  connectedAt: CONNECTED_AT,
  ...extra,
});
const frame = (extra: Record<string, unknown> = {}) =>
  ({ action: 'page-view', url: 'https://shop.example/lamps', title: 'Lamps', ...extra }) as never;

describe('page views', () => {
  it('records the view and the socket in one write, with the search that would begin a visit', async () => {
    const { deps, inputs } = harness();
    const caller = callerOf();
    await recordPageView(deps, caller, frame({ referrer: 'https://duckduckgo.com/?q=desk+lamp' }));
    expect(deps.store.trackPageView).toHaveBeenCalledTimes(1);
    expect(inputs[0]).toMatchObject({
      visitorId: 'V1',
      url: 'https://shop.example/lamps',
      at: NOW,
      socket: `${CONNECTED_AT}|${caller.connectionId}`,
      visitGapMs: VISIT_GAP_MS,
      visit: { referrer: 'https://duckduckgo.com/?q=desk+lamp', search: { engine: 'DuckDuckGo', query: 'desk lamp' } },
      // a visitor with a valid token is probably continuing a visit
      guessNewVisit: false,
    });
  });

  it('treats our own pages as no referrer, and guesses a new visit for a visitor without a token', async () => {
    const { deps, inputs } = harness();
    await recordPageView(deps, callerOf(false), frame({ referrer: 'https://shop.example/' }));
    expect(inputs[0]?.visit).toEqual({});
    expect(inputs[0]?.guessNewVisit).toBe(true);
  });

  it('guesses a continuing visit for a second view on a socket it has seen (single-page apps)', async () => {
    const { deps, inputs } = harness();
    const caller = callerOf(false);
    await recordPageView(deps, caller, frame());
    await recordPageView(deps, caller, frame({ spa: true }));
    expect(inputs.map((i) => i.guessNewVisit)).toEqual([true, false]);
  });

  it('welcomes the first view of a socket only', async () => {
    const first = harness({ first: true });
    await recordPageView(first.deps, callerOf(), frame());
    expect(first.deps.notifier.send).toHaveBeenCalledWith(
      [expect.any(String)],
      expect.objectContaining({ type: 'welcome', visitorToken: 'token' }),
    );
    const later = harness({ first: false });
    await recordPageView(later.deps, callerOf(), frame({ spa: true }));
    expect(later.deps.notifier.send).not.toHaveBeenCalled();
  });

  it('stores the connect-time address, cut to /24 when the site truncates addresses', async () => {
    const enrichment = { ip: '203.0.113.77', lang: 'de' };
    const plain = harness();
    await recordPageView(plain.deps, callerOf(true, { enrichment }), frame());
    expect(plain.inputs[0]?.enrichment).toEqual(enrichment);
    // another site: settings are cached per site for a few seconds
    const cut = harness({ settings: { console: { truncateIp: true } } });
    const identity = { role: 'visitor' as const, siteId: 'site-cut', visitorId: 'V1', returning: true };
    await recordPageView(cut.deps, callerOf(true, { enrichment, identity }), frame());
    expect(cut.inputs[0]?.enrichment).toEqual({ ip: '203.0.113.0', lang: 'de' });
  });

  it('counts a reconnect on the same page as presence, not as another page view, and still welcomes', async () => {
    const { deps } = harness();
    const caller = callerOf();
    await recordPageView(deps, caller, frame({ resume: true }));
    expect(deps.store.trackPageView).not.toHaveBeenCalled();
    expect(deps.store.resumeSocket).toHaveBeenCalledWith('V1', `${CONNECTED_AT}|${caller.connectionId}`, NOW);
    expect(deps.notifier.send).toHaveBeenCalledWith(
      [caller.connectionId],
      expect.objectContaining({ type: 'welcome' }),
    );
  });
});
