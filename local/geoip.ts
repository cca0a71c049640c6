/**
 * MaxMind databases for the local runtime: turns an IP address into the CloudFront viewer headers
 * AWS would send (`npm start -- --geoip GeoLite2-City.mmdb [--geoip GeoLite2-ASN.mmdb]`).
 * Works with GeoLite2/GeoIP2 City, Country and ASN files (and ISP/Enterprise ones, which carry the
 * same fields); several files are looked up in turn and their headers merged.
 */
import { open, type Reader, type Response, validate } from 'maxmind';

/** Fields of the City, Country, ASN and ISP databases that become viewer headers. */
interface GeoRecord {
  country?: { iso_code?: string };
  registered_country?: { iso_code?: string };
  subdivisions?: { iso_code?: string }[];
  city?: { names?: Record<string, string> };
  postal?: { code?: string };
  location?: { metro_code?: number; time_zone?: string };
  traits?: { autonomous_system_number?: number; autonomous_system_organization?: string; isp?: string };
  autonomous_system_number?: number;
  autonomous_system_organization?: string;
  isp?: string;
}

export type GeoIpLookup = (ip: string) => Record<string, string>;

/**
 * Opens one or more MaxMind DB files and returns a lookup giving, for an address found in them,
 * `cloudfront-viewer-country`, `-country-region` (first subdivision's ISO code), `-city` (English
 * name, percent-encoded as CloudFront sends it), `-postal-code`, `-metro-code`, `-time-zone`,
 * `-asn`, and `x-parley-isp` (ISP or AS organisation, percent-encoded). An address found nowhere
 * (private ranges always) gives `{}`. The lookup never throws.
 */
export async function openGeoIp(file: string | readonly string[]): Promise<GeoIpLookup> {
  const files = typeof file === 'string' ? [file] : [...file];
  if (files.length === 0) throw new Error('openGeoIp needs at least one .mmdb file');
  const readers = await Promise.all(
    files.map(async (path) => {
      try {
        return await open<Response>(path);
      } catch (err) {
        throw new Error(`cannot open MaxMind database ${path}: ${(err as Error).message}`, { cause: err });
      }
    }),
  );
  return (ip) => {
    const headers: Record<string, string> = {};
    for (const reader of readers) {
      const record = find(reader, ip);
      if (record) Object.assign(headers, { ...headersOf(record), ...headers });
    }
    return headers;
  };
}

function find(reader: Reader<Response>, ip: string): GeoRecord | undefined {
  const address = plainAddress(ip);
  if (!address) return undefined;
  // An IPv4-only database cannot answer for an IPv6 address (the tree is 32 levels deep).
  if (reader.metadata.ipVersion === 4 && address.includes(':')) return undefined;
  try {
    return (reader.get(address) as GeoRecord | null) ?? undefined;
  } catch {
    return undefined;
  }
}

/** `::ffff:203.0.113.7` (a dual-stack socket's IPv4 peer) → `203.0.113.7`; anything invalid → undefined. */
function plainAddress(ip: string): string | undefined {
  if (typeof ip !== 'string') return undefined;
  const address = ip.trim().replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/i, '$1');
  return validate(address) ? address : undefined;
}

function headersOf(record: GeoRecord): Record<string, string> {
  const headers: Record<string, string> = {};
  const set = (name: string, value: unknown, encode = false) => {
    if (value === undefined || value === null) return;
    const text = String(value).trim();
    if (text) headers[name] = encode ? encodeURIComponent(text) : text;
  };
  set('cloudfront-viewer-country', record.country?.iso_code ?? record.registered_country?.iso_code);
  set('cloudfront-viewer-country-region', record.subdivisions?.[0]?.iso_code);
  set('cloudfront-viewer-city', record.city?.names?.en, true);
  set('cloudfront-viewer-postal-code', record.postal?.code);
  set('cloudfront-viewer-metro-code', record.location?.metro_code);
  set('cloudfront-viewer-time-zone', record.location?.time_zone);
  set('cloudfront-viewer-asn', record.autonomous_system_number ?? record.traits?.autonomous_system_number);
  set(
    'x-parley-isp',
    record.isp ??
      record.traits?.isp ??
      record.autonomous_system_organization ??
      record.traits?.autonomous_system_organization,
    true,
  );
  return headers;
}
