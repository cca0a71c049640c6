/**
 * Where a visitor is, from the CloudFront viewer headers the `/ws` origin request policy forwards
 * (the local gateway injects the same headers, from a MaxMind file when one is given). CloudFront
 * percent-encodes non-ASCII characters in the city name (`M%C3%BCnchen`); values are decoded,
 * trimmed, capped at 100 characters, and omitted when empty. `x-parley-isp` is Parley's own header
 * for the ISP / organisation name, set only by the local gateway from a MaxMind ASN database
 * (CloudFront has no such header, and its origin request policy forwards only allow-listed ones).
 */
import { parseViewerAddress } from '../core/ip.js';
import type { VisitorGeo } from '../protocol/events.js';

/** Longest value kept in any field. */
export const MAX_GEO_FIELD_LENGTH = 100;

/** The header behind each field. */
export const GEO_HEADERS = {
  country: 'cloudfront-viewer-country',
  region: 'cloudfront-viewer-country-region',
  city: 'cloudfront-viewer-city',
  postalCode: 'cloudfront-viewer-postal-code',
  metroCode: 'cloudfront-viewer-metro-code',
  timeZone: 'cloudfront-viewer-time-zone',
  asn: 'cloudfront-viewer-asn',
  isp: 'x-parley-isp',
} as const satisfies Record<keyof VisitorGeo, string>;

export const VIEWER_ADDRESS_HEADER = 'cloudfront-viewer-address';

/** Free-text values that may arrive percent-encoded. */
const ENCODED: ReadonlySet<keyof VisitorGeo> = new Set(['city', 'region', 'isp']);

/**
 * The viewer's IP address (from `CloudFront-Viewer-Address`, without the port) and location.
 * Header names are matched case-insensitively; a header given several times (an array, as some
 * runtimes deliver them) counts by its first value.
 */
export function geoFromHeaders(headers: Record<string, string | string[] | undefined> | undefined | null): {
  ip?: string;
  geo: VisitorGeo;
} {
  const lower = new Map<string, string>();
  for (const [name, value] of Object.entries(headers ?? {})) {
    const first = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string' && !lower.has(name.toLowerCase())) lower.set(name.toLowerCase(), first);
  }

  const geo: VisitorGeo = {};
  for (const [field, header] of Object.entries(GEO_HEADERS) as [keyof VisitorGeo, string][]) {
    const value = clean(lower.get(header), ENCODED.has(field));
    if (value) geo[field] = value;
  }
  if (geo.country) geo.country = geo.country.toUpperCase();

  const address = lower.get(VIEWER_ADDRESS_HEADER);
  const ip = address ? parseViewerAddress(address)?.ip : undefined;
  return ip ? { ip, geo } : { geo };
}

function clean(value: string | undefined, encoded: boolean): string | undefined {
  if (typeof value !== 'string') return undefined;
  let text = value;
  if (encoded && /%[0-9A-Fa-f]{2}/.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      // Not valid percent-encoding (e.g. a literal "100%"): keep the value as it came.
    }
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  text = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return text ? [...text].slice(0, MAX_GEO_FIELD_LENGTH).join('').trim() : undefined;
}
