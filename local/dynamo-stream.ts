/**
 * DynamoDB Streams for the local runtime. dynalite has no streams, so the handlers reach it
 * through this proxy: every write to an item whose key passes the stream's filters (the same
 * rules as the Lambda event filter in AWS, STREAM_KEY_FILTERS) is turned into a stream record
 * with NEW_AND_OLD_IMAGES, and records are delivered to the stream handler in batches: up to
 * `batchSize` records or `windowMs` after the first, one batch at a time (one shard), retried on
 * failure like Lambda's event source mapping. Everything else passes through untouched.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import { type AttributeValue, DynamoDBClient, GetItemCommand } from '@aws-sdk/client-dynamodb';

export interface KeyFilter {
  pkPrefix: string;
  sk?: string;
  skPrefix?: string;
}

export interface LocalStreamOptions {
  /** dynalite's endpoint. */
  target: string;
  tableName: string;
  filters: readonly KeyFilter[];
  /** Runs the stream handler with a DynamoDB Streams event; resolves to its response. */
  invoke: (event: unknown) => Promise<unknown>;
  windowMs?: number;
  batchSize?: number;
  retries?: number;
}

export interface LocalStream {
  /** The DynamoDB endpoint the handlers use (this proxy). */
  endpoint: string;
  /** Resolves once every record so far has been delivered (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

type Av = Record<string, AttributeValue>;
interface StreamRecord {
  eventID: string;
  eventName: 'INSERT' | 'MODIFY' | 'REMOVE';
  eventVersion: '1.1';
  eventSource: 'aws:dynamodb';
  awsRegion: string;
  eventSourceARN: string;
  dynamodb: {
    ApproximateCreationDateTime: number;
    Keys: Av;
    NewImage?: Av;
    OldImage?: Av;
    SequenceNumber: string;
    SizeBytes: number;
    StreamViewType: 'NEW_AND_OLD_IMAGES';
  };
}

const WRITES = new Set(['PutItem', 'UpdateItem', 'DeleteItem']);

export function matchesFilters(filters: readonly KeyFilter[], pk: string, sk: string): boolean {
  return filters.some(
    (f) =>
      pk.startsWith(f.pkPrefix) &&
      (f.sk === undefined || sk === f.sk) &&
      (f.skPrefix === undefined || sk.startsWith(f.skPrefix)),
  );
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

export async function startLocalStream(options: LocalStreamOptions): Promise<LocalStream> {
  const windowMs = options.windowMs ?? 1000;
  const batchSize = options.batchSize ?? 500;
  const retries = options.retries ?? 3;
  const arn = `arn:aws:dynamodb:local:000000000000:table/${options.tableName}/stream/local`;
  const reader = new DynamoDBClient({
    endpoint: options.target,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const read = async (key: Av) =>
    (await reader.send(new GetItemCommand({ TableName: options.tableName, Key: key, ConsistentRead: true }))).Item;

  // Writes to one item are serialised here, so each record's old and new images are exact.
  const locks = new Map<string, Promise<unknown>>();
  const withLock = <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const before = locks.get(id) ?? Promise.resolve();
    const run = before.then(fn, fn);
    const tail = run.catch(() => undefined);
    locks.set(id, tail);
    void tail.then(() => {
      if (locks.get(id) === tail) locks.delete(id);
    });
    return run;
  };

  let sequence = 0n;
  const queue: StreamRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> = Promise.resolve();
  let pending = 0;

  const emit = (key: Av, oldImage: Av | undefined, newImage: Av | undefined) => {
    if (!oldImage && !newImage) return;
    if (oldImage && newImage && isDeepStrictEqual(oldImage, newImage)) return; // no change, no record
    sequence += 1n;
    queue.push({
      eventID: randomBytes(16).toString('hex'),
      eventName: !oldImage ? 'INSERT' : !newImage ? 'REMOVE' : 'MODIFY',
      eventVersion: '1.1',
      eventSource: 'aws:dynamodb',
      awsRegion: 'local',
      eventSourceARN: arn,
      dynamodb: {
        ApproximateCreationDateTime: Math.floor(Date.now() / 1000),
        Keys: key,
        ...(newImage ? { NewImage: newImage } : {}),
        ...(oldImage ? { OldImage: oldImage } : {}),
        SequenceNumber: sequence.toString().padStart(21, '0'),
        SizeBytes: JSON.stringify(newImage ?? oldImage).length,
        StreamViewType: 'NEW_AND_OLD_IMAGES',
      },
    });
    pending += 1;
    if (queue.length >= batchSize) flush();
    else timer ??= setTimeout(flush, windowMs);
  };

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue.splice(0, batchSize);
    if (batch.length === 0) return;
    draining = draining.then(async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        try {
          const out = (await options.invoke({ Records: batch })) as { batchItemFailures?: unknown[] } | undefined;
          if (!out?.batchItemFailures?.length) break;
        } catch (err) {
          if (attempt === retries) console.error('[stream] batch failed, dropped after retries', err);
        }
        await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
      pending -= batch.length;
    });
    if (queue.length) timer = setTimeout(flush, windowMs);
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const body = await readBody(req);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      let key: Av | undefined;
      if (WRITES.has(op)) {
        const input = JSON.parse(body.toString()) as { TableName?: string; Key?: Av; Item?: Av };
        const k = input.Key ?? (input.Item ? { pk: input.Item.pk!, sk: input.Item.sk! } : undefined);
        const pk = k?.pk?.S;
        const sk = k?.sk?.S;
        if (input.TableName === options.tableName && pk && sk && matchesFilters(options.filters, pk, sk)) {
          key = { pk: { S: pk }, sk: { S: sk } };
        }
      }
      const forward = async () => {
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string' && k !== 'host') headers[k] = v;
        const out = await fetch(`${options.target}${req.url ?? '/'}`, {
          method: req.method ?? 'POST',
          headers,
          ...(body.length ? { body: new Uint8Array(body) } : {}),
        });
        return { status: out.status, headers: out.headers, body: Buffer.from(await out.arrayBuffer()) };
      };
      const out = key
        ? await withLock(`${key.pk!.S}|${key.sk!.S}`, async () => {
            const before = await read(key!);
            const result = await forward();
            if (result.status === 200) emit(key!, before, await read(key!));
            return result;
          })
        : await forward();
      const headers: Record<string, string> = {};
      out.headers.forEach((v, k) => {
        if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
      });
      res.writeHead(out.status, headers);
      res.end(out.body);
    } catch (err) {
      res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' });
      res.end(JSON.stringify({ __type: 'InternalServerError', message: String(err) }));
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    async idle() {
      for (let i = 0; i < 500 && (pending > 0 || queue.length > 0); i++) {
        if (queue.length) flush();
        await draining;
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      reader.destroy();
    },
  };
}
