/**
 * DynamoDB Streams for the local runtime. dynalite has no streams, so the handlers reach it
 * through this proxy: every write to an item whose key passes a consumer's filters (the same
 * rules as the Lambda event filters in AWS, STREAM_KEY_FILTERS and REPORT_STREAM_KEY_FILTERS) is
 * turned into a stream record with NEW_AND_OLD_IMAGES, and each consumer (an event source mapping)
 * gets the records its filters pass in its own batches: up to `batchSize` records or `windowMs`
 * after the first, one batch at a time (one shard), retried on failure like Lambda's.
 *
 * The proxy also measures the capacity every request consumes, whatever client sent it
 * (`capacity`), attributed to the caller named in the request's CALLER_HEADER (the benchmark's
 * request counter sets it to the running Lambda function):
 * - table read and write units as dynalite measures them: each request that can return
 *   ConsumedCapacity is sent with ReturnConsumedCapacity TOTAL, and the figure is removed from the
 *   answer unless the caller asked for it (dynalite sizes items as DynamoDB does: max(old, new) for
 *   a put or update, each item of a batch, the summed item sizes of a query, rounded up per 4 KB);
 *   a refused conditional write, for which dynalite reports nothing, is billed as DynamoDB bills it
 *   (the size of the item there, at least 1), computed from a read of the item;
 * - global secondary index write units, which no local DynamoDB reports, computed from the old and
 *   new image of every write to a table with GSIs (indexWriteUnits, DynamoDB's rules) using the
 *   table's own index definitions (DescribeTable). Writes to such a table therefore take the same
 *   path as writes to stream items: serialised per item, images from the write itself.
 * Everything else passes through untouched, and every caller gets exactly the answer it asked for.
 */
import { randomBytes } from 'node:crypto';
import { Agent, createServer, type IncomingMessage, request, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHistogram, type RecordableHistogram } from 'node:perf_hooks';
import { isDeepStrictEqual } from 'node:util';
import {
  type AttributeValue,
  BatchGetItemCommand,
  type BatchGetItemCommandOutput,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  type TableDescription,
} from '@aws-sdk/client-dynamodb';
import { CALLER_HEADER } from '../functions/adapters/request-counter.js';

export interface KeyFilter {
  pkPrefix: string;
  sk?: string;
  skPrefix?: string;
}

/**
 * One reader of the stream: a Lambda event source mapping with its own filters and batching. In
 * AWS each mapping reads the shard on its own, so each one here has its own queue, window and
 * retries, and sees every record its filters pass.
 */
export interface StreamConsumer {
  /** Which items' records reach it (the mapping's event filters). */
  filters: readonly KeyFilter[];
  /** Runs the consumer's function with a DynamoDB Streams event; resolves to its response. */
  invoke: (event: unknown) => Promise<unknown>;
  /** Lambda's MaximumBatchingWindowInSeconds, in ms. @default 1000 */
  windowMs?: number;
  /** @default 500 */
  batchSize?: number;
  /** @default 3 */
  retries?: number;
}

export interface LocalStreamOptions {
  /** dynalite's endpoint. */
  target: string;
  tableName: string;
  consumers: readonly StreamConsumer[];
}

export interface LocalStream {
  /** The DynamoDB endpoint the handlers use (this proxy). */
  endpoint: string;
  /** Resolves once every record so far has been delivered and every write's capacity counted (tests). */
  idle(): Promise<void>;
  /**
   * DynamoDB requests the callers sent through this endpoint, by operation (the proxy's own image
   * reads are not among them): the benchmark checks the client-side counts against it.
   */
  requests: Map<string, number>;
  /**
   * How long dynalite took to answer each request forwarded to it, in nanoseconds (the benchmark
   * reads its percentiles to tell the stand-in's own queueing from the rest of a message's time).
   */
  tableLatency: RecordableHistogram;
  /** The capacity those requests consumed, by caller and by operation (the proxy's own reads excluded). */
  capacity: CapacityCounts;
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
/** Requests that consume read capacity (and can report it). */
const READS = new Set(['GetItem', 'BatchGetItem', 'Query', 'Scan']);
/** Requests that change a table's definition: its cached shape is dropped. */
const TABLE_CHANGES = new Set(['CreateTable', 'DeleteTable', 'UpdateTable']);
/** Items whose last image the proxy remembers (visitors, operators, chats of a busy day). */
const IMAGE_CACHE_SIZE = 20_000;
/** The caller of a request that names none (a client without the benchmark's request counter). */
export const UNTAGGED_CALLER = 'untagged';

export function matchesFilters(filters: readonly KeyFilter[], pk: string, sk: string): boolean {
  return filters.some(
    (f) =>
      pk.startsWith(f.pkPrefix) &&
      (f.sk === undefined || sk === f.sk) &&
      (f.skPrefix === undefined || sk.startsWith(f.skPrefix)),
  );
}

// ---------------------------------------------------------------------------------------------
// Item sizes and write units, as DynamoDB counts them.

/**
 * An item's size in bytes as DynamoDB sizes it for capacity: per attribute, the UTF-8 length of
 * its name plus the size of its value (the rules of "Item sizes and formats" in the DynamoDB
 * developer guide). It mirrors dynalite's `itemSize` (node_modules/dynalite/db/index.js), the
 * figure dynalite's ConsumedCapacity is computed from, except that strings and names count UTF-8
 * bytes as DynamoDB does (dynalite counts UTF-16 code units; the same for ASCII).
 */
export function itemSize(item: Av): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) size += Buffer.byteLength(name, 'utf8') + valueSize(value);
  return size;
}

function valueSize(v: AttributeValue): number {
  if (v.S !== undefined) return Buffer.byteLength(v.S, 'utf8');
  if (v.N !== undefined) return numberSize(v.N);
  if (v.B !== undefined) return binarySize(v.B);
  if (v.SS !== undefined) return v.SS.reduce((n, s) => n + Buffer.byteLength(s, 'utf8'), 0);
  if (v.NS !== undefined) return v.NS.reduce((n, s) => n + numberSize(s), 0);
  if (v.BS !== undefined) return v.BS.reduce((n, b) => n + binarySize(b), 0);
  if (v.NULL !== undefined || v.BOOL !== undefined) return 1;
  // A list or map: 3 bytes, plus 1 per element and the elements' sizes (a map's include its names).
  if (v.L !== undefined) return 3 + v.L.reduce((n, e) => n + 1 + valueSize(e), 0);
  if (v.M !== undefined) return 3 + Object.keys(v.M).length + itemSize(v.M as Av);
  return 0;
}

/** A binary value arrives base64-encoded in the wire JSON; the SDK's own calls give bytes. */
function binarySize(b: unknown): number {
  return typeof b === 'string' ? Buffer.from(b, 'base64').length : (b as Uint8Array).length;
}

/**
 * A number's size: 1 byte of exponent plus 1 per two significant digits, with dynalite's
 * adjustments (an extra byte when the digit pairs do not line up, one for a negative number).
 */
export function numberSize(n: string): number {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(n.trim());
  if (!m) return n.length;
  const [, sign, int = '', frac = '', exp = '0'] = m;
  const all = int + frac;
  const first = all.search(/[1-9]/);
  if (first < 0) return 1; // zero
  const digits = all.slice(first).replace(/0+$/, '').length;
  // The exponent of the first significant digit (value = d.ddd × 10^e), as big.js keeps it.
  const e = int.length + Number(exp) - first - 1;
  return 1 + Math.ceil(digits / 2) + (digits % 2 || e % 2 ? 0 : 1) + (sign === '-' ? 1 : 0);
}

/** Write units of writing `bytes`: 1 per KB, rounded up, at least 1. */
export function writeUnitsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / 1024));
}

/** A global secondary index as DescribeTable describes it. */
export interface IndexShape {
  name: string;
  /** Its key attributes (partition, then sort). */
  keys: string[];
  projection: 'ALL' | 'KEYS_ONLY' | 'INCLUDE';
  /** INCLUDE: the non-key attributes projected. */
  include: string[];
}

/** A table's key attributes and global secondary indexes. */
export interface TableShape {
  keys: string[];
  indexes: IndexShape[];
}

export function tableShape(table: TableDescription): TableShape {
  return {
    keys: (table.KeySchema ?? []).map((k) => k.AttributeName!),
    indexes: (table.GlobalSecondaryIndexes ?? []).map((i) => ({
      name: i.IndexName!,
      keys: (i.KeySchema ?? []).map((k) => k.AttributeName!),
      projection: (i.Projection?.ProjectionType ?? 'ALL') as IndexShape['projection'],
      include: i.Projection?.NonKeyAttributes ?? [],
    })),
  };
}

/** The item as the index holds it (table keys, index keys, projected attributes), or none if it is not in it. */
export function indexEntry(index: IndexShape, tableKeys: readonly string[], image: Av | undefined): Av | undefined {
  if (!image || index.keys.some((k) => image[k] === undefined)) return undefined; // not in the index
  if (index.projection === 'ALL') return image;
  const entry: Av = {};
  for (const name of [...tableKeys, ...index.keys, ...(index.projection === 'INCLUDE' ? index.include : [])]) {
    if (image[name] !== undefined) entry[name] = image[name];
  }
  return entry;
}

/**
 * The write units one table write costs in one global secondary index, from the item's images
 * before and after it, by DynamoDB's rules ("Write capacity units" under "Provisioned throughput
 * considerations for Global Secondary Indexes", Amazon DynamoDB developer guide,
 * https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/GSI.html#GSI.ThroughputConsiderations.Writes;
 * on-demand tables are billed the same units as write request units):
 * - the item enters the index (a new item that defines the index keys, or an update that defines
 *   them): one write to put it, per KB of the projected entry;
 * - the index key changes (A to B): two writes, one to delete the old entry and one to put the new
 *   (per KB of the new entry);
 * - the item leaves the index (deleted, or an index key removed): one write to delete the entry;
 * - only projected non-key attributes change: one write to update the entry, per KB of the larger
 *   of the old and new entry (as a table update is billed);
 * - the item is in the index neither before nor after, or its projection is unchanged (say an
 *   update of an attribute a KEYS_ONLY index does not hold): nothing.
 * "All of these factors assume that the size of each item in the index is less than or equal to
 * the 1 KB item size ... Larger index entries require additional write capacity units": an entry's
 * size is its projected attributes' (itemSize); the 100 bytes of per-entry overhead the guide adds
 * for storage are not counted here.
 */
export function indexWriteUnits(
  index: IndexShape,
  tableKeys: readonly string[],
  oldImage: Av | undefined,
  newImage: Av | undefined,
): number {
  const before = indexEntry(index, tableKeys, oldImage);
  const after = indexEntry(index, tableKeys, newImage);
  if (!before && !after) return 0;
  if (!before) return writeUnitsOf(itemSize(after!));
  if (!after) return 1;
  if (index.keys.some((k) => !isDeepStrictEqual(before[k], after[k]))) return 1 + writeUnitsOf(itemSize(after));
  if (isDeepStrictEqual(before, after)) return 0;
  return writeUnitsOf(Math.max(itemSize(before), itemSize(after)));
}

// ---------------------------------------------------------------------------------------------
// Capacity counts.

export interface ConsumedUnits {
  /** Table write units: dynalite's ConsumedCapacity, plus refused conditional writes (computed). */
  writeUnits: number;
  /** Global secondary index write units, computed from the images of each write. */
  gsiWriteUnits: number;
  /** Read units: dynalite's ConsumedCapacity (strongly consistent reads at 1 per 4 KB, eventual at half). */
  readUnits: number;
  /** Conditional writes DynamoDB refused (billed all the same; their units are in writeUnits). */
  refusedConditionalWrites: number;
}

const noUnits = (): ConsumedUnits => ({ writeUnits: 0, gsiWriteUnits: 0, readUnits: 0, refusedConditionalWrites: 0 });

/** Consumed capacity by caller (CALLER_HEADER) and by operation; GSI write units also by index. */
export class CapacityCounts {
  readonly byCaller = new Map<string, ConsumedUnits>();
  readonly byOperation = new Map<string, ConsumedUnits>();
  readonly gsiWriteUnitsByIndex = new Map<string, number>();

  add(caller: string, op: string, units: Partial<ConsumedUnits>, index?: string): void {
    for (const [map, k] of [
      [this.byCaller, caller],
      [this.byOperation, op],
    ] as const) {
      const rec = map.get(k) ?? noUnits();
      map.set(k, rec);
      for (const f of Object.keys(units) as (keyof ConsumedUnits)[]) rec[f] += units[f] ?? 0;
    }
    if (index && units.gsiWriteUnits) {
      this.gsiWriteUnitsByIndex.set(index, (this.gsiWriteUnitsByIndex.get(index) ?? 0) + units.gsiWriteUnits);
    }
  }

  /** Everything counted, or one caller's share. */
  total(caller?: string): ConsumedUnits {
    if (caller !== undefined) return { ...(this.byCaller.get(caller) ?? noUnits()) };
    const sum = noUnits();
    for (const rec of this.byCaller.values()) {
      for (const f of Object.keys(sum) as (keyof ConsumedUnits)[]) sum[f] += rec[f];
    }
    return sum;
  }

  clear(): void {
    this.byCaller.clear();
    this.byOperation.clear();
    this.gsiWriteUnitsByIndex.clear();
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** What the caller sent, with what it asked for (the proxy may ask for more, and strips it). */
interface Call {
  req: IncomingMessage;
  op: string;
  caller: string;
  input: Record<string, unknown> & { TableName?: string; ReturnValues?: string; ReturnConsumedCapacity?: string };
  /** The caller asked for ConsumedCapacity itself. */
  wantsCapacity: boolean;
}

type Forwarded = { status: number; headers: Headers; body: Buffer; json?: Record<string, unknown> | undefined };

/** The answer's JSON (parsed once). */
function jsonOf(out: Forwarded): Record<string, unknown> {
  out.json ??= JSON.parse(out.body.toString() || '{}') as Record<string, unknown>;
  return out.json;
}

const isConditionalRefusal = (out: Forwarded) =>
  out.status === 400 && String(jsonOf(out).__type ?? '').endsWith('#ConditionalCheckFailedException');

export async function startLocalStream(options: LocalStreamOptions): Promise<LocalStream> {
  const arn = `arn:aws:dynamodb:local:000000000000:table/${options.tableName}/stream/local`;
  const reader = new DynamoDBClient({
    endpoint: options.target,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const read = async (table: string, key: Av) =>
    (await reader.send(new GetItemCommand({ TableName: table, Key: key, ConsistentRead: true }))).Item;

  // Each table's keys and indexes, described once (dropped when the table's definition changes).
  const shapes = new Map<string, Promise<TableShape | undefined>>();
  const shapeOf = (table: string): Promise<TableShape | undefined> => {
    let shape = shapes.get(table);
    if (!shape) {
      shape = reader.send(new DescribeTableCommand({ TableName: table })).then(
        (out) => tableShape(out.Table!),
        () => {
          shapes.delete(table); // no such table (yet): its writes fail anyway; ask again next time
          return table === options.tableName ? { keys: ['pk', 'sk'], indexes: [] } : undefined;
        },
      );
      shapes.set(table, shape);
    }
    return shape;
  };

  // Writes to one item are serialised here, so each write's old and new images are exact. A batch
  // holds the locks of all its items (taken at once: locks are queues, so no two writers wait on
  // each other in a cycle).
  const locks = new Map<string, Promise<unknown>>();
  const withLocks = <T>(ids: readonly string[], fn: () => Promise<T>): Promise<T> => {
    const before = Promise.all(ids.map((id) => locks.get(id)));
    const run = before.then(fn);
    const tail = run.catch(() => undefined);
    for (const id of ids) locks.set(id, tail);
    void tail.then(() => {
      for (const id of ids) if (locks.get(id) === tail) locks.delete(id);
    });
    return run;
  };
  // Capacity still being counted after the caller was answered (idle() waits for it).
  const counting = new Set<Promise<unknown>>();
  const track = <T>(p: Promise<T>): Promise<T> => {
    counting.add(p);
    void p.then(
      () => counting.delete(p),
      () => counting.delete(p),
    );
    return p;
  };

  let sequence = 0n;
  const readers = options.consumers.map((consumer) => batcher(consumer));
  /** Whether any consumer reads this item's records (the rest of the table streams to nobody). */
  const streamed = (pk: string, sk: string) => options.consumers.some((c) => matchesFilters(c.filters, pk, sk));

  const emit = (key: Av, oldImage: Av | undefined, newImage: Av | undefined) => {
    if (!oldImage && !newImage) return;
    if (oldImage && newImage && isDeepStrictEqual(oldImage, newImage)) return; // no change, no record
    sequence += 1n;
    const record: StreamRecord = {
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
    };
    const pk = key.pk?.S ?? '';
    const sk = key.sk?.S ?? '';
    for (const r of readers) if (matchesFilters(r.filters, pk, sk)) r.add(record);
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  const requests = new Map<string, number>();
  const capacity = new CapacityCounts();

  // The image of each item as the last write through this proxy left it (bounded, oldest dropped
  // first): an UpdateItem asking for ALL_NEW gets its old image from here instead of a read.
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

  // Plain http with kept-alive sockets: every handler request passes here, and fetch's web
  // streams cost several times the CPU per request on the benchmark's hot path.
  const agent = new Agent({ keepAlive: true, maxSockets: 64 });
  const target = new URL(options.target);
  const tableLatency = createHistogram();
  const forward = (req: IncomingMessage, body: Buffer): Promise<Forwarded> => timed(forwardOnce(req, body));
  const timed = <T>(p: Promise<T>): Promise<T> => {
    const t0 = process.hrtime.bigint();
    void p.then(
      () => tableLatency.record(Math.max(1, Number(process.hrtime.bigint() - t0))),
      () => undefined,
    );
    return p;
  };
  const forwardOnce = (req: IncomingMessage, body: Buffer): Promise<Forwarded> =>
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

  /** Sends the caller's request asking for ConsumedCapacity, and for `returnValues` when given. */
  const send = (c: Call, returnValues?: string) =>
    forward(
      c.req,
      Buffer.from(
        JSON.stringify({
          ...c.input,
          ...(returnValues ? { ReturnValues: returnValues } : {}),
          ...(c.wantsCapacity ? {} : { ReturnConsumedCapacity: 'TOTAL' }),
        }),
      ),
    );

  /** Counts the table units dynalite reports in an answer. */
  const count = (c: Call, out: Forwarded) => {
    if (out.status !== 200) return;
    const consumed = jsonOf(out).ConsumedCapacity as { CapacityUnits?: number } | { CapacityUnits?: number }[];
    let units = 0;
    for (const cc of Array.isArray(consumed) ? consumed : consumed ? [consumed] : []) units += cc.CapacityUnits ?? 0;
    capacity.add(c.caller, c.op, READS.has(c.op) ? { readUnits: units } : { writeUnits: units });
  };

  /** The caller's answer: without what the proxy asked for on its behalf (ReturnValues, ConsumedCapacity). */
  const answer = (c: Call, out: Forwarded, addedAttributes = false): Forwarded => {
    if (out.status !== 200) return out;
    const json = jsonOf(out);
    const dropCapacity = !c.wantsCapacity && 'ConsumedCapacity' in json;
    const dropAttributes = addedAttributes && 'Attributes' in json;
    if (!dropCapacity && !dropAttributes) return out;
    const { ConsumedCapacity, Attributes, ...rest } = json;
    const kept = {
      ...rest,
      ...(dropCapacity ? {} : { ConsumedCapacity }),
      ...(dropAttributes || Attributes === undefined ? {} : { Attributes }),
    };
    const headers = new Headers(out.headers);
    headers.delete('x-amz-crc32'); // the body changed; its checksum no longer applies
    return { status: out.status, headers, body: Buffer.from(JSON.stringify(kept)) };
  };

  /** GSI write units of one item's change, counted index by index. */
  const countIndexes = (c: Call, shape: TableShape, oldImage: Av | undefined, newImage: Av | undefined) => {
    for (const index of shape.indexes) {
      const units = indexWriteUnits(index, shape.keys, oldImage, newImage);
      if (units) capacity.add(c.caller, c.op, { gsiWriteUnits: units }, index.name);
    }
  };

  /**
   * A conditional write DynamoDB refused still consumes write units: 1 if the item does not
   * exist, else per KB of the item (or of the new one a put tried to write, if larger) — "Capacity
   * units consumed by conditional writes", Amazon DynamoDB developer guide (WorkingWithItems.html).
   * dynalite reports none: counted from the item as it stands.
   */
  const countRefusal = async (c: Call, table: string, key: Av, item?: Av) => {
    const there = await read(table, key);
    const bytes = Math.max(there ? itemSize(there) : 0, item ? itemSize(item) : 0);
    capacity.add(c.caller, c.op, { writeUnits: writeUnitsOf(bytes), refusedConditionalWrites: 1 });
  };

  /**
   * A single-item write whose images the proxy needs: to a stream item (a record) or to a table
   * with global secondary indexes (their write units). The images come from the write itself
   * wherever DynamoDB can return them, so the caller waits for one round trip, not three (read
   * before, write, read after):
   * - PutItem / DeleteItem: sent with ReturnValues ALL_OLD (the old image); the new image is the
   *   request's Item (a put replaces the whole item) or nothing (a delete);
   * - UpdateItem asking for ALL_NEW (the store's usual form): the new image is the answer, the old
   *   one is the image this proxy last saw (read first only when it has none);
   * - UpdateItem asking for NONE or ALL_OLD: sent with ALL_OLD, answered at once; the new image is
   *   read after answering, still inside the item's lock, so the next write to the item waits for
   *   it and not the caller;
   * - anything else (UPDATED_OLD/UPDATED_NEW, never used by Parley): read before and after.
   * Writes to one item stay serialised here, so each write's images are exact. When Parley's
   * return value was added by the proxy, it is stripped before the answer goes back.
   */
  const trackedWrite = (
    c: Call,
    table: string,
    shape: TableShape,
    key: Av,
    stream: boolean,
    respond: (out: Forwarded) => void,
  ): Promise<void> => {
    const id = `${table}|${JSON.stringify(key)}`;
    const asked = c.input.ReturnValues ?? 'NONE';
    const item = c.input.Item as Av | undefined;
    const settle = (before: Av | undefined, after: Av | undefined) => {
      countIndexes(c, shape, before, after);
      if (stream) emit(key, before, after);
      remember(id, after);
    };
    const refused = async (out: Forwarded) => {
      if (isConditionalRefusal(out)) await countRefusal(c, table, key, c.op === 'PutItem' ? item : undefined);
    };
    const attributesOf = (out: Forwarded): Av | undefined => jsonOf(out).Attributes as Av | undefined;

    return withLocks([id], async () => {
      if ((c.op === 'PutItem' || c.op === 'DeleteItem') && (asked === 'NONE' || asked === 'ALL_OLD')) {
        const out = await send(c, 'ALL_OLD');
        count(c, out);
        respond(answer(c, out, asked !== 'ALL_OLD'));
        if (out.status !== 200) return refused(out);
        settle(attributesOf(out), c.op === 'PutItem' ? item : undefined);
        return;
      }
      if (c.op === 'UpdateItem' && asked === 'ALL_NEW') {
        const before = known(id) ?? { image: await read(table, key) };
        const out = await send(c);
        count(c, out);
        respond(answer(c, out));
        if (out.status !== 200) return refused(out);
        settle(before.image, attributesOf(out));
        return;
      }
      if (c.op === 'UpdateItem' && (asked === 'NONE' || asked === 'ALL_OLD')) {
        const out = await send(c, 'ALL_OLD');
        count(c, out);
        respond(answer(c, out, asked !== 'ALL_OLD'));
        if (out.status !== 200) return refused(out);
        settle(attributesOf(out), await read(table, key));
        return;
      }
      const before = await read(table, key);
      const out = await send(c);
      count(c, out);
      if (out.status === 200) settle(before, await read(table, key));
      respond(answer(c, out));
      if (out.status !== 200) return refused(out);
    });
  };

  /**
   * A BatchWriteItem touching a table with global secondary indexes: its items' old images are read
   * first (one BatchGetItem per table, not counted as the caller's), all of its items locked, so
   * each put or delete's index units come from exact images. Requests DynamoDB leaves unprocessed
   * changed nothing. (Parley never batch-writes stream items; a batch makes no stream record.)
   */
  const trackedBatch = async (
    c: Call,
    plan: { table: string; shape: TableShape; id: string; key: Av; newImage: Av | undefined }[],
    respond: (out: Forwarded) => void,
  ): Promise<void> =>
    withLocks(
      plan.map((p) => p.id),
      async () => {
        const old = new Map<string, Av | undefined>();
        const toRead = new Map<string, typeof plan>();
        for (const p of plan) {
          const k = known(p.id);
          if (k) old.set(p.id, k.image);
          else toRead.set(p.table, [...(toRead.get(p.table) ?? []), p]);
        }
        for (const [table, items] of toRead) {
          const shape = items[0]!.shape;
          for (const p of items) old.set(p.id, undefined);
          let keys: Av[] | undefined = items.map((p) => p.key);
          while (keys?.length) {
            const got: BatchGetItemCommandOutput = await reader.send(
              new BatchGetItemCommand({ RequestItems: { [table]: { Keys: keys, ConsistentRead: true } } }),
            );
            for (const image of got.Responses?.[table] ?? []) {
              const key = Object.fromEntries(shape.keys.map((k) => [k, image[k]]));
              old.set(`${table}|${JSON.stringify(key)}`, image);
            }
            keys = got.UnprocessedKeys?.[table]?.Keys;
          }
        }
        const out = await send(c);
        count(c, out);
        respond(answer(c, out));
        if (out.status !== 200) return;
        const unprocessed = new Set<string>();
        const left = (jsonOf(out).UnprocessedItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: Av }; DeleteRequest?: { Key: Av } }[]
        >;
        for (const [table, reqs] of Object.entries(left)) {
          const shape = plan.find((p) => p.table === table)?.shape;
          if (!shape) continue;
          for (const r of reqs) {
            const source = r.PutRequest?.Item ?? r.DeleteRequest?.Key ?? {};
            unprocessed.add(`${table}|${JSON.stringify(Object.fromEntries(shape.keys.map((k) => [k, source[k]])))}`);
          }
        }
        for (const p of plan) {
          if (unprocessed.has(p.id)) continue;
          countIndexes(c, p.shape, old.get(p.id), p.newImage);
          // Kept exact where the proxy remembers the item; a batch's items are not added (history
          // items, written once, would push the items that are updated out of the cache).
          if (images.has(p.id)) remember(p.id, p.newImage);
        }
      },
    );

  const reply = (res: ServerResponse, out: Forwarded) => {
    const headers: Record<string, string> = {};
    out.headers.forEach((v, k) => {
      if (k !== 'content-length' && k !== 'transfer-encoding' && k !== 'connection') headers[k] = v;
    });
    res.writeHead(out.status, headers);
    res.end(out.body);
  };
  let stopped = false;
  const failed = (res: ServerResponse, err: unknown) => {
    // Answered already: the write went through, but its record could not be made.
    // (After stop, dynalite is going away with the stack: nothing left to record for.)
    if (res.headersSent) return stopped || console.error('[stream] record lost after a write', err);
    res.writeHead(500, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': 'InternalServerError' });
    res.end(JSON.stringify({ __type: 'InternalServerError', message: String(err) }));
  };

  const keyOf = (shape: TableShape, source: Av | undefined): Av | undefined => {
    if (!source || shape.keys.some((k) => source[k] === undefined)) return undefined;
    return Object.fromEntries(shape.keys.map((k) => [k, source[k]!]));
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    try {
      const body = await readBody(req);
      const op = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      requests.set(op, (requests.get(op) ?? 0) + 1);
      const measured = WRITES.has(op) || READS.has(op) || op === 'BatchWriteItem';
      if (!measured) {
        if (TABLE_CHANGES.has(op)) shapes.delete(String((JSON.parse(body.toString()) as Call['input']).TableName));
        return reply(res, await forward(req, body));
      }
      const input = JSON.parse(body.toString()) as Call['input'];
      const tagged = req.headers[CALLER_HEADER];
      const c: Call = {
        req,
        op,
        caller: typeof tagged === 'string' && tagged ? tagged : UNTAGGED_CALLER,
        input,
        wantsCapacity: input.ReturnConsumedCapacity === 'TOTAL' || input.ReturnConsumedCapacity === 'INDEXES',
      };
      const respond = (out: Forwarded) => reply(res, out);

      if (WRITES.has(op) && input.TableName) {
        const table = input.TableName;
        const shape = await shapeOf(table);
        const key = shape && keyOf(shape, (input.Key ?? input.Item) as Av | undefined);
        const pk = key?.pk?.S;
        const sk = key?.sk?.S;
        const stream = table === options.tableName && !!pk && !!sk && streamed(pk, sk);
        if (shape && key && (stream || shape.indexes.length > 0)) {
          await track(trackedWrite(c, table, shape, key, stream, respond));
          return;
        }
        const out = await send(c);
        count(c, out);
        respond(answer(c, out));
        if (key && isConditionalRefusal(out)) {
          await track(countRefusal(c, table, key, op === 'PutItem' ? (input.Item as Av) : undefined));
        }
        return;
      }
      if (op === 'BatchWriteItem') {
        const plan = [];
        const requested = (input.RequestItems ?? {}) as Record<
          string,
          { PutRequest?: { Item: Av }; DeleteRequest?: { Key: Av } }[]
        >;
        for (const [table, reqs] of Object.entries(requested)) {
          const shape = await shapeOf(table);
          if (!shape?.indexes.length) continue;
          for (const r of reqs) {
            const key = keyOf(shape, r.PutRequest?.Item ?? r.DeleteRequest?.Key);
            if (key)
              plan.push({ table, shape, key, id: `${table}|${JSON.stringify(key)}`, newImage: r.PutRequest?.Item });
          }
        }
        if (plan.length) {
          await track(trackedBatch(c, plan, respond));
          return;
        }
      }
      const out = await send(c);
      count(c, out);
      respond(answer(c, out));
    } catch (err) {
      failed(res, err);
    }
  }
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    requests,
    capacity,
    tableLatency,
    async idle() {
      // Every consumer's records so far, delivered now rather than at the end of its window.
      for (let i = 0; i < 500 && (readers.some((r) => r.busy()) || counting.size > 0); i++) {
        await Promise.allSettled([...counting]);
        await Promise.all(readers.map((r) => r.drain()));
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async stop() {
      stopped = true;
      for (const r of readers) r.stop();
      // Writes already answered may still be reading their new image: let them finish first.
      await Promise.allSettled([...counting]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      agent.destroy();
      reader.destroy();
    },
  };
}

/**
 * One consumer's side of the shard: records queue up and go to its function `batchSize` at a time
 * or `windowMs` after the first, one batch at a time, a failed batch retried like Lambda's event
 * source mapping (then dropped, with an error line).
 */
function batcher(consumer: StreamConsumer) {
  const windowMs = consumer.windowMs ?? 1000;
  const batchSize = consumer.batchSize ?? 500;
  const retries = consumer.retries ?? 3;
  const queue: StreamRecord[] = [];
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> = Promise.resolve();
  let pending = 0;

  function flush() {
    clearTimeout(timer);
    timer = undefined;
    const batch = queue.splice(0, batchSize);
    if (batch.length === 0) return;
    draining = draining.then(async () => {
      for (let attempt = 0; attempt <= retries; attempt++) {
        try {
          const out = (await consumer.invoke({ Records: batch })) as { batchItemFailures?: unknown[] } | undefined;
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

  return {
    filters: consumer.filters,
    add(record: StreamRecord) {
      queue.push(record);
      pending += 1;
      if (queue.length >= batchSize) flush();
      else timer ??= setTimeout(flush, windowMs);
    },
    busy: () => pending > 0 || queue.length > 0,
    /** Sends what is queued without waiting for the window, and waits for every batch so far. */
    async drain() {
      while (queue.length) flush();
      await draining;
    },
    stop() {
      clearTimeout(timer);
    },
  };
}
