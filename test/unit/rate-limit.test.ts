import { describe, expect, it } from 'vitest';
import { createRateLimiter, parseRateLimit } from '../../functions/core/rate-limit.js';

describe('per-connection token bucket', () => {
  const limit = { burst: 3, perSecond: 2 };

  it('allows a burst, refuses the next frame, and refills at the given rate', () => {
    const rl = createRateLimiter();
    expect([1, 2, 3, 4].map(() => rl.take('c1', limit, 0))).toEqual([true, true, true, false]);
    expect(rl.take('c1', limit, 400)).toBe(false); // 0.8 of a token
    expect(rl.take('c1', limit, 500)).toBe(true); // one whole token after half a second
    expect(rl.take('c1', limit, 10_000)).toBe(true); // never more than the burst
    expect([1, 2, 3].map(() => rl.take('c1', limit, 10_000))).toEqual([true, true, false]);
  });

  it('keeps connections apart', () => {
    const rl = createRateLimiter();
    for (let i = 0; i < 3; i++) rl.take('flood', limit, 0);
    expect(rl.take('flood', limit, 0)).toBe(false);
    expect(rl.take('calm', limit, 0)).toBe(true);
  });

  it('bounds its memory: the least recently used bucket goes first', () => {
    const rl = createRateLimiter(2);
    for (let i = 0; i < 3; i++) rl.take('a', limit, 0);
    rl.take('b', limit, 0);
    rl.take('c', limit, 0); // evicts a
    expect(rl.take('a', limit, 0)).toBe(true);
  });

  it('reads burst/perSecond and keeps the default for anything else', () => {
    const d = { burst: 30, perSecond: 5 };
    expect(parseRateLimit('10/2.5', d)).toEqual({ burst: 10, perSecond: 2.5 });
    for (const bad of [undefined, '', '10', '0/5', 'x/y', '10/-1']) expect(parseRateLimit(bad, d)).toEqual(d);
  });
});
