import { describe, expect, it, vi } from 'vitest';
import { createReverseDns } from '../../functions/adapters/reverse-dns.js';

const dnsError = (code: string) => Object.assign(new Error(`queryPtr ${code}`), { code });

function clock(start = Date.UTC(2026, 10, 22, 12)) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('reverse DNS', () => {
  it('gives the first PTR name, lower case and without the trailing dot', async () => {
    const resolver = vi.fn(async () => ['Host-8-8-8-8.Example.NET.', 'other.example.net']);
    const lookup = createReverseDns({ resolver });
    expect(await lookup('8.8.8.8')).toBe('host-8-8-8-8.example.net');
    expect(resolver).toHaveBeenCalledWith('8.8.8.8');
  });

  it('skips a name that is not a valid DNS name', async () => {
    const lookup = createReverseDns({ resolver: async () => ['<img src=x onerror=alert(1)>', 'ok.example.com'] });
    expect(await lookup('8.8.4.4')).toBe('ok.example.com');
    const none = createReverseDns({ resolver: async () => ['bad name', ''] });
    expect(await none('8.8.4.4')).toBeUndefined();
  });

  it('answers undefined once the timeout passes, without waiting for a slow resolver', async () => {
    const lookup = createReverseDns({ timeoutMs: 50, resolver: () => new Promise(() => {}) });
    const started = performance.now();
    expect(await lookup('1.1.1.1')).toBeUndefined();
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(45);
    expect(elapsed).toBeLessThan(250);
  });

  it('does not wait again for an address that just timed out, and keeps the late answer for next time', async () => {
    let answer: (names: string[]) => void = () => {};
    const resolver = vi.fn(() => new Promise<string[]>((resolve) => (answer = resolve)));
    const lookup = createReverseDns({ timeoutMs: 20, resolver });
    expect(await lookup('1.0.0.1')).toBeUndefined();

    const started = performance.now();
    expect(await lookup('1.0.0.1')).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(15);

    answer(['one.one.one.one']);
    await new Promise((r) => setTimeout(r, 0));
    expect(await lookup('1.0.0.1')).toBe('one.one.one.one');
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('never rejects, whatever the resolver does', async () => {
    const throwing = createReverseDns({
      resolver: () => {
        throw new Error('boom');
      },
    });
    await expect(throwing('9.9.9.9')).resolves.toBeUndefined();
    const odd = createReverseDns({ resolver: async () => 'not an array' as unknown as string[] });
    await expect(odd('9.9.9.9')).resolves.toBeUndefined();
    await expect(
      createReverseDns({ resolver: async () => [] })(undefined as unknown as string),
    ).resolves.toBeUndefined();
  });

  it('answers a repeated address from its cache until the TTL passes', async () => {
    const time = clock();
    const resolver = vi.fn(async () => ['cached.example.com']);
    const lookup = createReverseDns({ resolver, ttlMs: 60_000, now: time.now });
    expect(await lookup('8.8.8.8')).toBe('cached.example.com');
    time.advance(59_000);
    expect(await lookup('8.8.8.8')).toBe('cached.example.com');
    expect(resolver).toHaveBeenCalledTimes(1);
    time.advance(2_000);
    expect(await lookup('8.8.8.8')).toBe('cached.example.com');
    expect(resolver).toHaveBeenCalledTimes(2);
  });

  it('caches "no PTR record" as long as a name', async () => {
    const time = clock();
    const resolver = vi.fn(async (): Promise<string[]> => {
      throw dnsError('ENOTFOUND');
    });
    const lookup = createReverseDns({ resolver, ttlMs: 3_600_000, failureTtlMs: 60_000, now: time.now });
    expect(await lookup('8.8.8.8')).toBeUndefined();
    time.advance(30 * 60_000);
    expect(await lookup('8.8.8.8')).toBeUndefined();
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('caches a failure only briefly', async () => {
    const time = clock();
    const resolver = vi.fn(async (): Promise<string[]> => {
      throw dnsError('ESERVFAIL');
    });
    const lookup = createReverseDns({ resolver, failureTtlMs: 60_000, now: time.now });
    expect(await lookup('8.8.8.8')).toBeUndefined();
    time.advance(30_000);
    expect(await lookup('8.8.8.8')).toBeUndefined();
    expect(resolver).toHaveBeenCalledTimes(1);
    time.advance(31_000);
    resolver.mockResolvedValueOnce(['back.example.com']);
    expect(await lookup('8.8.8.8')).toBe('back.example.com');
    expect(resolver).toHaveBeenCalledTimes(2);
  });

  it('shares one query among concurrent lookups of the same address', async () => {
    const resolver = vi.fn(async () => {
      await new Promise((r) => setTimeout(r, 10));
      return ['shared.example.com'];
    });
    const lookup = createReverseDns({ resolver });
    const answers = await Promise.all([lookup('8.8.8.8'), lookup('8.8.8.8'), lookup('8.8.8.8')]);
    expect(answers).toEqual(['shared.example.com', 'shared.example.com', 'shared.example.com']);
    expect(resolver).toHaveBeenCalledTimes(1);
  });

  it('forgets the least recently used address beyond its size', async () => {
    const resolver = vi.fn(async (ip: string) => [`h${ip.replaceAll('.', '-')}.example.com`]);
    const lookup = createReverseDns({ resolver, cacheSize: 2 });
    await lookup('8.8.8.1');
    await lookup('8.8.8.2');
    await lookup('8.8.8.1'); // most recently used now
    await lookup('8.8.8.3'); // evicts 8.8.8.2
    expect(resolver).toHaveBeenCalledTimes(3);
    await lookup('8.8.8.1');
    expect(resolver).toHaveBeenCalledTimes(3);
    await lookup('8.8.8.2');
    expect(resolver).toHaveBeenCalledTimes(4);
  });

  it('calls loopback localhost and never asks about private or reserved addresses', async () => {
    const resolver = vi.fn(async () => ['should-not-be-asked.example.com']);
    const lookup = createReverseDns({ resolver });
    expect(await lookup('127.0.0.1')).toBe('localhost');
    expect(await lookup('127.8.9.10')).toBe('localhost');
    expect(await lookup('::1')).toBe('localhost');
    for (const ip of ['10.0.0.1', '192.168.0.10', '172.20.1.1', '169.254.1.1', 'fd00::1', 'fe80::1', 'nope', '']) {
      expect(await lookup(ip), ip).toBeUndefined();
    }
    expect(resolver).not.toHaveBeenCalled();
  });

  it('is also reachable as a lookup property', async () => {
    const dns = createReverseDns({ resolver: async () => ['x.example.com'] });
    expect(await dns.lookup('8.8.8.8')).toBe('x.example.com');
  });
});
