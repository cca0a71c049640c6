/**
 * DynamoDB Streams for the local runtime. dynalite has no streams, so the handlers reach it
 * through this proxy: every write to an item whose key passes the stream's filters (the same
 * rules as the Lambda event filter in AWS, STREAM_KEY_FILTERS) is turned into a stream record
 * with NEW_AND_OLD_IMAGES, and records are delivered to the stream handler in batches: up to
 * `batchSize` records or `windowMs` after the first, one batch at a time (one shard), retried on
 * failure like Lambda's event source mapping. Everything else passes through untouched.
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
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
  /**
   * DynamoDB requests the callers sent through this endpoint, by operation (the proxy's own image
   * reads are not among them): the benchmark checks the client-side counts against it.
   */
  requests: Map<string, number>;
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
/** Stream items whose last image the proxy remembers (visitors, operators, chats of a busy day). */
const IMAGE_CACHE_SIZE = 20_000;

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
  const requests = new Map<string, number>();

  // The image of each stream item as the last write through this proxy left it (bounded, oldest
  // dropped first): an UpdateItem asking for ALL_NEW gets its old image from here instead of a read.
  const images = new Map<string, Av | null>();
  const remember = (id: string, image: Av | undefined) => {
    images.delete(id);
    images.set(id, image ?? null);
    if (images.size > IMAGE_CACHE_SIZE) images.delete(images.keys().next().value!);
  };
  // An item past its TTL may be swept by a writer that bypasses this proxy: its image is not trusted.
  const known = (id: string): { image: Av | undefined } | undefined => {
    if (!images.has(id)) return undefined;
    const image = images.get(id) ?? undefined;
    const ttl = Number(image?.ttl?.N);
    return image && ttl && ttl <= Date.now() / 1000 ? undefined : { image };
  };

  type Forwarded = { status: number; headers: Headers; body: Buffer };
  // Plain http with kept-alive sockets: every handler request passes here, and fetch's web
  // streams cost several times the CPU per request on the benchmark's hot path.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(options.target);
  const forward = (req: IncomingMessage, body: Buffer): Promise<Forwarded> =>
    new Promise((resolve, reject) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) {
        if (typeof v === 'string' && k !== 'host' && k !== 'connection') headers[k] = v;
      }
      // The proxy may have changed the body (its ReturnValues): the length is the new body's.
      headers['content-length'] = String(body.length);
      const out = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: req.method ?? 'POST',
          path: req.url ?? '/',
          headers,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const h = new Headers();
            for (const [k, v] of Object.entries(res.headers)) if (typeof v === 'string') h.set(k, v);
            resolve({ status: res.statusCode ?? 500, headers: h, body: Buffer.concat(chunks) });
          });
        },
      );
      out.on('error', reject);
      out.end(body);
    });

  /**
   * A write to a stream item. The images come from the write itself wherever DynamoDB can return
   * them, so the caller waits for one round trip, not three (read before, write, read after):
   * - PutItem / DeleteItem: sent with ReturnValues ALL_OLD (the old image); the new image is the
   *   request's Item (a put replaces the whole item) or nothing (a delete);
   * - UpdateItem asking for ALL_NEW (the store's usual form): the new image is the answer, the old
   *   one is the image this proxy last saw (read first only when it has none);
   * - UpdateItem asking for NONE or ALL_OLD: sent with ALL_OLD, answered at once; the new image is
   *   read after answering, still inside the item's lock, so the next write to the item waits for
   *   it and not the caller;
   * - anything else (UPDATED_OLD/UPDATED_NEW, never used by Parley): read before and after.
   * Writes to one item stay serialised here, so each record's images are exact. When Parley's
   * return value was added by the proxy, it is stripped before the answer goes back.
   */
  const streamWrite = (
    req: IncomingMessage,
    op: string,
    input: { ReturnValues?: string; Item?: Av },
    key: Av,
    respond: (out: Forwarded) => void,
  ): Promise<void> => {
    const id = `${key.pk!.S}|${key.sk!.S}`;
    const asked = input.ReturnValues ?? 'NONE';
    const send = (returnValues: string) =>
      forward(req, Buffer.from(JSON.stringify({ ...input, ReturnValues: returnValues })));
    /** The caller's answer when the proxy asked for ALL_OLD on its behalf. */
    const answer = (out: Forwarded): Forwarded => {
      if (asked === 'ALL_OLD' || out.status !== 200) return out;
      const { Attributes: _dropped, ...rest } = JSON.parse(out.body.toString() || '{}') as { Attributes?: Av };
      const headers = new Headers(out.headers);
      headers.delete('x-amz-crc32'); // the body changed; its checksum no longer applies
      return { status: out.status, headers, body: Buffer.from(JSON.stringify(rest)) };
    };
    const attributesOf = (out: Forwarded): Av | undefined =>
      out.status === 200 ? (JSON.parse(out.body.toString() || '{}') as { Attributes?: Av }).Attributes : undefined;

    return withLock(id, async () => {
      if ((op === 'PutItem' || op === 'DeleteItem') && (asked === 'NONE' || asked === 'ALL_OLD')) {
        const out = await send('ALL_OLD');
        respond(answer(out));
        if (out.status !== 200) return;
        const newImage = op === 'PutItem' ? input.Item : undefined;
        emit(key, attributesOf(out), newImage);
        remember(id, newImage);
        return;
      }
      if (op === 'UpdateItem' && asked === 'ALL_NEW') {
        const before = known(id) ?? { image: await read(key) };
        const out = await forward(req, Buffer.from(JSON.stringify(input)));
        respond(out);
        if (out.status !== 200) return;
        const after = attributesOf(out);
        emit(key, before.image, after);
        remember(id, after);
        return;
      }
      if (op === 'UpdateItem' && (asked === 'NONE' || asked === 'ALL_OLD')) {
        const out = await send('ALL_OLD');
        respond(answer(out));
        if (out.status !== 200) return;
        const after = await read(key);
        emit(key, attributesOf(out), after);
        remember(id, after);
        return;
      }
      const before = await read(key);
      const out = await forward(req, Buffer.from(JSON.stringify(input)));
      if (out.status === 200) {
        const after = await read(key);
        emit(key, before, after);
        remember(id, after);
      }
      respond(out);
    });
  };

  const reply = (res: ServerResponse, out: Forwarded) => {
    const headers: Record<string, string> = {};
    out.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    res.writeHead(out.status, headers);
    res.end(out.body);
  };
  const failed = (res: ServerResponse, err: unknown) => {
    // Answered already: the write went through, but its record could not be made.
    if (res.headersSent) return console.error('[stream] record lost after a write', err);
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' });
    res.end(JSON.stringify({ __type: 'InternalServerError', message: String(err) }));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const body = await readBody(req);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      requests.set(op, (requests.get(op) ?? 0) + 1);
      if (WRITES.has(op)) {
        const input = JSON.parse(body.toString()) as { TableName?: string; Key?: Av; Item?: Av; ReturnValues?: string };
        const k = input.Key ?? (input.Item ? { pk: input.Item.pk!, sk: input.Item.sk! } : undefined);
        const pk = k?.pk?.S;
        const sk = k?.sk?.S;
        if (input.TableName === options.tableName && pk && sk && matchesFilters(options.filters, pk, sk)) {
          await streamWrite(req, op, input, { pk: { S: pk }, sk: { S: sk } }, (out) => reply(res, out));
          return;
        }
      }
      reply(res, await forward(req, body));
    } catch (err) {
      failed(res, err);
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    requests,
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
      agent.destroy();
      reader.destroy();
    },
  };
}
