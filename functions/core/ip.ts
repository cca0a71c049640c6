/**
 * IP address rules: truncation for privacy, the CloudFront-Viewer-Address header, and whether an
 * address is public (worth a reverse DNS lookup) at all. Pure functions; never throw.
 */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * Truncates an address for privacy: IPv4 to its /24 (`203.0.113.0`), IPv6 to its /48 with the
 * rest zeroed, in canonical compressed form (`2001:db8:85a3::`). An IPv4-mapped IPv6 address
 * (`::ffff:203.0.113.7`, what a dual-stack socket reports for an IPv4 peer) is truncated as the
 * IPv4 address it carries. Anything that is not an address gives `''`, so nothing identifying
 * can slip through unchanged.
 */
export function truncateIp(ip: string): string {
  const value = typeof ip === 'string' ? ip.trim() : '';
  if (isIPv4(value)) return truncateV4(value);
  const groups = parseV6(value);
  if (!groups) return '';
  const mapped = mappedV4(groups);
  if (mapped) return truncateV4(mapped);
  return formatV6([groups[0]!, groups[1]!, groups[2]!, 0, 0, 0, 0, 0]);
}

function truncateV4(ip: string): string {
  const [a, b, c] = ip.split('.');
  return `${a}.${b}.${c}.0`;
}

/**
 * Parses CloudFront's `CloudFront-Viewer-Address` header, `IP:port`. IPv6 addresses are not
 * bracketed there (`2001:db8::1:443`): the last colon separates the port. A bracketed form
 * (`[2001:db8::1]:443`) and a bare address without a port are accepted too. Returns undefined for
 * anything else.
 */
export function parseViewerAddress(value: string): { ip: string; port?: number } | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  if (!text || text.length > 100) return undefined;

  const bracketed = /^\[([0-9A-Fa-f:.]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) {
    const ip = bracketed[1]!;
    if (!isIPv6(ip)) return undefined;
    return withPort(ip.toLowerCase(), bracketed[2]);
  }

  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    const ip = text.slice(0, colon);
    const port = text.slice(colon + 1);
    if (/^\d{1,5}$/.test(port) && (isIPv4(ip) || isIPv6(ip))) return withPort(ip.toLowerCase(), port);
  }
  if (isIPv4(text) || isIPv6(text)) return { ip: text.toLowerCase() };
  return undefined;
}

function withPort(ip: string, port: string | undefined): { ip: string; port?: number } | undefined {
  if (port === undefined) return { ip };
  const n = Number(port);
  return n <= 65535 ? { ip, port: n } : undefined;
}

/**
 * Where an address lives: `loopback` (127.0.0.0/8, ::1), `private` (RFC 1918, unique-local,
 * link-local, carrier-grade NAT, documentation, multicast, unspecified and reserved ranges: none of
 * them has a meaningful public hostname), `public`, or `invalid`.
 */
export type IpScope = 'loopback' | 'private' | 'public' | 'invalid';

export function ipScope(ip: string): IpScope {
  const value = typeof ip === 'string' ? ip.trim() : '';
  if (isIPv4(value)) return v4Scope(value.split('.').map(Number));
  const groups = parseV6(value);
  if (!groups) return 'invalid';
  const mapped = mappedV4(groups);
  if (mapped) return v4Scope(mapped.split('.').map(Number));
  if (groups.every((g, i) => g === (i === 7 ? 1 : 0))) return 'loopback';
  const [g0, g1] = groups as [number, number];
  if (groups.every((g) => g === 0)) return 'private'; // ::
  if ((g0 & 0xfe00) === 0xfc00) return 'private'; // fc00::/7 unique local
  if ((g0 & 0xffc0) === 0xfe80) return 'private'; // fe80::/10 link-local
  if ((g0 & 0xff00) === 0xff00) return 'private'; // ff00::/8 multicast
  if (g0 === 0x2001 && g1 === 0x0db8) return 'private'; // 2001:db8::/32 documentation
  if (g0 === 0 || g0 === 0x0100) return 'private'; // ::/16 (deprecated IPv4-compatible) and 100::/16 (discard, reserved)
  return 'public';
}

function v4Scope([a, b, c]: number[]): IpScope {
  if (a === 127) return 'loopback';
  if (
    a === 0 || // this network
    a === 10 ||
    (a === 100 && b! >= 64 && b! <= 127) || // carrier-grade NAT
    (a === 169 && b === 254) || // link-local
    (a === 172 && b! >= 16 && b! <= 31) ||
    (a === 192 && b === 168) ||
    (a === 192 && b === 0 && (c === 0 || c === 2)) || // IETF protocol assignments, TEST-NET-1
    (a === 198 && (b === 18 || b === 19)) || // benchmarking
    (a === 198 && b === 51 && c === 100) || // TEST-NET-2
    (a === 203 && b === 0 && c === 113) || // TEST-NET-3
    a! >= 224 // multicast, reserved, broadcast
  ) {
    return 'private';
  }
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (zone id ignored), or undefined. */
function parseV6(ip: string): number[] | undefined {
  const address = ip.replace(/%.*$/, '');
  if (!isIPv6(address)) return undefined;
  let text = address.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1]!.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, v4.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 1) return undefined;
  const groups = [...left, ...Array<string>(tail === undefined ? 0 : missing).fill('0'), ...right].map((g) =>
    Number.parseInt(g, 16),
  );
  return groups.length === 8 && groups.every((g) => g >= 0 && g <= 0xffff) ? groups : undefined;
}

/** The IPv4 address inside `::ffff:a.b.c.d`, or undefined. */
function mappedV4(groups: number[]): string | undefined {
  if (groups.slice(0, 5).some((g) => g !== 0) || groups[5] !== 0xffff) return undefined;
  const [g6, g7] = [groups[6]!, groups[7]!];
  return `${g6 >> 8}.${g6 & 0xff}.${g7 >> 8}.${g7 & 0xff}`;
}

/** RFC 5952 canonical text: lower case, no leading zeros, the longest run (≥ 2) of zero groups as `::`. */
function formatV6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}
