import { describe, expect, it } from 'vitest';
import { geoFromHeaders, MAX_GEO_FIELD_LENGTH } from '../../functions/adapters/geo-headers.js';

describe('geoFromHeaders', () => {
  it('reads every CloudFront viewer header, and the address without its port', () => {
    expect(
      geoFromHeaders({
        'cloudfront-viewer-address': '198.51.100.10:46532',
        'cloudfront-viewer-country': 'US',
        'cloudfront-viewer-country-region': 'WA',
        'cloudfront-viewer-city': 'Seattle',
        'cloudfront-viewer-postal-code': '98101',
        'cloudfront-viewer-metro-code': '819',
        'cloudfront-viewer-time-zone': 'America/Los_Angeles',
        'cloudfront-viewer-asn': '16509',
        'x-parley-isp': 'Example%20ISP',
        'user-agent': 'ignored',
      }),
    ).toEqual({
      ip: '198.51.100.10',
      geo: {
        country: 'US',
        region: 'WA',
        city: 'Seattle',
        postalCode: '98101',
        metroCode: '819',
        timeZone: 'America/Los_Angeles',
        asn: '16509',
        isp: 'Example ISP',
      },
    });
  });

  it('matches header names case-insensitively, as API Gateway passes them through', () => {
    expect(
      geoFromHeaders({
        'CloudFront-Viewer-Address': '2001:db8::1:443',
        'CloudFront-Viewer-Country': 'NZ',
        'CloudFront-Viewer-City': 'Wellington',
        'CLOUDFRONT-VIEWER-TIME-ZONE': 'Pacific/Auckland',
      }),
    ).toEqual({ ip: '2001:db8::1', geo: { country: 'NZ', city: 'Wellington', timeZone: 'Pacific/Auckland' } });
  });

  it('decodes the percent-encoded city CloudFront sends for non-ASCII names', () => {
    expect(geoFromHeaders({ 'cloudfront-viewer-city': 'M%C3%BCnchen' }).geo.city).toBe('München');
    expect(geoFromHeaders({ 'cloudfront-viewer-city': 'S%C3%A3o%20Paulo' }).geo.city).toBe('São Paulo');
    expect(geoFromHeaders({ 'cloudfront-viewer-city': '%E6%9D%B1%E4%BA%AC' }).geo.city).toBe('東京');
  });

  it('keeps a value that is not valid percent-encoding as it came', () => {
    expect(geoFromHeaders({ 'x-parley-isp': '100% Fibre' }).geo.isp).toBe('100% Fibre');
    expect(geoFromHeaders({ 'cloudfront-viewer-city': 'Bad%E0%A4-encoding' }).geo.city).toBe('Bad%E0%A4-encoding');
  });

  it('does not decode codes and numbers, only free text', () => {
    expect(geoFromHeaders({ 'cloudfront-viewer-postal-code': 'AB%201' }).geo.postalCode).toBe('AB%201');
  });

  it('omits empty and blank values, and trims the rest', () => {
    expect(
      geoFromHeaders({
        'cloudfront-viewer-country': '  ',
        'cloudfront-viewer-city': '',
        'cloudfront-viewer-postal-code': undefined,
        'cloudfront-viewer-time-zone': ' Europe/Warsaw ',
        'x-parley-isp': '',
      }),
    ).toEqual({ geo: { timeZone: 'Europe/Warsaw' } });
  });

  it('caps every value at 100 characters and strips control characters', () => {
    const { geo } = geoFromHeaders({
      'cloudfront-viewer-city': 'ż'.repeat(500),
      'x-parley-isp': `Evil${encodeURIComponent('\r\n')}Corp`,
    });
    expect([...(geo.city ?? '')]).toHaveLength(MAX_GEO_FIELD_LENGTH);
    expect(geo.isp).toBe('Evil Corp');
  });

  it('upper-cases the country code', () => {
    expect(geoFromHeaders({ 'cloudfront-viewer-country': 'pl' }).geo.country).toBe('PL');
  });

  it('leaves out an address it cannot parse', () => {
    expect(geoFromHeaders({ 'cloudfront-viewer-address': 'not-an-ip:80' })).toEqual({ geo: {} });
    expect(geoFromHeaders({ 'cloudfront-viewer-address': '' })).toEqual({ geo: {} });
  });

  it('takes the first value of a header given several times', () => {
    expect(geoFromHeaders({ 'cloudfront-viewer-country': ['DE', 'FR'] }).geo.country).toBe('DE');
  });

  it('copes with no headers at all', () => {
    expect(geoFromHeaders({})).toEqual({ geo: {} });
    expect(geoFromHeaders(undefined)).toEqual({ geo: {} });
    expect(geoFromHeaders(null)).toEqual({ geo: {} });
  });
});
