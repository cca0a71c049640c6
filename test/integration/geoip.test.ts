/**
 * MaxMind databases for the local runtime, read for real: the test writes small City, Country and
 * ASN files in the MaxMind DB format (test/fixtures/geoip/write-mmdb.ts), opens them with the
 * `maxmind` reader through `openGeoIp`, and follows the headers through the local gateway into the
 * `$connect` event and back out of `geoFromHeaders`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { open } from 'maxmind';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { geoFromHeaders } from '../../functions/adapters/geo-headers.js';
import { WS_AUTHORIZER_ENTRY } from '../../functions/handlers/routes.js';
import { LocalGateway, viewerHeaders } from '../../local/gateway.js';
import { type GeoIpLookup, openGeoIp } from '../../local/geoip.js';
import { double, type MmdbNetwork, uint16, writeMmdb } from '../fixtures/geoip/write-mmdb.js';

const names = (en: string) => ({ en, de: en });
const NZ = { geoname_id: 2186224, iso_code: 'NZ', names: names('New Zealand') };
const US = { geoname_id: 6252001, iso_code: 'US', names: names('United States') };
const DE = { geoname_id: 2921044, iso_code: 'DE', is_in_european_union: true, names: names('Germany') };

/** Shaped like GeoLite2-City records. */
const CITY_NETWORKS: MmdbNetwork[] = [
  {
    network: '203.0.113.0/24',
    data: {
      city: { geoname_id: 2179537, names: names('Wellington') },
      continent: { code: 'OC', geoname_id: 6255151, names: names('Oceania') },
      country: NZ,
      location: {
        accuracy_radius: uint16(20),
        latitude: double(-41.2866),
        longitude: double(174.7756),
        time_zone: 'Pacific/Auckland',
      },
      postal: { code: '6011' },
      registered_country: NZ,
      subdivisions: [{ geoname_id: 2179538, iso_code: 'WGN', names: names('Wellington Region') }],
    },
  },
  {
    network: '198.51.100.0/25',
    data: {
      city: { geoname_id: 5809844, names: names('Seattle') },
      continent: { code: 'NA', geoname_id: 6255149, names: names('North America') },
      country: US,
      location: {
        accuracy_radius: uint16(5),
        latitude: double(47.6062),
        longitude: double(-122.3321),
        metro_code: uint16(819),
        time_zone: 'America/Los_Angeles',
      },
      postal: { code: '98101' },
      registered_country: US,
      subdivisions: [{ geoname_id: 5815135, iso_code: 'WA', names: names('Washington') }],
    },
  },
  {
    network: '2001:db8:1234::/48',
    data: {
      city: { geoname_id: 2867714, names: names('München') },
      continent: { code: 'EU', geoname_id: 6255148, names: names('Europe') },
      country: DE,
      location: {
        accuracy_radius: uint16(10),
        latitude: double(48.1374),
        longitude: double(11.5755),
        time_zone: 'Europe/Berlin',
      },
      postal: { code: '80331' },
      registered_country: DE,
      subdivisions: [{ geoname_id: 2951839, iso_code: 'BY', names: names('Bavaria') }],
    },
  },
];

/** What a reader gives back for a written value: typed numbers as plain numbers. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object') {
    if ('$type' in value && 'value' in value) return Number((value as { value: number }).value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  }
  return value;
}

let dir: string;
const files = { city: '', country: '', asn: '' };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'parley-geoip-'));
  files.city = join(dir, 'GeoLite2-City.mmdb');
  files.country = join(dir, 'GeoLite2-Country.mmdb');
  files.asn = join(dir, 'GeoLite2-ASN.mmdb');
  writeMmdb(files.city, { databaseType: 'GeoLite2-City', networks: CITY_NETWORKS, languages: ['de', 'en'] });
  writeMmdb(files.country, {
    databaseType: 'GeoLite2-Country',
    networks: [
      {
        network: '198.51.100.0/24',
        data: { continent: { code: 'NA', geoname_id: 6255149, names: names('North America') }, country: US },
      },
      // Anycast-style entry: only the registered country is known.
      { network: '192.0.2.128/25', data: { registered_country: NZ } },
    ],
  });
  // GeoLite2-ASN files are IPv6 databases too; this one is IPv4-only to cover that reader path.
  writeMmdb(files.asn, {
    databaseType: 'GeoLite2-ASN',
    ipVersion: 4,
    networks: [
      {
        network: '203.0.113.0/24',
        data: { autonomous_system_number: 64500, autonomous_system_organization: 'Kiwi Net Ltd' },
      },
      {
        network: '198.51.100.0/24',
        data: { autonomous_system_number: 64501, autonomous_system_organization: 'Ströme & Söhne 100% GmbH' },
      },
    ],
  });
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the test databases', () => {
  it('are valid MaxMind DB files the maxmind reader opens as written', async () => {
    const reader = await open(files.city);
    expect(reader.metadata).toMatchObject({
      binaryFormatMajorVersion: 2,
      binaryFormatMinorVersion: 0,
      databaseType: 'GeoLite2-City',
      ipVersion: 6,
      recordSize: 24,
      languages: ['de', 'en'],
    });
    // Every record decodes to exactly what was written (maps, arrays, strings, uint16/uint32,
    // doubles, booleans); IPv4 prefix lengths are counted from the IPv4 subtree.
    for (const { network, data } of CITY_NETWORKS) {
      const [record, prefix] = reader.getWithPrefixLength(network.replace(/\/.*$/, ''));
      expect(record, network).toEqual(plain(data));
      expect(prefix, network).toBe(Number(network.split('/')[1]));
    }
    expect((reader.get('2001:db8:1234::1') as { country?: { is_in_european_union?: boolean } }).country).toMatchObject({
      is_in_european_union: true,
    });
    expect(reader.get('203.0.114.1')).toBeNull();
    expect((await open(files.asn)).metadata.ipVersion).toBe(4);
  });
});

describe('openGeoIp', () => {
  let city: GeoIpLookup;
  beforeAll(async () => {
    city = await openGeoIp(files.city);
  });

  it('gives the CloudFront viewer headers of an address inside a City network', () => {
    expect(city('203.0.113.9')).toEqual({
      'cloudfront-viewer-country': 'NZ',
      'cloudfront-viewer-country-region': 'WGN',
      'cloudfront-viewer-city': 'Wellington',
      'cloudfront-viewer-postal-code': '6011',
      'cloudfront-viewer-time-zone': 'Pacific/Auckland',
    });
  });

  it('includes the metro code where the database has one', () => {
    expect(city('198.51.100.20')).toMatchObject({
      'cloudfront-viewer-country': 'US',
      'cloudfront-viewer-country-region': 'WA',
      'cloudfront-viewer-city': 'Seattle',
      'cloudfront-viewer-metro-code': '819',
      'cloudfront-viewer-time-zone': 'America/Los_Angeles',
    });
  });

  it('percent-encodes a non-ASCII city name the way CloudFront does, and finds IPv6 networks', () => {
    const headers = city('2001:db8:1234:5::1');
    expect(headers['cloudfront-viewer-city']).toBe('M%C3%BCnchen');
    expect(headers['cloudfront-viewer-country']).toBe('DE');
    expect(geoFromHeaders(headers).geo.city).toBe('München');
  });

  it('looks up an IPv4-mapped IPv6 address as the IPv4 address it carries', () => {
    expect(city('::ffff:203.0.113.9')['cloudfront-viewer-city']).toBe('Wellington');
  });

  it('finds nothing for an address outside every network, private or not, and for garbage', () => {
    for (const ip of [
      '203.0.114.1',
      '198.51.100.200',
      '10.0.0.1',
      '127.0.0.1',
      '::1',
      '2001:db8:1235::1',
      '',
      'nope',
    ]) {
      expect(city(ip), ip).toEqual({});
    }
  });

  it('reads a Country database: country only, the registered country when that is all there is', async () => {
    const country = await openGeoIp(files.country);
    expect(country('198.51.100.20')).toEqual({ 'cloudfront-viewer-country': 'US' });
    expect(country('192.0.2.200')).toEqual({ 'cloudfront-viewer-country': 'NZ' });
    expect(country('192.0.2.1')).toEqual({});
  });

  it('reads an ASN database: the AS number, and the organisation as x-parley-isp', async () => {
    const asn = await openGeoIp(files.asn);
    expect(asn('203.0.113.9')).toEqual({ 'cloudfront-viewer-asn': '64500', 'x-parley-isp': 'Kiwi%20Net%20Ltd' });
    // IPv6 cannot be looked up in an IPv4-only database: nothing, not an error.
    expect(asn('2001:db8:1234::1')).toEqual({});
  });

  it('merges several files (City + ASN), as `npm start -- --geoip City --geoip ASN` does', async () => {
    const both = await openGeoIp([files.city, files.asn]);
    const headers = both('198.51.100.20');
    expect(headers).toMatchObject({
      'cloudfront-viewer-city': 'Seattle',
      'cloudfront-viewer-asn': '64501',
    });
    expect(geoFromHeaders(headers).geo).toEqual({
      country: 'US',
      region: 'WA',
      city: 'Seattle',
      postalCode: '98101',
      metroCode: '819',
      timeZone: 'America/Los_Angeles',
      asn: '64501',
      isp: 'Ströme & Söhne 100% GmbH',
    });
  });

  it('refuses a file that is not a MaxMind database, naming it', async () => {
    const bogus = join(dir, 'bogus.mmdb');
    writeFileSync(bogus, 'not a database');
    await expect(openGeoIp(bogus)).rejects.toThrow(/bogus\.mmdb/);
    await expect(openGeoIp(join(dir, 'missing.mmdb'))).rejects.toThrow(/missing\.mmdb/);
  });
});

describe('the local gateway with a MaxMind lookup', () => {
  let lookup: GeoIpLookup;
  beforeAll(async () => {
    lookup = await openGeoIp([files.city, files.asn]);
  });
  const req = (remoteAddress: string, headers: Record<string, string> = {}) => ({
    headers,
    socket: { remoteAddress, remotePort: 51234 },
  });

  it('uses the database for an address it knows', () => {
    const headers = viewerHeaders(req('203.0.113.9'), lookup);
    expect(headers['cloudfront-viewer-address']).toBe('203.0.113.9:51234');
    expect(geoFromHeaders(headers)).toEqual({
      ip: '203.0.113.9',
      geo: {
        country: 'NZ',
        region: 'WGN',
        city: 'Wellington',
        postalCode: '6011',
        timeZone: 'Pacific/Auckland',
        asn: '64500',
        isp: 'Kiwi Net Ltd',
      },
    });
  });

  it('falls back to the labelled local values when the database knows nothing (private addresses)', () => {
    const headers = viewerHeaders(req('127.0.0.1'), lookup);
    expect(geoFromHeaders(headers).geo).toMatchObject({ country: 'ZZ', region: 'LOCAL', city: 'Localhost', asn: '0' });
    expect(geoFromHeaders(viewerHeaders(req('127.0.0.1'))).geo.country).toBe('ZZ');
  });

  it('takes the viewer from X-Forwarded-For only when a proxy on this machine sent it', () => {
    const proxied = viewerHeaders(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9, 10.0.0.2' }), lookup);
    expect(geoFromHeaders(proxied)).toMatchObject({ ip: '203.0.113.9', geo: { city: 'Wellington' } });
    const remote = viewerHeaders(req('192.168.1.20', { 'x-forwarded-for': '203.0.113.9' }), lookup);
    expect(geoFromHeaders(remote)).toMatchObject({ ip: '192.168.1.20', geo: { country: 'ZZ' } });
  });

  it('passes the headers to the $connect authorizer over a real socket, overriding any a client sends itself', async () => {
    const events: { entry: string; headers: Record<string, string> }[] = [];
    const gateway = new LocalGateway({
      port: 0,
      root: dir,
      cognito: { url: 'http://127.0.0.1:9', issuer: 'local', jwksUrl: 'http://127.0.0.1:9/jwks', clientId: 'local' },
      consoleConfig: () => ({}),
      geoip: lookup,
      invoke: async (entry, event) => {
        events.push({ entry, headers: (event as { headers?: Record<string, string> }).headers ?? {} });
        if (entry === WS_AUTHORIZER_ENTRY) {
          return { principalId: 'v', policyDocument: { Statement: [{ Effect: 'Allow' }] }, context: {} };
        }
        return { statusCode: 200, body: '' };
      },
    });
    const port = await gateway.listen();
    try {
      const socket = new WebSocket(`ws://127.0.0.1:${port}/ws?role=visitor&site=demo`, {
        headers: {
          'x-forwarded-for': '198.51.100.20',
          'x-parley-isp': 'Spoofed ISP',
          'cloudfront-viewer-country': 'AQ',
        },
      });
      await new Promise<void>((resolve, reject) => {
        socket.once('open', () => resolve());
        socket.once('error', reject);
      });
      socket.close();
    } finally {
      await gateway.close();
    }
    // Only the authorizer sees the connect request ($connect itself runs no Lambda).
    const connect = events.find((e) => e.entry === WS_AUTHORIZER_ENTRY);
    expect(connect).toBeDefined();
    expect(geoFromHeaders(connect!.headers)).toEqual({
      ip: '198.51.100.20',
      geo: {
        country: 'US',
        region: 'WA',
        city: 'Seattle',
        postalCode: '98101',
        metroCode: '819',
        timeZone: 'America/Los_Angeles',
        asn: '64501',
        isp: 'Ströme & Söhne 100% GmbH',
      },
    });
  });
});
