/**
 * Throttling survived: the management API answering 429 TooManyRequestsException is retried by
 * the SDK's standard strategy (backoff with jitter) and the frame still arrives, over real HTTP.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectionNotifier } from '../../functions/adapters/connection-notifier.js';

let server: Server;
let endpoint: string;
/** Per connection id: how many posts to refuse before accepting. */
const refuse = new Map<string, number>();
const attempts = new Map<string, number[]>();
const delivered = new Map<string, string>();

const body = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => resolve(data));
  });

beforeAll(async () => {
  process.env.AWS_ACCESS_KEY_ID ??= 'local';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'local';
  process.env.AWS_REGION ??= 'us-east-1';
  server = createServer(async (req, res) => {
    const id = decodeURIComponent(String(req.url).split('/@connections/')[1] ?? '');
    const text = await body(req);
    attempts.set(id, [...(attempts.get(id) ?? []), Date.now()]);
    const left = refuse.get(id) ?? 0;
    if (left > 0) {
      refuse.set(id, left - 1);
      res.writeHead(429, { 'content-type': 'application/json', 'x-amzn-errortype': 'TooManyRequestsException' });
      res.end(JSON.stringify({ message: 'Too Many Requests' }));
      return;
    }
    delivered.set(id, text);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((r) => server.close(r));
});

describe('delivery under throttling', () => {
  it('retries a throttled post with backoff until it is delivered, without failing the others', async () => {
    refuse.set('slow', 2);
    const notifier = createConnectionNotifier(endpoint);
    const gone = await notifier.send(['slow', 'fine'], { type: 'ack', action: 'test' } as never);
    expect(gone).toEqual([]);
    expect(attempts.get('slow')).toHaveLength(3);
    expect(attempts.get('fine')).toHaveLength(1);
    expect(JSON.parse(delivered.get('slow')!)).toEqual({ type: 'ack', action: 'test' });
    // Backoff: the retries were spaced out, not fired back to back.
    const [first, , third] = attempts.get('slow')!;
    expect(third! - first!).toBeGreaterThan(20);
  });

  it('gives up after the SDK’s attempts and reports nothing as gone (a throttled socket is not dead)', async () => {
    refuse.set('stuck', 10);
    const notifier = createConnectionNotifier(endpoint);
    const gone = await notifier.send(['stuck'], { type: 'ack', action: 'test' } as never);
    expect(gone).toEqual([]);
    expect(attempts.get('stuck')).toHaveLength(4);
    expect(delivered.has('stuck')).toBe(false);
  });
});
