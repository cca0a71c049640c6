/**
 * What the loader tracks besides full page loads, without any DOM: custom visitor information
 * (the script tag's data-* attributes and `parley('set', {...})`) and single-page-app route
 * changes (history API, popstate, hashchange). Kept tiny: it ships in parley.js.
 */
import { LIMITS } from '../../functions/protocol/limits.js';

export type CustomInfo = Record<string, string>;

/**
 * Merges `add` into `into` within the protocol's limits: keys trimmed and cut to
 * LIMITS.customKey, string/number/boolean values cut to LIMITS.customValue, anything else
 * (null, objects, functions) ignored; at most LIMITS.customFields keys (existing ones may still
 * change). The server merges too, so a key is never removed, only overwritten ('' clears it).
 * Returns true when `into` changed.
 */
export function mergeCustom(into: CustomInfo, add: unknown): boolean {
  if (!add || typeof add !== 'object') return false;
  let changed = false;
  for (const [rawKey, raw] of Object.entries(add as Record<string, unknown>)) {
    const key = rawKey.trim().slice(0, LIMITS.customKey);
    const t = typeof raw;
    if (!key) continue;
    if (t !== 'string' && t !== 'number' && t !== 'boolean') continue;
    const value = String(raw).slice(0, LIMITS.customValue);
    if (into[key] === value) continue;
    if (!(key in into) && Object.keys(into).length >= LIMITS.customFields) continue;
    into[key] = value;
    changed = true;
  }
  return changed;
}

/**
 * Custom information from the embed code: every data-* attribute of the script tag except
 * data-site (the dataset already camelCases `data-user-plan` into `userPlan`).
 */
export function customFromDataset(dataset: DOMStringMap): CustomInfo {
  const out: CustomInfo = {};
  const { site: _site, lang: _lang, nonce: _nonce, ...rest } = dataset;
  mergeCustom(out, rest);
  return out;
}

export interface RouteWatcher {
  /** The route may have changed: once the page has settled, report it unless the URL is unchanged. */
  poke(): void;
}

/**
 * Reports route changes once per new URL. `defer` waits for the page to settle (frameworks set
 * the new title after the history call); several pokes before it fires count once, and a URL
 * equal to the last one reported (or the page's own) is not reported again.
 */
export function routeWatcher(href: () => string, defer: (fn: () => void) => void, onRoute: () => void): RouteWatcher {
  let last = href();
  let waiting = false;
  return {
    poke() {
      if (waiting) return;
      waiting = true;
      defer(() => {
        waiting = false;
        const url = href();
        if (url === last) return;
        last = url;
        onRoute();
      });
    },
  };
}

/** Wraps history.pushState/replaceState so that every call pokes the watcher (after doing its work). */
export function hookHistory(h: Pick<History, 'pushState' | 'replaceState'>, poke: () => void): void {
  for (const name of ['pushState', 'replaceState'] as const) {
    const original = h[name];
    if (typeof original !== 'function') continue;
    try {
      h[name] = function (this: unknown, ...args: Parameters<History['pushState']>) {
        const result = original.apply(this, args);
        poke();
        return result;
      };
    } catch {
      /* a page that froze its history object: popstate and hashchange still count */
    }
  }
}
