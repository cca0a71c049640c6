/**
 * Hostname of a visitor's IP address by reverse DNS (PTR), for the operators' visitor panel.
 * A lookup is bounded by a timeout and never rejects; answers are cached (bounded LRU) so the same
 * visitor's page views do not each cost a DNS round trip: hostnames and "no PTR record" for
 * `ttlMs`, failures (timeouts, SERVFAIL, network errors) only for `failureTtlMs`. Private and
 * reserved addresses are never looked up; loopback is `localhost`.
 */
import { reverse } from 'node:dns/promises';
import { ipScope } from '../core/ip.js';

export interface ReverseDnsOptions {
  /** Longest wait for an answer; the lookup then resolves `undefined`. @default 300 */
  timeoutMs?: number;
  /** Most addresses remembered. @default 1000 */
  cacheSize?: number;
  /** How long a hostname, or the absence of one, is remembered. @default 1 hour */
  ttlMs?: number;
  /** How long a failed or timed-out lookup is remembered. @default 1 minute */
  failureTtlMs?: number;
  /** PTR lookup. @default node:dns/promises `reverse` */
  resolver?: (ip: string) => Promise<string[]>;
  /** Clock, for tests. @default Date.now */
  now?: () => number;
}

export type ReverseDnsLookup = (ip: string) => Promise<string | undefined>;

/** A lookup function; also reachable as its own `lookup` property. */
export interface ReverseDns extends ReverseDnsLookup {
  lookup: ReverseDnsLookup;
}

/** DNS answer codes that mean "there is no name", as opposed to "could not ask". */
const NO_NAME = new Set(['ENOTFOUND', 'ENODATA', 'NXDOMAIN', 'ENONAME']);
/** A DNS name: labels of letters, digits, hyphens and underscores, at most 253 characters. */
const HOSTNAME = /^(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?)*$/;

interface Entry {
  hostname: string | undefined;
  expiresAt: number;
}

export function createReverseDns(options: ReverseDnsOptions = {}): ReverseDns {
  const timeoutMs = options.timeoutMs ?? 300;
  const cacheSize = Math.max(1, options.cacheSize ?? 1000);
  const ttlMs = options.ttlMs ?? 60 * 60 * 1000;
  const failureTtlMs = options.failureTtlMs ?? 60 * 1000;
  const resolver = options.resolver ?? reverse;
  const now = options.now ?? Date.now;
  const cache = new Map<string, Entry>();
  /** Lookups under way, so concurrent page views of one visitor share one query. */
  const pending = new Map<string, Promise<Entry>>();

  function remember(ip: string, entry: Entry): void {
    cache.delete(ip);
    cache.set(ip, entry);
    while (cache.size > cacheSize) cache.delete(cache.keys().next().value!);
  }

  function resolve(ip: string): Promise<Entry> {
    let query = pending.get(ip);
    if (!query) {
      query = (async (): Promise<Entry> => {
        try {
          const names = await resolver(ip);
          return { hostname: hostnameOf(names), expiresAt: now() + ttlMs };
        } catch (err) {
          const code = (err as { code?: unknown } | undefined)?.code;
          const noName = typeof code === 'string' && NO_NAME.has(code);
          return { hostname: undefined, expiresAt: now() + (noName ? ttlMs : failureTtlMs) };
        }
      })().then((entry) => {
        // An answer that arrives after the caller gave up still fills the cache for the next view.
        pending.delete(ip);
        remember(ip, entry);
        return entry;
      });
      pending.set(ip, query);
    }
    return query;
  }

  const lookup: ReverseDnsLookup = async (ip) => {
    if (typeof ip !== 'string') return undefined;
    const address = ip.trim().toLowerCase();
    const scope = ipScope(address);
    if (scope === 'loopback') return 'localhost';
    if (scope !== 'public') return undefined;

    const cached = cache.get(address);
    if (cached) {
      if (cached.expiresAt > now()) {
        cache.delete(address);
        cache.set(address, cached);
        return cached.hostname;
      }
      cache.delete(address);
    }

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((done) => {
      timer = setTimeout(() => {
        // Until the real answer lands, repeated views of this address do not wait again.
        if (!cache.has(address)) remember(address, { hostname: undefined, expiresAt: now() + failureTtlMs });
        done(undefined);
      }, timeoutMs);
      timer.unref?.();
    });
    try {
      const entry = await Promise.race([resolve(address), timeout]);
      return entry?.hostname;
    } finally {
      clearTimeout(timer);
    }
  };

  return Object.assign(lookup, { lookup });
}

/** The first usable name of a PTR answer: lower case, no trailing dot, a valid DNS name. */
function hostnameOf(names: unknown): string | undefined {
  if (!Array.isArray(names)) return undefined;
  for (const name of names) {
    if (typeof name !== 'string') continue;
    const host = name.trim().toLowerCase().replace(/\.$/, '');
    if (HOSTNAME.test(host)) return host;
  }
  return undefined;
}
