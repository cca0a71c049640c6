/**
 * Which search engine sent a visitor, and what they searched for, from the page's referrer.
 *
 * Most engines now send only their origin (`https://www.google.com/`) under the browsers' default
 * `strict-origin-when-cross-origin` referrer policy, so the usual answer is the engine without a
 * query; the query is returned when the referrer still carries it (older browsers, engines and
 * pages with a laxer policy). Hosts and parameter names follow the engines' own result URLs and
 * Snowplow's referer-parser list. Never throws: the referrer is visitor-supplied text.
 */

export interface SearchReferrer {
  /** The engine's display name, e.g. `Google`, `DuckDuckGo`. */
  engine: string;
  /** The decoded search query, when the referrer carries it. */
  query?: string;
}

interface Engine {
  readonly name: string;
  /** Matched against the lower-cased host name without a trailing dot. */
  readonly host: RegExp;
  /** Query parameters holding the search terms, in order of preference. */
  readonly params: readonly string[];
}

/** Longest query kept; a search box never needs more, and the value is shown in the console. */
export const MAX_SEARCH_QUERY_LENGTH = 200;
/** Longer referrers are not looked at (browsers cap them too, at 4 KB). */
const MAX_REFERRER_LENGTH = 4096;

/** Order matters where hosts overlap (Yahoo! JAPAN before Yahoo!). */
const ENGINES: readonly Engine[] = [
  {
    name: 'Google',
    // google.com, google.pl, google.co.uk, google.com.au, … and the Google app on Android, which
    // sends `android-app://com.google.android.googlequicksearchbox/`.
    host: /^(?:(?:www|encrypted)\.)?google\.(?:com|co\.[a-z]{2}|com\.[a-z]{2}|[a-z]{2}|cat)$|^com\.google\.android\.googlequicksearchbox$/,
    params: ['q'],
  },
  { name: 'Bing', host: /^(?:(?:www|cn|m)\.)?bing\.com$/, params: ['q', 'Q'] },
  { name: 'DuckDuckGo', host: /^(?:(?:html|lite|start)\.)?duckduckgo\.com$/, params: ['q'] },
  { name: 'Yahoo! JAPAN', host: /^(?:search\.|www\.)?yahoo\.co\.jp$/, params: ['p'] },
  {
    name: 'Yahoo!',
    host: /^(?:[a-z]{2}\.)?search\.yahoo\.com$|^r\.search\.yahoo\.com$|^(?:(?:www|[a-z]{2})\.)?yahoo\.com$/,
    params: ['p', 'q'],
  },
  {
    name: 'Yandex',
    host: /^(?:www\.)?(?:yandex\.(?:ru|com|com\.tr|by|kz|ua|uz|fr|eu)|ya\.ru)$/,
    params: ['text'],
  },
  { name: 'Baidu', host: /^(?:(?:www|www1|m)\.)?baidu\.com$/, params: ['wd', 'word'] },
  { name: 'Ecosia', host: /^(?:www\.)?ecosia\.org$/, params: ['q'] },
  { name: 'Ask', host: /^(?:(?:www|uk|int|web)\.)?ask\.com$/, params: ['q'] },
  {
    name: 'AOL',
    host: /^(?:[a-z]{2}\.)?search\.aol\.(?:com|co\.uk|de|fr|it)$|^(?:www\.)?aolsearch\.com$/,
    params: ['q', 'query'],
  },
  { name: 'Naver', host: /^(?:m\.)?search\.naver\.com$/, params: ['query'] },
  { name: 'Daum', host: /^(?:m\.)?search\.daum\.net$/, params: ['q'] },
  { name: 'Seznam', host: /^search\.seznam\.cz$/, params: ['q'] },
  { name: 'Qwant', host: /^(?:(?:www|lite)\.)?qwant\.com$/, params: ['q'] },
  { name: 'Startpage', host: /^(?:(?:www|eu|us)\.)?startpage\.com$/, params: ['query', 'q'] },
  { name: 'Brave Search', host: /^search\.brave\.com$/, params: ['q'] },
  { name: 'Sogou', host: /^(?:(?:www|m|wap)\.)?sogou\.com$/, params: ['query', 'keyword'] },
  { name: '360 Search', host: /^(?:(?:www|m)\.)?so\.com$|^so\.360\.cn$/, params: ['q'] },
  { name: 'Mojeek', host: /^(?:www\.)?mojeek\.(?:com|co\.uk)$/, params: ['q'] },
  { name: 'Ekoru', host: /^(?:www\.)?ekoru\.org$/, params: ['q'] },
  { name: 'Kagi', host: /^kagi\.com$/, params: ['q'] },
];

const SCHEMES = new Set(['http:', 'https:', 'android-app:']);

/** The search engine (and query, when present) a referrer points at, or undefined. */
export function searchFromReferrer(referrer: string | undefined): SearchReferrer | undefined {
  if (typeof referrer !== 'string' || referrer.length === 0 || referrer.length > MAX_REFERRER_LENGTH) {
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(referrer.trim());
  } catch {
    return undefined;
  }
  if (!SCHEMES.has(url.protocol)) return undefined;
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  const engine = ENGINES.find((e) => e.host.test(host));
  if (!engine) return undefined;
  const query = queryOf(url, engine.params);
  return query ? { engine: engine.name, query } : { engine: engine.name };
}

function queryOf(url: URL, params: readonly string[]): string | undefined {
  // Some engines (and old Google instant search) put the terms in the fragment instead.
  const sources = [url.searchParams, new URLSearchParams(url.hash.replace(/^#/, ''))];
  for (const source of sources) {
    for (const name of params) {
      const value = clean(source.get(name));
      if (value) return value;
    }
  }
  return undefined;
}

/** Collapses whitespace, drops control characters and caps the length. */
function clean(value: string | null): string | undefined {
  if (!value) return undefined;
  const text = withoutControlCharacters(value).replace(/\s+/g, ' ').trim();
  if (!text) return undefined;
  return [...text].slice(0, MAX_SEARCH_QUERY_LENGTH).join('');
}

/** Replaces C0 control characters and DEL with spaces. */
function withoutControlCharacters(value: string): string {
  let out = '';
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    out += code < 0x20 || code === 0x7f ? ' ' : ch;
  }
  return out;
}
