/** What the loader tracks besides page loads (widget/core/tracking.ts), and chatBlocked in the window. */
import { describe, expect, it } from 'vitest';
import { type ChatHostLike, VisitorChat } from '../../widget/chat-controller.js';
import { customFromDataset, hookHistory, mergeCustom, routeWatcher } from '../../widget/core/tracking.js';
import { pickLabels } from '../../widget/i18n.js';

describe('custom information', () => {
  it('takes every data-* attribute of the script tag except data-site, keys camelCased by the dataset', () => {
    // What `script.dataset` holds for data-site="demo" data-plan="gold" data-user-id="42".
    expect(customFromDataset({ site: 'demo', plan: 'gold', userId: '42' })).toEqual({ plan: 'gold', userId: '42' });
  });

  it('keeps at most 20 pairs, cuts values to 256 and keys to 40 characters', () => {
    const many: Record<string, string> = {};
    for (let i = 0; i < 25; i++) many[`k${i}`] = 'x'.repeat(300);
    many['a'.repeat(50)] = 'long key';
    const out = customFromDataset(many);
    expect(Object.keys(out)).toHaveLength(20);
    expect(out.k0).toHaveLength(256);
    expect(Object.keys(out).every((k) => k.length <= 40)).toBe(true);
  });

  it('merges set() calls: numbers and booleans become text; null, objects and functions are ignored', () => {
    const into: Record<string, string> = { plan: 'silver' };
    expect(mergeCustom(into, { plan: 'gold', cart: 129, vip: true, nested: { a: 1 }, gone: null, fn: () => 1 })).toBe(
      true,
    );
    expect(into).toEqual({ plan: 'gold', cart: '129', vip: 'true' });
    expect(mergeCustom(into, { plan: 'gold' })).toBe(false);
    expect(mergeCustom(into, { vip: '' })).toBe(true);
    expect(into).toEqual({ plan: 'gold', cart: '129', vip: '' });
    expect(mergeCustom(into, 'nonsense')).toBe(false);
    expect(mergeCustom(into, null)).toBe(false);
  });

  it('still updates existing keys when 20 are already known, but adds no 21st', () => {
    const into: Record<string, string> = {};
    for (let i = 0; i < 20; i++) into[`k${i}`] = 'v';
    expect(mergeCustom(into, { extra: 'no' })).toBe(false);
    expect(mergeCustom(into, { k3: 'changed' })).toBe(true);
    expect(into.k3).toBe('changed');
    expect(Object.keys(into)).toHaveLength(20);
  });
});

describe('single-page-app routes', () => {
  function setup(start = 'https://shop.test/') {
    let href = start;
    const queue: (() => void)[] = [];
    const reported: string[] = [];
    const w = routeWatcher(
      () => href,
      (fn) => queue.push(fn),
      () => reported.push(href),
    );
    return {
      w,
      reported,
      go: (url: string) => {
        href = url;
      },
      settle: () => {
        for (const fn of queue.splice(0)) fn();
      },
    };
  }

  it('reports a new URL only once the page has settled', () => {
    const t = setup();
    t.go('https://shop.test/lamps');
    t.w.poke();
    expect(t.reported).toEqual([]);
    t.settle();
    expect(t.reported).toEqual(['https://shop.test/lamps']);
  });

  it('de-duplicates identical consecutive URLs (replaceState on the same URL, repeated popstate)', () => {
    const t = setup();
    t.w.poke();
    t.settle();
    t.go('https://shop.test/a');
    t.w.poke();
    t.settle();
    t.w.poke();
    t.settle();
    expect(t.reported).toEqual(['https://shop.test/a']);
  });

  it('counts several history calls before the page settles as one view of where it ends up', () => {
    const t = setup();
    t.go('https://shop.test/redirecting');
    t.w.poke();
    t.go('https://shop.test/final');
    t.w.poke();
    t.settle();
    expect(t.reported).toEqual(['https://shop.test/final']);
  });

  it('reports a hash route as a new URL, and going back as another view', () => {
    const t = setup('https://shop.test/#/home');
    t.go('https://shop.test/#/cart');
    t.w.poke();
    t.settle();
    t.go('https://shop.test/#/home');
    t.w.poke();
    t.settle();
    expect(t.reported).toEqual(['https://shop.test/#/cart', 'https://shop.test/#/home']);
  });

  it('wraps pushState/replaceState: the original runs first, with its arguments and this, then the poke', () => {
    const calls: string[] = [];
    const h = {
      state: 0,
      pushState(this: { state: number }, data: unknown, _unused: string, url?: string | URL | null) {
        this.state = data as number;
        calls.push(`push ${String(url)}`);
      },
      replaceState(_data: unknown, _unused: string, url?: string | URL | null) {
        calls.push(`replace ${String(url)}`);
      },
    };
    hookHistory(h, () => calls.push('poke'));
    h.pushState(7, '', '/next');
    h.replaceState(null, '', '/same');
    expect(calls).toEqual(['push /next', 'poke', 'replace /same', 'poke']);
    expect(h.state).toBe(7);
  });
});

describe('a visitor the site blocks from chatting', () => {
  const host = (): ChatHostLike & { sent: unknown[] } => {
    const sent: unknown[] = [];
    return {
      sent,
      site: 'demo',
      labels: pickLabels('en'),
      connected: () => true,
      send(f) {
        sent.push(f);
        return String(sent.length);
      },
      showButton() {},
      setBadge() {},
    };
  };
  const store = { load: () => [], save: () => {} };

  it('learns it from the welcome and never sends a chat request', () => {
    const h = host();
    const chat = new VisitorChat(h, store);
    chat.handle({
      type: 'welcome',
      role: 'visitor',
      visitorId: 'v1',
      visitorToken: 't',
      returning: false,
      operatorsOnline: 2,
      widget: { greeting: '', color: '', position: 'right', lang: 'en' },
      chatBlocked: true,
    });
    expect(chat.state.chatBlocked).toBe(true);
    chat.start('Mallory');
    expect(h.sent).toEqual([]);
    expect(chat.state.step).toBe('prechat');
  });
});
