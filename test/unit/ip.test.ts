import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ipScope, parseViewerAddress, truncateIp } from '../../functions/core/ip.js';

describe('truncateIp', () => {
  it.each([
    ['203.0.113.77', '203.0.113.0'],
    ['8.8.8.8', '8.8.8.0'],
    ['10.1.2.3', '10.1.2.0'],
    ['0.0.0.0', '0.0.0.0'],
    [' 198.51.100.255 ', '198.51.100.0'],
  ])('keeps the /24 of IPv4 %s', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each([
    ['2001:db8:85a3:8d3:1319:8a2e:370:7348', '2001:db8:85a3::'],
    ['2001:0DB8:85A3:0000:0000:8A2E:0370:7334', '2001:db8:85a3::'],
    ['2001:db8::1', '2001:db8::'],
    ['2001:0:0:1::1', '2001::'],
    ['2a00:1450:4001:82a::200e', '2a00:1450:4001::'],
    ['fe80::1%eth0', 'fe80::'],
    ['::1', '::'],
    ['::', '::'],
    ['2001:db8:1:2:3:4:1.2.3.4', '2001:db8:1::'],
  ])('keeps the /48 of IPv6 %s, in canonical compressed form', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each([
    ['::ffff:203.0.113.77', '203.0.113.0'],
    ['::FFFF:cb00:714d', '203.0.113.0'],
  ])('truncates the IPv4 address inside IPv4-mapped %s', (ip, expected) => {
    expect(truncateIp(ip)).toBe(expected);
  });

  it.each(['', 'localhost', '256.1.1.1', '1.2.3', '2001:db8::1::2', '12345::', 'abc', '1.2.3.4:80'])(
    'gives an empty string for %j, never the input',
    (ip) => {
      expect(truncateIp(ip)).toBe('');
    },
  );

  it('never throws and never returns more than a /24 or /48', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), (ip) => {
        const out = truncateIp(ip);
        if (out.includes('.')) expect(out).toMatch(/^\d+\.\d+\.\d+\.0$/);
        else if (out) expect(out.endsWith('::') || out.split(':').length <= 4).toBe(true);
      }),
    );
  });
});

describe('parseViewerAddress', () => {
  it.each([
    ['198.51.100.10:46532', { ip: '198.51.100.10', port: 46532 }],
    ['203.0.113.7:0', { ip: '203.0.113.7', port: 0 }],
    // IPv6 is not bracketed in CloudFront-Viewer-Address: the last colon separates the port.
    ['2001:db8::1:443', { ip: '2001:db8::1', port: 443 }],
    ['2001:db8:85a3::8a2e:370:7334:46532', { ip: '2001:db8:85a3::8a2e:370:7334', port: 46532 }],
    ['2001:DB8::1:443', { ip: '2001:db8::1', port: 443 }],
    ['::1:8080', { ip: '::1', port: 8080 }],
    ['[2001:db8::1]:443', { ip: '2001:db8::1', port: 443 }],
    ['[2001:db8::1]', { ip: '2001:db8::1' }],
    ['  203.0.113.7:80  ', { ip: '203.0.113.7', port: 80 }],
    ['203.0.113.7', { ip: '203.0.113.7' }],
    ['::1', { ip: '::1' }],
    ['::ffff:203.0.113.7:5000', { ip: '::ffff:203.0.113.7', port: 5000 }],
  ])('parses %s', (value, expected) => {
    expect(parseViewerAddress(value)).toEqual(expected);
  });

  it.each([
    '',
    ':',
    ':443',
    'localhost:80',
    '203.0.113.7:99999',
    '203.0.113.7:port',
    '[::1]:x',
    '1.2.3.4:80:90',
    'x'.repeat(200),
  ])('refuses %j', (value) => {
    expect(parseViewerAddress(value)).toBeUndefined();
  });

  it('never throws', () => {
    fc.assert(
      fc.property(fc.string(), (value) => {
        parseViewerAddress(value);
      }),
    );
    expect(parseViewerAddress(undefined as unknown as string)).toBeUndefined();
  });
});

describe('ipScope', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['169.254.169.254', 'private'],
    ['100.64.0.1', 'private'],
    ['0.0.0.0', 'private'],
    ['224.0.0.1', 'private'],
    ['255.255.255.255', 'private'],
    ['192.0.2.1', 'private'],
    ['198.51.100.1', 'private'],
    ['203.0.113.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fe80::1', 'private'],
    ['ff02::1', 'private'],
    ['2001:db8::1', 'private'],
    ['::', 'private'],
    ['::ffff:10.0.0.1', 'private'],
    ['8.8.8.8', 'public'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['nope', 'invalid'],
    ['', 'invalid'],
  ])('%s is %s', (ip, scope) => {
    expect(ipScope(ip)).toBe(scope);
  });
});
