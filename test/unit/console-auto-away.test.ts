/** Auto-away (seed 003): an idle console sets its operator Away, and Online again on return. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_SETTINGS } from '../../console-web/grid.js';
import { watchIdle } from '../../console-web/idle.js';
import { ConsoleStore } from '../../console-web/store.js';
import { fromDraft } from '../../console-web/ui/Settings.js';
import type { OperatorWelcome } from '../../functions/protocol/events.js';
import { settingsSchema } from '../../functions/protocol/schemas.js';

class FakeTarget {
  readonly listeners = new Map<string, Set<() => void>>();
  addEventListener(type: string, l: () => void) {
    this.listeners.set(type, (this.listeners.get(type) ?? new Set()).add(l));
  }
  removeEventListener(type: string, l: () => void) {
    this.listeners.get(type)?.delete(l);
  }
  fire(type: string) {
    for (const l of this.listeners.get(type) ?? []) l();
  }
}

function consoleFor(status: 'online' | 'away' | 'offline' = 'online') {
  const sent: Record<string, unknown>[] = [];
  const store = new ConsoleStore({
    send: (f) => {
      sent.push(f as Record<string, unknown>);
      return `r${sent.length}`;
    },
    ring: () => {},
  });
  const welcome: OperatorWelcome = {
    type: 'welcome',
    role: 'operator',
    operator: {
      id: 'o1',
      name: 'Dana',
      email: 'dana@x',
      role: 'operator',
      status,
      departments: [],
      silent: false,
      activeChats: 0,
      preferences: { newVisitorSound: true },
    },
    operatorsOnline: [],
    visitors: [],
    queue: [],
    chats: [],
    settings: DEFAULT_SETTINGS,
  };
  store.handle(welcome);
  return { store, statuses: () => sent.filter((f) => f.action === 'set-status').map((f) => f.status) };
}

describe('the idle watcher', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('calls idle once after the limit without activity, and active on the next activity', () => {
    const target = new FakeTarget();
    const seen: string[] = [];
    const stop = watchIdle(target, {
      idleMs: () => 60_000,
      onIdle: () => seen.push('idle'),
      onActive: () => seen.push('active'),
      now: () => Date.now(),
      checkMs: 1000,
    });
    vi.advanceTimersByTime(30_000);
    target.fire('pointermove');
    vi.advanceTimersByTime(59_000);
    expect(seen).toEqual([]);
    vi.advanceTimersByTime(2_000);
    expect(seen).toEqual(['idle']);
    vi.advanceTimersByTime(10 * 60_000);
    expect(seen).toEqual(['idle']);
    target.fire('keydown');
    target.fire('keydown');
    expect(seen).toEqual(['idle', 'active']);
    stop();
    expect([...target.listeners.values()].every((s) => s.size === 0)).toBe(true);
  });

  it('never fires while the site sets 0 (never)', () => {
    const target = new FakeTarget();
    const seen: string[] = [];
    watchIdle(target, { idleMs: () => 0, onIdle: () => seen.push('idle'), onActive: () => {}, checkMs: 1000 });
    vi.advanceTimersByTime(24 * 60 * 60_000);
    expect(seen).toEqual([]);
  });
});

describe('auto-away in the console store', () => {
  it('sets an online operator Away when idle and Online again when back', () => {
    const { store, statuses } = consoleFor('online');
    store.idle();
    expect(store.state.me?.status).toBe('away');
    store.active();
    expect(store.state.me?.status).toBe('online');
    expect(statuses()).toEqual(['away', 'online']);
  });

  it('never undoes a status the operator chose: Away or Offline by hand stays', () => {
    const { store, statuses } = consoleFor('online');
    store.setStatus('away');
    store.idle();
    store.active();
    expect(store.state.me?.status).toBe('away');
    const off = consoleFor('offline');
    off.store.idle();
    off.store.active();
    expect(off.store.state.me?.status).toBe('offline');
    expect([...statuses(), ...off.statuses()]).toEqual(['away']);
  });

  it('is an admin setting of 0 to 240 minutes, checked by the form and the server alike', () => {
    const base = { ...DEFAULT_SETTINGS, autoAwayMs: 600_000 };
    const draft = { graceSec: '30', visibleMin: '30', truncateIp: false, retentionDays: '90' };
    expect(fromDraft({ ...draft, autoAwayMin: '5' }, base)).toMatchObject({ autoAwayMs: 300_000 });
    expect(fromDraft({ ...draft, autoAwayMin: '0' }, base)).toMatchObject({ autoAwayMs: 0 });
    expect(fromDraft({ ...draft, autoAwayMin: '241' }, base)).toMatch(/between 0 \(never\) and 240/);
    const body = (autoAwayMs: number) => ({ ...DEFAULT_SETTINGS, autoAwayMs });
    expect(settingsSchema.safeParse(body(300_000)).success).toBe(true);
    expect(settingsSchema.safeParse(body(0)).success).toBe(true);
    expect(settingsSchema.safeParse(body(30_000)).success).toBe(false);
    expect(settingsSchema.safeParse(body(241 * 60_000)).success).toBe(false);
  });
});

describe('status broadcasts out of order', () => {
  const operatorsFrame = (status: 'online' | 'away', statusVersion: number) => ({
    type: 'operators' as const,
    operators: [{ id: 'o1', name: 'Dana', status, activeChats: 0, departments: [], statusVersion }],
  });

  it('never lets an older broadcast undo a newer status', () => {
    const { store } = consoleFor('online');
    store.handle(operatorsFrame('online', 4));
    store.setStatus('away');
    // My write is version 5; the broadcast of the earlier write (4) arrives after the ack.
    store.handle({ type: 'ack', reqId: 'r1', action: 'set-status', statusVersion: 5 });
    store.handle(operatorsFrame('online', 4));
    expect(store.state.me?.status).toBe('away');
    // A newer change (another console of mine) does apply.
    store.handle(operatorsFrame('online', 6));
    expect(store.state.me?.status).toBe('online');
  });

  it('restores my status when a stale broadcast arrived before my write was acknowledged', () => {
    const { store } = consoleFor('online');
    store.handle(operatorsFrame('online', 7));
    store.setStatus('away');
    store.handle(operatorsFrame('online', 7));
    store.handle({ type: 'ack', reqId: 'r1', action: 'set-status', statusVersion: 8 });
    expect(store.state.me?.status).toBe('away');
  });
});
