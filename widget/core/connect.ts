/**
 * The loader's page view on connect, without any DOM: the first socket of a page load carries the
 * page view in its URL (`pv`), so the server records it at `$connect` and pushes the `welcome` by
 * itself (no `page-view` frame, one Lambda less per page load). And the launcher's snapshot: what
 * the button showed on the previous page, so it can show at once while that welcome is on its way.
 * Kept tiny: it ships in parley.js.
 */
import type { WidgetSettings } from '../../functions/protocol/events.js';
import { LIMITS } from '../../functions/protocol/limits.js';
import type { PageViewFrame } from '../../functions/protocol/schemas.js';
import type { CustomInfo } from './tracking.js';

/** A page view's fields: the `page-view` frame's, and the connect URL's `pv`. */
export type PageFields = Omit<PageViewFrame, 'action' | 'reqId' | 'spa' | 'resume'>;

/** The longest connect URL that carries `pv`; a longer page view goes in a `page-view` frame. */
export const MAX_CONNECT_URL = 6000;

/**
 * The page's view within the protocol's limits. `referrer` '' (a route change, or none) and
 * `custom` undefined or empty are left out; `custom` is copied.
 */
export function pageFields(
  href: string,
  title: string,
  referrer: string,
  lang: string,
  screen: { width: number; height: number },
  custom?: CustomInfo,
): PageFields {
  return {
    url: href.slice(0, LIMITS.url),
    title: (title || '').slice(0, LIMITS.title),
    referrer: referrer ? referrer.slice(0, LIMITS.url) : undefined,
    lang: (lang || '').slice(0, 35) || undefined,
    screen: { w: screen.width | 0, h: screen.height | 0 },
    custom: custom && Object.keys(custom).length ? { ...custom } : undefined,
  };
}

/** `url` with the page view as its `pv` parameter, or undefined when that is longer than MAX_CONNECT_URL. */
export function withPageView(url: string, pv: PageFields): string | undefined {
  const full = `${url}&pv=${encodeURIComponent(JSON.stringify(pv))}`;
  return full.length > MAX_CONNECT_URL ? undefined : full;
}

/**
 * The latest welcome (sessionStorage `parley:w:SITE`), without its chat, kept current by later
 * availability frames: the launcher shows from it at once, and, when it is a whole welcome with no
 * chat open (`open` false), the next page sends its digest as `pv.known` and treats it as that
 * page's welcome unless the server sends another.
 */
export interface ButtonSnapshot {
  widget: Partial<WidgetSettings>;
  operatorsOnline: number;
  chatBlocked: boolean;
  visitorId?: string;
  visitorToken?: string;
  returning?: boolean;
  departments?: string[];
  /** A chat was open at that welcome: the next page needs the server's welcome to restore it. */
  open?: boolean;
}

/** The stored snapshot, or undefined when there is none or it is not one. */
export function readSnapshot(raw: string): ButtonSnapshot | undefined {
  try {
    const s = JSON.parse(raw);
    if (s && typeof s.widget === 'object' && s.widget && typeof s.operatorsOnline === 'number') return s;
  } catch {
    /* not JSON */
  }
  return undefined;
}
