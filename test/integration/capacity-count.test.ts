/**
 * The capacity the local table proxy (local/dynamo-stream.ts) counts, which the benchmark prices
 * DynamoDB by: table write and read units as dynalite measures them (every item of a batch, item
 * sizes), GSI write units from each write's old and new images by DynamoDB's rules, attributed to
 * the caller the request counter names, and never visible to a caller that did not ask.
 * A throwaway table with three indexes: ALL, KEYS_ONLY and INCLUDE projections.
 */
import { createRequire } from 'node:module';
import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  CreateTableCommand,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RequestCounter } from '../../functions/adapters/request-counter.js';
import { type LocalDynamo, startDynamo } from '../../local/dynamo.js';
import {
  type IndexShape,
  indexWriteUnits,
  itemSize,
  type LocalStream,
  numberSize,
  startLocalStream,
  UNTAGGED_CALLER,
} from '../../local/dynamo-stream.js';

const TableName = 'capacity-test';
const CALLER = 'test-function';
const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };

let dynamo: LocalDynamo;
let stream: LocalStream;
/** Names its requests CALLER (as the benchmark's counter names the running function). */
let client: DynamoDBClient;
/** Names nothing. */
let plain: DynamoDBClient;

beforeAll(async () => {
  dynamo = await startDynamo({});
  stream = await startLocalStream({
    target: dynamo.endpoint,
    tableName: dynamo.tableName,
    consumers: [{ filters: [], invoke: async () => ({}), windowMs: 10 }],
  });
  client = new DynamoDBClient({ endpoint: stream.endpoint, region: 'local', credentials });
  new RequestCounter(() => CALLER).attach(client, '', { tagCaller: true });
  plain = new DynamoDBClient({ endpoint: stream.endpoint, region: 'local', credentials });
  await plain.send(
    new CreateTableCommand({
      TableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: ['pk', 'sk', 'apk', 'ask', 'kpk', 'ipk'].map((AttributeName) => ({
        AttributeName,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [
        {
          IndexName: 'all',
          KeySchema: [
            { AttributeName: 'apk', KeyType: 'HASH' },
            { AttributeName: 'ask', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
        {
          IndexName: 'keys',
          KeySchema: [{ AttributeName: 'kpk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
        {
          IndexName: 'include',
          KeySchema: [{ AttributeName: 'ipk', KeyType: 'HASH' }],
          Projection: { ProjectionType: 'INCLUDE', NonKeyAttributes: ['tag'] },
        },
      ],
    }),
  );
});
afterAll(async () => {
  client?.destroy();
  plain?.destroy();
  await stream?.stop();
  await dynamo?.stop();
});
beforeEach(async () => {
  await stream.idle();
  stream.capacity.clear();
});

const s = (S: string) => ({ S });
const key = (id: string) => ({ pk: s(`ITEM#${id}`), sk: s('A') });
/** The units counted since the test began, once every write's images are in. */
const counted = async () => {
  await stream.idle();
  return stream.capacity.total();
};

describe('table units, measured', () => {
  it('counts every item of a BatchWriteItem: 10 items, 10 write units, in one request', async () => {
    const before = stream.requests.get('BatchWriteItem') ?? 0;
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TableName]: Array.from({ length: 10 }, (_, i) => ({
            PutRequest: { Item: { ...key(`batch-${i}`), n: { N: String(i) } } },
          })),
        },
      }),
    );
    expect(stream.requests.get('BatchWriteItem')).toBe(before + 1);
    expect(await counted()).toMatchObject({ writeUnits: 10, gsiWriteUnits: 0 });
  });

  it('counts an item over 1 KB per KB: a 2.5 KB put costs 3', async () => {
    const Item = { ...key('big'), body: s('x'.repeat(2500)) };
    expect(itemSize(Item)).toBeGreaterThan(2048);
    expect(itemSize(Item)).toBeLessThanOrEqual(3072);
    await client.send(new PutItemCommand({ TableName, Item }));
    expect(await counted()).toMatchObject({ writeUnits: 3, gsiWriteUnits: 0 });
  });

  it('bills an update by the larger of the old and new item', async () => {
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('shrinks'), body: s('x'.repeat(2500)) } }));
    stream.capacity.clear();
    await client.send(
      new UpdateItemCommand({
        TableName,
        Key: key('shrinks'),
        UpdateExpression: 'REMOVE body',
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 3 });
  });

  it('counts read units: strongly consistent 1, eventually consistent 0.5, a batch get per item', async () => {
    await client.send(new GetItemCommand({ TableName, Key: key('batch-0'), ConsistentRead: true }));
    expect((await counted()).readUnits).toBe(1);
    await client.send(new GetItemCommand({ TableName, Key: key('batch-1') }));
    expect((await counted()).readUnits).toBe(1.5);
    await client.send(
      new BatchGetItemCommand({
        RequestItems: {
          [TableName]: { Keys: Array.from({ length: 10 }, (_, i) => key(`batch-${i}`)), ConsistentRead: true },
        },
      }),
    );
    expect((await counted()).readUnits).toBe(11.5);
  });

  it('counts a query by the summed size of what it read (rounded up per 4 KB)', async () => {
    await plain.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TableName]: Array.from({ length: 5 }, (_, i) => ({
            PutRequest: { Item: { pk: s('Q'), sk: s(`${i}`), body: s('y'.repeat(1000)) } },
          })),
        },
      }),
    );
    stream.capacity.clear();
    await client.send(
      new QueryCommand({
        TableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': s('Q') },
        ConsistentRead: true,
      }),
    );
    // 5 items of about 1 KB: 2 units of 4 KB.
    expect((await counted()).readUnits).toBe(2);
  });

  it('bills a refused conditional write (1 unit when the item is not there) and passes the refusal on', async () => {
    await expect(
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: key('absent'),
          UpdateExpression: 'SET n = :n',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':n': { N: '1' } },
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 0, refusedConditionalWrites: 1 });
  });
});

describe('GSI units, from the images', () => {
  it('an item entering an ALL index: 1 table + 1 index unit; a BatchWriteItem of 10 such items: 10 + 10', async () => {
    await client.send(new PutItemCommand({ TableName, Item: { ...key('in-all'), apk: s('A'), ask: s('1') } }));
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 1 });
    stream.capacity.clear();
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TableName]: Array.from({ length: 10 }, (_, i) => ({
            PutRequest: { Item: { ...key(`all-batch-${i}`), apk: s('A'), ask: s(`b${i}`) } },
          })),
        },
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 10, gsiWriteUnits: 10 });
    expect(stream.capacity.gsiWriteUnitsByIndex.get('all')).toBe(10);
  });

  it('an update that changes an index key: 1 table unit + 2 (delete the old entry, put the new)', async () => {
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('moves'), apk: s('A'), ask: s('1') } }));
    stream.capacity.clear();
    await client.send(
      new UpdateItemCommand({
        TableName,
        Key: key('moves'),
        UpdateExpression: 'SET apk = :b',
        ExpressionAttributeValues: { ':b': s('B') },
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 2 });
    expect(stream.capacity.gsiWriteUnitsByIndex.get('all')).toBe(2);
  });

  it('an update of a non-key attribute: 1 in an ALL index, 0 in KEYS_ONLY, 1 in INCLUDE only if it is included', async () => {
    await plain.send(
      new PutItemCommand({ TableName, Item: { ...key('k-only'), kpk: s('K'), note: s('a'), tag: s('t') } }),
    );
    await plain.send(
      new PutItemCommand({ TableName, Item: { ...key('inc'), ipk: s('I'), note: s('a'), tag: s('t') } }),
    );
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('all-note'), apk: s('A'), ask: s('n') } }));
    const setNote = (id: string, ReturnValues?: 'ALL_NEW') =>
      client.send(
        new UpdateItemCommand({
          TableName,
          Key: key(id),
          UpdateExpression: 'SET note = :n',
          ExpressionAttributeValues: { ':n': s('b') },
          ...(ReturnValues ? { ReturnValues } : {}),
        }),
      );
    stream.capacity.clear();
    await setNote('k-only');
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 0 });
    await setNote('inc', 'ALL_NEW');
    expect(await counted()).toMatchObject({ writeUnits: 2, gsiWriteUnits: 0 });
    await client.send(
      new UpdateItemCommand({
        TableName,
        Key: key('inc'),
        UpdateExpression: 'SET tag = :t',
        ExpressionAttributeValues: { ':t': s('u') },
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 3, gsiWriteUnits: 1 });
    expect(stream.capacity.gsiWriteUnitsByIndex.get('include')).toBe(1);
    await setNote('all-note');
    expect(await counted()).toMatchObject({ writeUnits: 4, gsiWriteUnits: 2 });
    expect(stream.capacity.gsiWriteUnitsByIndex.get('all')).toBe(1);
    expect(stream.capacity.gsiWriteUnitsByIndex.get('keys')).toBeUndefined();
  });

  it('a write that changes nothing the index holds costs the index nothing; a rewrite of the same item neither', async () => {
    const Item = { ...key('same'), apk: s('A'), ask: s('s'), kpk: s('K') };
    await plain.send(new PutItemCommand({ TableName, Item }));
    stream.capacity.clear();
    await client.send(new PutItemCommand({ TableName, Item }));
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 0 });
  });

  it('a delete of an indexed item: 1 table unit + 1 to remove the entry', async () => {
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('gone'), apk: s('A'), ask: s('g') } }));
    stream.capacity.clear();
    await client.send(new DeleteItemCommand({ TableName, Key: key('gone') }));
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 1 });
  });

  it('removing an index key takes the item out of the index: 1; a large entry is billed per KB', async () => {
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('leaves'), kpk: s('K') } }));
    stream.capacity.clear();
    await client.send(new UpdateItemCommand({ TableName, Key: key('leaves'), UpdateExpression: 'REMOVE kpk' }));
    expect(await counted()).toMatchObject({ writeUnits: 1, gsiWriteUnits: 1 });
    stream.capacity.clear();
    // 2.5 KB, in the ALL index (3 units) and the KEYS_ONLY one (its entry is the keys: 1 unit).
    await client.send(
      new PutItemCommand({
        TableName,
        Item: { ...key('big-indexed'), apk: s('A'), ask: s('big'), kpk: s('K'), body: s('z'.repeat(2500)) },
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 3, gsiWriteUnits: 4 });
  });

  it('a batch delete of indexed items: 1 + 1 each (old images read before the batch)', async () => {
    await plain.send(
      new BatchWriteItemCommand({
        RequestItems: {
          [TableName]: [0, 1, 2].map((i) => ({ PutRequest: { Item: { ...key(`bd-${i}`), kpk: s('K') } } })),
        },
      }),
    );
    stream.capacity.clear();
    await client.send(
      new BatchWriteItemCommand({
        RequestItems: { [TableName]: [0, 1, 2].map((i) => ({ DeleteRequest: { Key: key(`bd-${i}`) } })) },
      }),
    );
    expect(await counted()).toMatchObject({ writeUnits: 3, gsiWriteUnits: 3 });
  });
});

describe('attribution and transparency', () => {
  it('attributes units to the caller the request names, and to UNTAGGED_CALLER otherwise', async () => {
    await client.send(new PutItemCommand({ TableName, Item: { ...key('mine'), apk: s('A'), ask: s('m') } }));
    await plain.send(new PutItemCommand({ TableName, Item: { ...key('theirs') } }));
    await stream.idle();
    expect(stream.capacity.total(CALLER)).toMatchObject({ writeUnits: 1, gsiWriteUnits: 1 });
    expect(stream.capacity.total(UNTAGGED_CALLER)).toMatchObject({ writeUnits: 1, gsiWriteUnits: 0 });
    expect(stream.capacity.byOperation.get('PutItem')).toMatchObject({ writeUnits: 2, gsiWriteUnits: 1 });
  });

  it('gives a caller ConsumedCapacity and Attributes only when it asked for them', async () => {
    const quiet = await client.send(
      new PutItemCommand({ TableName, Item: { ...key('quiet'), apk: s('A'), ask: s('q') } }),
    );
    expect(quiet.ConsumedCapacity).toBeUndefined();
    expect(quiet.Attributes).toBeUndefined();
    const asked = await client.send(
      new PutItemCommand({
        TableName,
        Item: { ...key('quiet'), apk: s('A'), ask: s('q'), n: { N: '1' } },
        ReturnConsumedCapacity: 'TOTAL',
        ReturnValues: 'ALL_OLD',
      }),
    );
    expect(asked.ConsumedCapacity).toEqual({ TableName, CapacityUnits: 1 });
    expect(asked.Attributes).toEqual({ ...key('quiet'), apk: s('A'), ask: s('q') });
    const got = await client.send(new GetItemCommand({ TableName, Key: key('quiet') }));
    expect(got.ConsumedCapacity).toBeUndefined();
    expect(got.Item?.n).toEqual({ N: '1' });
  });
});

describe('sizes and index rules (pure)', () => {
  const db = createRequire(import.meta.url)('dynalite/db/index.js') as { itemSize: (item: unknown) => number };

  it('sizes items exactly as dynalite does (ASCII), numbers, lists and maps included', () => {
    const items = [
      { pk: s('VIS#abc'), sk: s('PROFILE'), n: { N: '123.45' }, z: { N: '0' }, neg: { N: '-0.001' } },
      { e: { N: '1e10' }, f: { N: '2.5E-3' }, big: { N: '12345678901234567890123456789012345678' } },
      { l: { L: [s('x'), { N: '10' }, { M: { k: { BOOL: true }, nul: { NULL: true } } }] } },
      { ss: { SS: ['a', 'bc'] }, ns: { NS: ['1', '22', '333'] }, b: { B: 'aGVsbG8=' } },
    ];
    for (const item of items) expect(itemSize(item as never)).toBe(db.itemSize(item));
    for (const n of ['0', '7', '10', '100', '1000.000', '-12', '0.5', '99999999999', '007', '250'])
      expect(numberSize(n)).toBe(db.itemSize({ x: { N: n } }) - 1);
  });

  it('counts index units by the rules: enter, move, leave, projected change, no change', () => {
    const all: IndexShape = { name: 'all', keys: ['apk'], projection: 'ALL', include: [] };
    const keysOnly: IndexShape = { name: 'keys', keys: ['apk'], projection: 'KEYS_ONLY', include: [] };
    const k = ['pk', 'sk'];
    const base = { pk: s('P'), sk: s('S') };
    const a = { ...base, apk: s('A'), note: s('1') };
    expect(indexWriteUnits(all, k, undefined, a)).toBe(1);
    expect(indexWriteUnits(all, k, a, { ...a, apk: s('B') })).toBe(2);
    expect(indexWriteUnits(all, k, a, undefined)).toBe(1);
    expect(indexWriteUnits(all, k, a, { ...a, note: s('2') })).toBe(1);
    expect(indexWriteUnits(keysOnly, k, a, { ...a, note: s('2') })).toBe(0);
    expect(indexWriteUnits(all, k, base, { ...base, note: s('2') })).toBe(0);
    expect(indexWriteUnits(all, k, undefined, { ...a, body: s('x'.repeat(3000)) })).toBe(3);
    expect(indexWriteUnits(keysOnly, k, undefined, { ...a, body: s('x'.repeat(3000)) })).toBe(1);
  });
});
