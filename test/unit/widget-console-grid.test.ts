/** The visitors grid's rules (console-web/grid.ts) and the store's grid state, with a fake clock. */
import { describe, expect, it } from 'vitest';
import {
  arrivals,
  DEFAULT_SETTINGS,
  effectiveFilter,
  filterCounts,
  type GridFilter,
  gridRows,
  isExpired,
  matchesSearch,
  nextSort,
  presenceAt,
  pruneExpired,
} from '../../console-web/grid.js';
import { ConsoleStore, FRESH_MS } from '../../console-web/store.js';
import type {
  ConsoleSettings,
  OperatorPreferences,
  OperatorProfile,
  OperatorWelcome,
  VisitorRow,
} from '../../functions/protocol/events.js';
import type { OperatorFrame } from '../../widget/core/frames.js';

const T0 = 1_750_000_000_000;
const SETTINGS: ConsoleSettings = {
  ...DEFAULT_SETTINGS,
  departedGraceMs: 20_000,
  departedVisibleMs: 600_000,
  truncateIp: false,
  retentionDays: 30,
};
const ME: OperatorProfile = {
  id: 'me',
  name: 'Dana',
  email: 'dana@x',
  role: 'operator',
  status: 'online',
  departments: [],
  silent: false,
  activeChats: 0,
  preferences: { newVisitorSound: true },
};

const row = (visitorId: string, over: Partial<VisitorRow> = {}): VisitorRow => ({
  visitorId,
  presence: 'browsing',
  connections: 1,
  status: 'no-activity',
  returning: false,
  visits: 1,
  pageViews: 1,
  url: `https://shop.test/${visitorId}`,
  title: `Page of ${visitorId}`,
  firstSeen: T0,
  lastSeen: T0,
  visitStart: T0,
  pageSince: T0,
  notes: 0,
  ...over,
});

/** One visitor in each state the seed's views tell apart. */
const population = (): Record<string, VisitorRow> => {
  const rows = [
    row('mine', {
      presence: 'chatting',
      status: 'waiting-for-response',
      chatId: 'c1',
      chatStatus: 'active',
      chatOperatorIds: ['me'],
    }),
    row('theirs', {
      presence: 'chatting',
      status: 'operator-waiting',
      chatId: 'c2',
      chatStatus: 'active',
      chatOperatorIds: ['sam'],
    }),
    row('queued', {
      presence: 'chatting',
      status: 'waiting-for-chat',
      chatId: 'c3',
      chatStatus: 'queued',
      chatOperatorIds: [],
    }),
    row('browser', { visitStart: T0 - 60_000 }),
    row('gone', { presence: 'browsing', connections: 0, lastSeen: T0 - 60_000 }),
    row('leaving', { connections: 0, lastSeen: T0 - 5_000 }),
  ];
  return Object.fromEntries(rows.map((r) => [r.visitorId, r]));
};
const ids = (filter: GridFilter, me: Pick<OperatorProfile, 'id' | 'silent'> = ME, search = '') =>
  gridRows(population(), { now: T0, settings: SETTINGS, filter, me, search })
    .map((r) => r.row.visitorId)
    .sort();

describe('presence as of now', () => {
  it('keeps a visitor without sockets live during the grace period and departed after it', () => {
    const v = row('v', { connections: 0, lastSeen: T0 });
    expect(presenceAt(v, T0 + 19_999, SETTINGS)).toBe('browsing');
    expect(presenceAt(v, T0 + 20_000, SETTINGS)).toBe('departed');
  });

  it('never departs a visitor with an open socket, however old lastSeen is', () => {
    expect(presenceAt(row('v', { lastSeen: T0 - 3_600_000 }), T0, SETTINGS)).toBe('browsing');
  });

  it('trusts a server that already says departed', () => {
    expect(presenceAt(row('v', { presence: 'departed', connections: 0 }), T0, SETTINGS)).toBe('departed');
  });

  it('drops departed rows once they are older than the visible time, and only those', () => {
    const gone = row('gone', { connections: 0, lastSeen: T0 });
    expect(isExpired(gone, T0 + 600_000, SETTINGS)).toBe(false);
    expect(isExpired(gone, T0 + 600_001, SETTINGS)).toBe(true);
    expect(isExpired(row('idle', { lastSeen: T0 - 7_200_000 }), T0, SETTINGS)).toBe(false);
    const all = { gone, idle: row('idle') };
    expect(Object.keys(pruneExpired(all, T0 + 700_000, SETTINGS))).toEqual(['idle']);
    expect(pruneExpired(all, T0, SETTINGS)).toBe(all);
  });
});

describe('the four views of the seed', () => {
  it('Show All: chatting, browsing and departed visitors', () => {
    expect(ids('all')).toEqual(['browser', 'gone', 'leaving', 'mine', 'queued', 'theirs']);
  });

  it('Hide Other Operators Activity: only chatting visitors assigned to me (no queue, no browsing, no departed)', () => {
    expect(ids('mine')).toEqual(['mine']);
  });

  it('Show Only Chatting: every chatting visitor, queued ones included', () => {
    expect(ids('chatting')).toEqual(['mine', 'queued', 'theirs']);
  });

  it('Show Only Browsing: browsing and chatting, not departed', () => {
    expect(ids('browsing')).toEqual(['browser', 'leaving', 'mine', 'queued', 'theirs']);
  });

  it('forces Hide Other Operators Activity on an operator of a silent department, whatever was chosen', () => {
    const silent = { ...ME, silent: true };
    expect(effectiveFilter('all', silent)).toBe('mine');
    expect(effectiveFilter('browsing', ME)).toBe('browsing');
    for (const f of ['all', 'chatting', 'browsing', 'mine'] as const) expect(ids(f, silent)).toEqual(['mine']);
  });

  it('does not count a departed visitor with a stale open chat as chatting', () => {
    const v = row('v', {
      presence: 'chatting',
      connections: 0,
      lastSeen: T0 - 60_000,
      chatStatus: 'active',
      chatOperatorIds: ['me'],
    });
    const rows = gridRows({ v }, { now: T0, settings: SETTINGS, filter: 'mine', me: ME });
    expect(rows).toEqual([]);
  });

  it('counts what each view would show', () => {
    expect(filterCounts(population(), T0, SETTINGS, 'me')).toEqual({ all: 6, mine: 1, chatting: 3, browsing: 5 });
  });
});

describe('search', () => {
  const rich = row('01JABCDEF', {
    name: 'Marta Nowak',
    url: 'https://shop.test/lamps/aurora',
    title: 'Aurora desk lamp',
    geo: { city: 'Kraków', country: 'PL', region: 'Lesser Poland' },
    referrer: 'https://www.google.com/',
    searchQuery: 'linen lamp shade',
    ip: '203.0.113.7',
    hostname: 'host-7.example.net',
    tag: 'frequent',
    custom: { plan: 'gold', accountId: 'A-991' },
  });

  it.each([
    ['name', 'marta'],
    ['id', 'abcdef'],
    ['url', '/lamps/'],
    ['title', 'AURORA'],
    ['city', 'kraków'],
    ['country code', 'pl'],
    ['country name', 'poland'],
    ['referrer', 'google'],
    ['search query', 'linen'],
    ['ip', '203.0.113'],
    ['hostname', 'example.net'],
    ['tag', 'frequent visitor'],
    ['custom value', 'gold'],
    ['custom value', 'A-991'],
  ])('finds a visitor by %s (%s)', (_what, q) => {
    expect(matchesSearch(rich, q)).toBe(true);
  });

  it('needs every word to match somewhere, and an empty query matches all', () => {
    expect(matchesSearch(rich, 'marta gold')).toBe(true);
    expect(matchesSearch(rich, 'marta silver')).toBe(false);
    expect(matchesSearch(rich, '   ')).toBe(true);
  });

  it('filters the grid rows', () => {
    expect(ids('all', ME, 'page of b')).toEqual(['browser']);
  });
});

describe('sorting', () => {
  const rows = {
    a: row('a', { name: 'Bea', visits: 3, visitStart: T0 - 10_000, geo: { country: 'DE', city: 'Berlin' } }),
    b: row('b', { name: 'adam', visits: 1, visitStart: T0 - 90_000, status: 'returning' }),
    c: row('c', {
      name: 'Cy',
      visits: 7,
      visitStart: T0 - 30_000,
      status: 'waiting-for-chat',
      tag: 'customer',
      geo: { country: 'FR', city: 'Lyon' },
    }),
  };
  const order = (key: Parameters<typeof nextSort>[1], dir: 'asc' | 'desc') =>
    gridRows(rows, { now: T0, settings: SETTINGS, filter: 'all', sort: { key, dir } }).map((r) => r.row.visitorId);

  it('sorts by visitor name, case-insensitively, both ways', () => {
    expect(order('visitor', 'asc')).toEqual(['b', 'a', 'c']);
    expect(order('visitor', 'desc')).toEqual(['c', 'a', 'b']);
  });

  it('sorts by visits and by time on site', () => {
    expect(order('visits', 'desc')).toEqual(['c', 'a', 'b']);
    expect(order('time', 'asc')).toEqual(['a', 'c', 'b']);
  });

  it('sorts by status urgency (waiting for chat first)', () => {
    expect(order('status', 'asc')).toEqual(['c', 'b', 'a']);
  });

  it('keeps rows without a value last in either direction', () => {
    expect(order('tag', 'asc')[0]).toBe('c');
    expect(order('tag', 'desc')[0]).toBe('c');
    expect(order('location', 'desc').at(-1)).toBe('b');
    expect(order('location', 'asc')).toEqual(['c', 'a', 'b']);
  });

  it('cycles a header: ascending, descending, back to the default order', () => {
    let s = nextSort(undefined, 'visits');
    expect(s).toEqual({ key: 'visits', dir: 'asc' });
    s = nextSort(s, 'visits');
    expect(s).toEqual({ key: 'visits', dir: 'desc' });
    expect(nextSort(s, 'visits')).toBeUndefined();
    expect(nextSort(s, 'tag')).toEqual({ key: 'tag', dir: 'asc' });
  });

  it('by default shows chatting first (most urgent first), then browsing, then departed', () => {
    const got = gridRows(population(), { now: T0, settings: SETTINGS, filter: 'all' }).map((r) => r.row.visitorId);
    expect(got.slice(0, 3)).toEqual(['queued', 'mine', 'theirs']);
    expect(got.at(-1)).toBe('gone');
  });
});

describe('arrivals', () => {
  it('are rows not seen before, or back after departing; not page changes within the grace period', () => {
    const before = {
      known: row('known'),
      back: row('back', { connections: 0, lastSeen: T0 - 60_000 }),
      blip: row('blip', { connections: 0, lastSeen: T0 - 1_000 }),
    };
    const incoming = [
      row('new'),
      row('known'),
      row('back'),
      row('blip'),
      row('ghost', { presence: 'departed', connections: 0 }),
    ];
    expect(arrivals(before, incoming, T0, SETTINGS)).toEqual(['new', 'back']);
  });
});

describe('ConsoleStore: the grid live', () => {
  function setup(
    prefs: OperatorPreferences = { newVisitorSound: true },
    save?: (p: OperatorPreferences) => Promise<OperatorProfile>,
  ) {
    const sent: (OperatorFrame & { reqId: string })[] = [];
    let now = T0;
    let chimes = 0;
    let n = 0;
    const store = new ConsoleStore({
      send(frame) {
        const reqId = `r${++n}`;
        sent.push({ ...frame, reqId });
        return reqId;
      },
      ring: () => {},
      chime: () => {
        chimes++;
      },
      now: () => now,
      ...(save ? { savePreferences: save } : {}),
    });
    const welcome: OperatorWelcome = {
      type: 'welcome',
      role: 'operator',
      operator: { ...ME, preferences: prefs },
      operatorsOnline: [],
      visitors: [row('a')],
      queue: [],
      chats: [],
      settings: SETTINGS,
    };
    store.handle(welcome);
    return {
      store,
      sent,
      chimes: () => chimes,
      tick: (ms: number) => {
        now += ms;
      },
    };
  }

  it('takes the settings and the rows from the welcome without a chime', () => {
    const { store, chimes } = setup();
    expect(store.state.settings).toEqual(SETTINGS);
    expect(Object.keys(store.state.visitors)).toEqual(['a']);
    expect(chimes()).toBe(0);
    expect(store.state.fresh).toEqual({});
  });

  it('upserts coalesced `visitors` frames and old single `visitor` frames alike', () => {
    const { store } = setup();
    store.handle({ type: 'visitors', visitors: [row('a', { title: 'Pricing' }), row('b')] });
    store.handle({ type: 'visitor', visitor: row('c') });
    expect(store.state.visitors.a?.title).toBe('Pricing');
    expect(Object.keys(store.state.visitors).sort()).toEqual(['a', 'b', 'c']);
  });

  it('chimes once per frame that brings new visitors and marks them fresh for a while', () => {
    const { store, chimes, tick } = setup();
    store.handle({ type: 'visitors', visitors: [row('b'), row('c')] });
    expect(chimes()).toBe(1);
    expect(Object.keys(store.state.fresh).sort()).toEqual(['b', 'c']);
    store.handle({ type: 'visitors', visitors: [row('b', { title: 'Next page' })] });
    expect(chimes()).toBe(1);
    tick(FRESH_MS + 1);
    store.handle({ type: 'visitors', visitors: [row('d')] });
    expect(Object.keys(store.state.fresh)).toEqual(['d']);
  });

  it('stays quiet when the operator turned the sound off', () => {
    const { store, chimes } = setup({ newVisitorSound: false });
    store.handle({ type: 'visitors', visitors: [row('b')] });
    expect(chimes()).toBe(0);
    expect(store.state.fresh.b).toBeDefined();
  });

  it('switches the sound optimistically and puts it back when saving fails', async () => {
    let fail = true;
    const { store } = setup({ newVisitorSound: true }, async (p) => {
      if (fail) throw new Error('HTTP 500');
      return { ...ME, preferences: p };
    });
    const pending = store.setNewVisitorSound(false);
    expect(store.state.me?.preferences.newVisitorSound).toBe(false);
    await pending;
    expect(store.state.me?.preferences.newVisitorSound).toBe(true);
    expect(store.state.toasts.at(-1)?.kind).toBe('error');
    fail = false;
    await store.setNewVisitorSound(false);
    expect(store.state.me?.preferences.newVisitorSound).toBe(false);
  });

  it('tags optimistically, keeps the tag on ack, and puts the old one back on an error', () => {
    const { store, sent } = setup();
    store.tagVisitor('a', 'customer');
    expect(sent.at(-1)).toMatchObject({ action: 'tag-visitor', visitorId: 'a', tag: 'customer' });
    expect(store.state.visitors.a?.tag).toBe('customer');
    store.handle({ type: 'ack', reqId: sent.at(-1)!.reqId, action: 'tag-visitor' });
    store.tagVisitor('a', 'unwelcome');
    store.handle({ type: 'error', code: 'forbidden', message: 'no', reqId: sent.at(-1)!.reqId });
    expect(store.state.visitors.a?.tag).toBe('customer');
    store.tagVisitor('a', null);
    expect(sent.at(-1)).toMatchObject({ tag: null });
    expect(store.state.visitors.a?.tag).toBeUndefined();
  });

  it('sends notes and shows every visitor-note once, merged with fetched ones', () => {
    const { store, sent } = setup();
    expect(store.addNote('a', '   ')).toBe(false);
    expect(store.addNote('a', ' Asked about bulk prices ')).toBe(true);
    expect(sent.at(-1)).toMatchObject({ action: 'note-visitor', visitorId: 'a', text: 'Asked about bulk prices' });
    const note = {
      id: 'n1',
      visitorId: 'a',
      text: 'Asked about bulk prices',
      operatorId: 'me',
      operatorName: 'Dana',
      at: T0,
    };
    store.handle({ type: 'visitor-note', note });
    store.handle({ type: 'visitor-note', note });
    store.mergeNotes('a', [{ ...note, id: 'n0', at: T0 - 1 }, note]);
    expect(store.state.notes.a?.map((n) => n.id)).toEqual(['n0', 'n1']);
  });

  it('prunes long-departed rows and closes their info panel', () => {
    const { store, tick } = setup();
    store.handle({ type: 'visitors', visitors: [row('gone', { connections: 0, lastSeen: T0 })] });
    store.select('gone');
    tick(SETTINGS.departedVisibleMs + 1);
    store.prune();
    expect(store.state.visitors.gone).toBeUndefined();
    expect(store.state.selected).toBeUndefined();
    expect(store.state.visitors.a).toBeDefined();
  });

  it('keeps my chat rows in step with chat-update before the next row arrives', () => {
    const { store } = setup();
    store.handle({
      type: 'chat-update',
      chat: {
        chatId: 'c9',
        visitorId: 'a',
        visitorName: 'A',
        status: 'active',
        operators: [{ id: 'me', name: 'Dana' }],
        createdAt: T0,
        lastSeq: 1,
      },
    });
    expect(store.state.visitors.a).toMatchObject({ chatId: 'c9', chatStatus: 'active', chatOperatorIds: ['me'] });
  });

  it('fills rows from an older server path (no status, visit start or notes)', () => {
    const { store } = setup();
    const old = { ...row('old', { returning: true }) } as Partial<VisitorRow>;
    delete old.status;
    delete old.visitStart;
    store.handle({ type: 'visitor', visitor: old as VisitorRow });
    expect(store.state.visitors.old).toMatchObject({ status: 'returning', visitStart: T0, notes: 0 });
    expect(DEFAULT_SETTINGS.departedGraceMs).toBeGreaterThan(0);
  });
});
