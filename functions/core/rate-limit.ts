/**
 * Per-connection rate limit for WebSocket frames: a token bucket per connection, kept in the memory
 * of the instance that handles the frame. No DynamoDB request per frame; in AWS it is approximate
 * (each function instance keeps its own buckets), and the API Gateway stage throttle is the hard
 * cap behind it. See docs/architecture.md, "Limits and rate limiting".
 */

export interface RateLimit {
  /** Frames a connection may send at once. */
  burst: number;
  /** Frames per second the bucket refills. */
  perSecond: number;
}

/** Visitors are anonymous: tight. Operators are signed-in staff accepting and typing fast: loose. */
export const DEFAULT_RATE_LIMITS: Record<'visitor' | 'operator', RateLimit> = {
  visitor: { burst: 30, perSecond: 5 },
  operator: { burst: 300, perSecond: 50 },
};

/** Bounds the memory one instance spends on buckets; the least recently used go first. */
const MAX_BUCKETS = 20_000;

/** `burst/perSecond`, e.g. `30/5`; anything else keeps the default. */
export function parseRateLimit(spec: string | undefined, fallback: RateLimit): RateLimit {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(spec?.trim() ?? '');
  if (!m) return fallback;
  const burst = Number(m[1]);
  const perSecond = Number(m[2]);
  return burst > 0 && perSecond > 0 ? { burst, perSecond } : fallback;
}

export interface RateLimiter {
  /** Takes one token for `key`; false when the bucket is empty (the frame is refused). */
  take(key: string, limit: RateLimit, now: number): boolean;
  forget(key: string): void;
}

export function createRateLimiter(maxBuckets = MAX_BUCKETS): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    take(key, limit, now) {
      const b = buckets.get(key);
      let tokens = limit.burst;
      if (b) {
        tokens = Math.min(limit.burst, b.tokens + ((now - b.at) / 1000) * limit.perSecond);
        // Re-insert so that Map order is least recently used first.
        buckets.delete(key);
      } else if (buckets.size >= maxBuckets) {
        const oldest = buckets.keys().next().value;
        if (oldest !== undefined) buckets.delete(oldest);
      }
      const allowed = tokens >= 1;
      buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
      return allowed;
    },
    forget(key) {
      buckets.delete(key);
    },
  };
}
