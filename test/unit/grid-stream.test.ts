import { describe, expect, it } from 'vitest';
import {
  closedSocketsOf,
  pageKey,
  pageViewOf,
  reportDeltas,
  rowFrames,
  rowRelevant,
  welcomeOwedBy,
} from '../../functions/core/grid-stream.js';
import { reportRange } from '../../functions/core/reports.js';
import { groupVisits } from '../../functions/core/visitors.js';
import type { VisitorRow } from '../../functions/protocol/index.js';

const day = Date.UTC(2026, 10, 22, 10);
const profile = (extra: Record<string, unknown>) => ({
  siteId: 'demo',
  visitorId: 'V1',
  visits: 1,
  pageViews: 1,
  url: 'https://shop.example/',
  visitStart: day,
  pageSince: day,
  ...extra,
});

describe('report counters from the stream', () => {
  it('counts a page view and, for the first of a visit, an entry and the exit so far, all on the page’s one counter', () => {
    const out = reportDeltas({
      eventName: 'INSERT',
      pk: 'VIS#V1',
      sk: 'PROFILE',
      newImage: profile({ url: 'https://shop.example/pricing?utm_source=x#top' }),
    });
    const pricing = 'https://shop.example/pricing';
    expect(out?.deltas).toEqual([
      { day: '2026-11-22', key: `PAGE#${pricing}`, url: pricing, field: 'views', delta: 1 },
      { day: '2026-11-22', key: `PAGE#${pricing}`, url: pricing, field: 'exits', delta: 1 },
      { day: '2026-11-22', key: 'DAY', field: 'pageViews', delta: 1 },
      { day: '2026-11-22', key: `PAGE#${pricing}`, url: pricing, field: 'entries', delta: 1 },
      { day: '2026-11-22', key: 'DAY', field: 'visits', delta: 1 },
      { day: '2026-11-22', key: 'DAY', field: 'visitors', delta: 1 },
    ]);
  });

  it('moves the visit’s exit page along as the visitor browses, on the day each page was seen', () => {
    const out = reportDeltas({
      eventName: 'MODIFY',
      pk: 'VIS#V1',
      sk: 'PROFILE',
      oldImage: profile({}),
      newImage: profile({ url: 'https://shop.example/pricing', pageViews: 2, pageSince: day + 86_400_000 }),
    });
    expect(out?.deltas).toContainEqual({
      day: '2026-11-22',
      key: 'PAGE#https://shop.example/',
      url: 'https://shop.example/',
      field: 'exits',
      delta: -1,
    });
    expect(out?.deltas).toContainEqual({
      day: '2026-11-23',
      key: 'PAGE#https://shop.example/pricing',
      url: 'https://shop.example/pricing',
      field: 'exits',
      delta: 1,
    });
    expect(out?.deltas).toContainEqual({ day: '2026-11-23', key: 'DAY', field: 'pageViews', delta: 1 });
    expect(out?.deltas.some((d) => d.key.startsWith('EXIT#') || d.key.startsWith('ENTRY#'))).toBe(false);
  });

  it('leaves a reload’s exit where it was: up and down on the same counter', () => {
    const out = reportDeltas({
      eventName: 'MODIFY',
      pk: 'VIS#V1',
      sk: 'PROFILE',
      oldImage: profile({}),
      newImage: profile({ pageViews: 2, pageSince: day + 5000 }),
    });
    const exits = out!.deltas.filter((d) => d.field === 'exits' && d.key === 'PAGE#https://shop.example/');
    expect(exits.reduce((n, d) => n + d.delta, 0)).toBe(0);
  });

  it('counts a visitor once a day', () => {
    const first = reportDeltas({ eventName: 'INSERT', pk: 'VIS#V1', sk: 'PROFILE', newImage: profile({}) });
    expect(first?.deltas).toContainEqual({ day: '2026-11-22', key: 'DAY', field: 'visitors', delta: 1 });
    const sameDay = reportDeltas({
      eventName: 'MODIFY',
      pk: 'VIS#V1',
      sk: 'PROFILE',
      oldImage: profile({}),
      newImage: profile({ pageViews: 2, pageSince: day + 5000 }),
    });
    expect(sameDay?.deltas.filter((d) => d.field === 'visitors')).toEqual([]);
    // a socket closing ($disconnect: no page view) counts nothing
    const closing = reportDeltas({
      eventName: 'MODIFY',
      pk: 'VIS#V1',
      sk: 'PROFILE',
      oldImage: profile({}),
      newImage: profile({ lastSeen: day + 9000 }),
    });
    expect(closing).toBeUndefined();
  });

  it('reads each page view off the visitor write that recorded it: a new visit, then a navigation', () => {
    const entry = {
      eventName: 'INSERT' as const,
      pk: 'VIS#V1',
      sk: 'PROFILE',
      newImage: profile({ title: 'Home', referrer: 'https://search.example/?q=x' }),
    };
    expect(pageViewOf(entry)).toEqual({
      siteId: 'demo',
      visitorId: 'V1',
      url: 'https://shop.example/',
      title: 'Home',
      at: day,
      entry: true,
      referrer: 'https://search.example/?q=x',
      visitStart: day,
      n: 1,
    });
    const next = {
      eventName: 'MODIFY' as const,
      pk: 'VIS#V1',
      sk: 'PROFILE',
      oldImage: profile({}),
      newImage: profile({ url: 'https://shop.example/pricing', title: 'Pricing', pageViews: 2, pageSince: day + 5000 }),
    };
    expect(pageViewOf(next)).toMatchObject({
      entry: false,
      prevUrl: 'https://shop.example/',
      prevAt: day,
      n: 2,
      at: day + 5000,
    });
    expect(reportDeltas(next)?.deltas).toEqual([
      {
        day: '2026-11-22',
        key: 'PAGE#https://shop.example/pricing',
        url: 'https://shop.example/pricing',
        field: 'views',
        delta: 1,
      },
      {
        day: '2026-11-22',
        key: 'PAGE#https://shop.example/pricing',
        url: 'https://shop.example/pricing',
        field: 'exits',
        delta: 1,
      },
      { day: '2026-11-22', key: 'DAY', field: 'pageViews', delta: 1 },
      { day: '2026-11-22', key: 'PAGE#https://shop.example/', url: 'https://shop.example/', field: 'exits', delta: -1 },
    ]);
    // a returning visitor's new visit counts visits up: an entry page again
    const back = {
      ...next,
      newImage: profile({ pageViews: 3, visits: 2, pageSince: day + 7_200_000, visitStart: day + 7_200_000 }),
    };
    expect(pageViewOf(back)).toMatchObject({ entry: true, n: 3 });
  });

  it('finds the sockets that left a visitor or operator, and nothing for other changes', () => {
    const s = (id: string) => ({ connectionId: id, connectedAt: day });
    expect(
      closedSocketsOf({
        eventName: 'MODIFY',
        pk: 'VIS#V1',
        sk: 'PROFILE',
        oldImage: profile({ sockets: [s('a'), s('b')] }),
        newImage: profile({ sockets: [s('b')], openChatId: 'C1' }),
      }),
    ).toEqual({ role: 'visitor', siteId: 'demo', ownerId: 'V1', closed: ['a'], remaining: 1, openChatId: 'C1' });
    expect(
      closedSocketsOf({
        eventName: 'MODIFY',
        pk: 'OP#O1',
        sk: 'PROFILE',
        oldImage: { operatorId: 'O1', siteId: 'demo', status: 'online', sockets: [s('x')] },
        newImage: { operatorId: 'O1', siteId: 'demo', status: 'online', sockets: [] },
      }),
    ).toEqual({ role: 'operator', siteId: 'demo', ownerId: 'O1', closed: ['x'], remaining: 0, status: 'online' });
    expect(
      closedSocketsOf({
        eventName: 'MODIFY',
        pk: 'VIS#V1',
        sk: 'PROFILE',
        oldImage: profile({ sockets: [s('a')] }),
        newImage: profile({ sockets: [s('a'), s('b')] }),
      }),
    ).toBeUndefined();
  });

  it('ignores removals and items of other kinds', () => {
    expect(reportDeltas({ eventName: 'REMOVE', pk: 'VIS#V1', sk: 'PROFILE', oldImage: profile({}) })).toBeUndefined();
    expect(
      reportDeltas({ eventName: 'MODIFY', pk: 'CHAT#C', sk: 'META', newImage: { siteId: 'demo' } }),
    ).toBeUndefined();
  });

  it('keys pages by origin and path', () => {
    expect(pageKey('https://a.example/x/?q=1#h')).toBe('https://a.example/x/');
    expect(pageKey('not a url')).toBe('not a url');
  });
});

describe('chat changes that matter to the grid', () => {
  const chat = (extra: Record<string, unknown>) => ({
    chatId: 'C',
    status: 'active',
    lastFrom: 'visitor',
    operatorIds: ['a'],
    seq: 1,
    ...extra,
  });
  it('skips a message that keeps the same writer', () => {
    expect(
      rowRelevant({ eventName: 'MODIFY', pk: 'CHAT#C', sk: 'META', oldImage: chat({}), newImage: chat({ seq: 2 }) }),
    ).toBe(false);
  });
  it('keeps a change of writer, status or operators', () => {
    expect(
      rowRelevant({
        eventName: 'MODIFY',
        pk: 'CHAT#C',
        sk: 'META',
        oldImage: chat({}),
        newImage: chat({ lastFrom: 'operator' }),
      }),
    ).toBe(true);
    expect(
      rowRelevant({
        eventName: 'MODIFY',
        pk: 'CHAT#C',
        sk: 'META',
        oldImage: chat({}),
        newImage: chat({ status: 'ended' }),
      }),
    ).toBe(true);
    expect(
      rowRelevant({
        eventName: 'MODIFY',
        pk: 'CHAT#C',
        sk: 'META',
        oldImage: chat({}),
        newImage: chat({ operatorIds: ['b'] }),
      }),
    ).toBe(true);
    expect(rowRelevant({ eventName: 'INSERT', pk: 'CHAT#C', sk: 'META', newImage: chat({}) })).toBe(true);
  });
});

describe('coalesced frames', () => {
  it('keeps every frame under API Gateway’s 32 KB and loses no row', () => {
    const rows = Array.from(
      { length: 300 },
      (_, i) => ({ visitorId: `V${i}`, title: 'x'.repeat(400) }) as unknown as VisitorRow,
    );
    const frames = rowFrames(rows);
    expect(frames.length).toBeGreaterThan(1);
    for (const f of frames)
      expect(Buffer.byteLength(JSON.stringify({ type: 'visitors', visitors: f }))).toBeLessThan(32 * 1024);
    expect(frames.flat().map((r) => r.visitorId)).toEqual(rows.map((r) => r.visitorId));
  });
});

describe('visits and report ranges', () => {
  it('groups page views into visits at a 30-minute gap', () => {
    const views = [
      { url: '/a', at: 0, durationMs: 60_000 },
      { url: '/b', at: 60_000, durationMs: 10_000 },
      { url: '/c', at: 60_000 + 10_000 + 31 * 60_000, durationMs: 5_000 },
    ];
    expect(groupVisits(views)).toEqual([
      { start: 0, end: 70_000, pages: 2, entryUrl: '/a' },
      { start: views[2]!.at, end: views[2]!.at + 5_000, pages: 1, entryUrl: '/c' },
    ]);
  });

  it('defaults to the last 7 days and refuses bad ranges', () => {
    expect(reportRange(undefined, undefined, day)).toEqual({ from: '2026-11-16', to: '2026-11-22' });
    expect(() => reportRange('2026-11-22', '2026-11-01', day)).toThrow(/after/);
    expect(() => reportRange('yesterday', undefined, day)).toThrow(/YYYY-MM-DD/);
    expect(() => reportRange('2024-01-01', '2026-01-01', day)).toThrow(/at most/);
  });
});

describe('welcomes owed to sockets whose page view came with the connect', () => {
  const profile = (img: Record<string, unknown>) => ({ visitorId: 'V1', siteId: 's', ...img });
  const change = (newImage: Record<string, unknown>, oldImage?: Record<string, unknown>) => ({
    eventName: 'MODIFY' as const,
    pk: 'VIS#V1',
    sk: 'PROFILE',
    newImage: profile(newImage),
    ...(oldImage ? { oldImage: profile(oldImage) } : {}),
  });

  it('owes the socket a welcome when `welcomeSocket` changes, and only then', () => {
    expect(welcomeOwedBy(change({ welcomeSocket: '1795000000000|AbC=' }))).toEqual({
      visitorId: 'V1',
      connectionId: 'AbC=',
      connectedAt: 1_795_000_000_000,
    });
    expect(
      welcomeOwedBy(change({ welcomeSocket: '1795000000001|New=' }, { welcomeSocket: '1795000000000|AbC=' })),
    ).toMatchObject({ connectionId: 'New=' });
    // The same marker again: a later write (a frame's page view, a tag, a disconnect) owes nothing.
    expect(
      welcomeOwedBy(change({ welcomeSocket: '1795000000000|AbC=' }, { welcomeSocket: '1795000000000|AbC=' })),
    ).toBeUndefined();
    expect(welcomeOwedBy(change({ url: 'https://x.example/' }))).toBeUndefined();
    expect(welcomeOwedBy({ ...change({ welcomeSocket: '1795000000000|AbC=' }), pk: 'OP#O1' })).toBeUndefined();
    expect(welcomeOwedBy(change({ welcomeSocket: 'garbage' }))).toBeUndefined();
  });
});
