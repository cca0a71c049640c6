/**
 * Browser, OS and device from the User-Agent header, with ua-parser-js v1 (MIT; v2 is AGPL and
 * must not be used). The same few UA strings arrive over and over, so results are kept in a small
 * bounded cache (least recently used out first).
 */
import UAParser from 'ua-parser-js';
import type { VisitorClient } from '../protocol/events.js';

/** ua-parser-js reads at most 500 characters; so do we (and the cache keys stay small). */
const MAX_UA_LENGTH = 500;
/** Longest value kept in any field. */
const MAX_FIELD_LENGTH = 100;
const CACHE_SIZE = 500;

/** Operating systems whose devices are phones or tablets even when the parser names no type. */
const HANDHELD_OS = /^(?:ios|android|windows phone|blackberry|symbian|kaios|tizen|harmonyos|firefox os|webos)$/i;

/**
 * Crawlers name themselves `SomethingBot/1.0` or `compatible; Something Spider`, often inside a
 * Chrome UA, so they are looked for first.
 */
const CRAWLERS: readonly RegExp[] = [
  /\b([\w-]*(?:bot|crawler|spider|slurp)[\w-]*)\/v?(\d[\d.]*)/i,
  /compatible;\s*([^;)/]*?(?:bot|crawler|spider|slurp)[^;)/]*)/i,
  /\b(facebookexternalhit|bingpreview)\b(?:\/(\d[\d.]*))?/i,
];
/** HTTP libraries and command-line tools: their UA starts with their name. */
const TOOL =
  /^(curl|wget|python-requests|python-urllib|aiohttp|go-http-client|okhttp|axios|node-fetch|undici|libwww-perl|java|apache-httpclient)(?:\/v?(\d[\d.]*))?/i;

const cache = new Map<string, VisitorClient>();

/**
 * What the User-Agent says about the visitor's client: browser and version (`major.minor`), OS and
 * version, device type (`desktop` when a desktop browser names none; `mobile`, `tablet`,
 * `smarttv`, `console`, `wearable`, `embedded`; `bot` for crawlers), vendor and model. Fields the
 * string does not reveal are absent; an empty or unparseable string gives `{}`.
 */
export function parseUserAgent(ua: string | undefined): VisitorClient {
  if (typeof ua !== 'string') return {};
  const key = ua.trim().slice(0, MAX_UA_LENGTH);
  if (!key) return {};
  const hit = cache.get(key);
  if (hit) {
    cache.delete(key);
    cache.set(key, hit);
    return { ...hit };
  }
  const client = parse(key);
  cache.set(key, client);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return { ...client };
}

function parse(ua: string): VisitorClient {
  const result = new UAParser(ua).getResult();
  const client: VisitorClient = {};
  const browser = field(result.browser.name);
  const os = field(result.os.name);

  const bot = botOf(ua, Boolean(browser));
  if (bot) {
    // The OS and device a crawler claims are borrowed from a real browser's UA: not worth showing.
    return bot.version
      ? { browser: bot.name, browserVersion: bot.version, device: 'bot' }
      : { browser: bot.name, device: 'bot' };
  }
  if (browser) {
    client.browser = browser;
    const version = shortVersion(result.browser.version);
    if (version) client.browserVersion = version;
  }
  if (os) {
    client.os = os;
    const version = field(result.os.version);
    if (version) client.osVersion = version;
  }

  const type = field(result.device.type);
  if (type) client.device = type;
  else if ((browser || os) && !(os && HANDHELD_OS.test(os))) client.device = 'desktop';

  const vendor = field(result.device.vendor);
  if (vendor) client.deviceVendor = vendor;
  const model = field(result.device.model);
  if (model) client.deviceModel = model;
  return client;
}

/** A crawler (always checked: many pretend to be Chrome) or, when no browser was found, a tool. */
function botOf(ua: string, browserFound: boolean): { name: string; version?: string } | undefined {
  let match: RegExpExecArray | null = null;
  for (const pattern of CRAWLERS) {
    match = pattern.exec(ua);
    if (match) break;
  }
  if (!match && !browserFound) match = TOOL.exec(ua);
  const name = field(match?.[1]);
  if (!name) return undefined;
  const version = shortVersion(match?.[2]);
  return version ? { name, version } : { name };
}

/** `124.0.6367.118` → `124.0`; `17` → `17`. */
function shortVersion(version: string | undefined): string | undefined {
  const v = field(version);
  if (!v) return undefined;
  return v.split('.').slice(0, 2).join('.');
}

function field(value: string | undefined): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return text ? text.slice(0, MAX_FIELD_LENGTH) : undefined;
}
