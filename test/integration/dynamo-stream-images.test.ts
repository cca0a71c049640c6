/**
 * The local table stream (local/dynamo-stream.ts) in front of dynalite: each write to a stream item
 * becomes one record with exact old and new images, taken from the write itself, and the caller
 * gets exactly the answer it asked for (the proxy's own ReturnValues stripped).
 */
import {
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type LocalDynamo, startDynamo } from '../../local/dynamo.js';
import { type LocalStream, startLocalStream } from '../../local/dynamo-stream.js';

type Rec = { eventName: string; dynamodb: { Keys: unknown; OldImage?: unknown; NewImage?: unknown } };

let dynamo: LocalDynamo;
let stream: LocalStream;
let client: DynamoDBClient;
let direct: DynamoDBClient;
const records: Rec[] = [];

beforeAll(async () => {
  dynamo = await startDynamo({});
  stream = await startLocalStream({
    target: dynamo.endpoint,
    tableName: dynamo.tableName,
    consumers: [
      {
        filters: [{ pkPrefix: 'CHAT#', sk: 'META' }],
        invoke: async (event) => {
          records.push(...(event as { Records: Rec[] }).Records);
          return {};
        },
        windowMs: 10,
      },
    ],
  });
  const credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  client = new DynamoDBClient({ endpoint: stream.endpoint, region: 'local', credentials });
  direct = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'local', credentials });
});
afterAll(async () => {
  client?.destroy();
  direct?.destroy();
  await stream?.stop();
  await dynamo?.stop();
});
beforeEach(() => {
  records.length = 0;
  stream.requests.clear();
});

const TableName = () => dynamo.tableName;
const key = (id: string) => ({ pk: { S: `CHAT#${id}` }, sk: { S: 'META' } });

describe('the local table stream', () => {
  it('records a put, updates and a delete with exact images, one record per write, in order', async () => {
    const Key = key('a');
    const put = await client.send(
      new PutItemCommand({ TableName: TableName(), Item: { ...Key, seq: { N: '0' }, status: { S: 'queued' } } }),
    );
    // The caller asked for nothing: it gets nothing back, though the proxy asked for ALL_OLD.
    expect(put.Attributes).toBeUndefined();
    const updated = await client.send(
      new UpdateItemCommand({
        TableName: TableName(),
        Key,
        UpdateExpression: 'SET seq = seq + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    expect(updated.Attributes?.seq).toEqual({ N: '1' });
    const silent = await client.send(
      new UpdateItemCommand({
        TableName: TableName(),
        Key,
        UpdateExpression: 'SET #s = :s',
        ExpressionAttributeNames: { '#s': 'status' },
        ExpressionAttributeValues: { ':s': { S: 'active' } },
      }),
    );
    expect(silent.Attributes).toBeUndefined();
    await client.send(new DeleteItemCommand({ TableName: TableName(), Key }));
    await stream.idle();

    expect(records.map((r) => r.eventName)).toEqual(['INSERT', 'MODIFY', 'MODIFY', 'REMOVE']);
    const [insert, bump, activate, remove] = records.map((r) => r.dynamodb);
    expect(insert!.OldImage).toBeUndefined();
    expect(insert!.NewImage).toEqual({ ...Key, seq: { N: '0' }, status: { S: 'queued' } });
    expect(bump!.OldImage).toEqual(insert!.NewImage);
    expect(bump!.NewImage).toEqual({ ...Key, seq: { N: '1' }, status: { S: 'queued' } });
    expect(activate!.OldImage).toEqual(bump!.NewImage);
    expect(activate!.NewImage).toEqual({ ...Key, seq: { N: '1' }, status: { S: 'active' } });
    expect(remove!.OldImage).toEqual(activate!.NewImage);
    expect(remove!.NewImage).toBeUndefined();
    // Four writes from the caller; the proxy's own reads are not counted as requests.
    expect(stream.requests.get('PutItem')).toBe(1);
    expect(stream.requests.get('UpdateItem')).toBe(2);
    expect(stream.requests.get('DeleteItem')).toBe(1);
    expect(stream.requests.get('GetItem')).toBeUndefined();
  });

  it('keeps images exact under concurrent updates to one item (a record per update, seq 1..n)', async () => {
    const Key = key('b');
    await client.send(new PutItemCommand({ TableName: TableName(), Item: { ...Key, seq: { N: '0' } } }));
    await Promise.all(
      Array.from({ length: 20 }, () =>
        client.send(
          new UpdateItemCommand({
            TableName: TableName(),
            Key,
            UpdateExpression: 'SET seq = seq + :one',
            ExpressionAttributeValues: { ':one': { N: '1' } },
            ReturnValues: 'ALL_NEW',
          }),
        ),
      ),
    );
    await stream.idle();
    const modifies = records.filter((r) => r.eventName === 'MODIFY').map((r) => r.dynamodb);
    expect(modifies).toHaveLength(20);
    for (const [i, m] of modifies.entries()) {
      expect(m.OldImage).toEqual({ ...Key, seq: { N: String(i) } });
      expect(m.NewImage).toEqual({ ...Key, seq: { N: String(i + 1) } });
    }
  });

  it('reads the old image first only for an item it has not seen written (written around it)', async () => {
    const Key = key('c');
    await direct.send(new PutItemCommand({ TableName: TableName(), Item: { ...Key, seq: { N: '7' } } }));
    await client.send(
      new UpdateItemCommand({
        TableName: TableName(),
        Key,
        UpdateExpression: 'SET seq = seq + :one',
        ExpressionAttributeValues: { ':one': { N: '1' } },
        ReturnValues: 'ALL_NEW',
      }),
    );
    await stream.idle();
    expect(records).toHaveLength(1);
    expect(records[0]!.dynamodb.OldImage).toEqual({ ...Key, seq: { N: '7' } });
    expect(records[0]!.dynamodb.NewImage).toEqual({ ...Key, seq: { N: '8' } });
  });

  it('makes no record for a refused conditional write, and passes the refusal through', async () => {
    const Key = key('d');
    await expect(
      client.send(
        new UpdateItemCommand({
          TableName: TableName(),
          Key,
          UpdateExpression: 'SET seq = :one',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': { N: '1' } },
          ReturnValues: 'ALL_NEW',
        }),
      ),
    ).rejects.toMatchObject({ name: 'ConditionalCheckFailedException' });
    await stream.idle();
    expect(records).toEqual([]);
    expect((await direct.send(new GetItemCommand({ TableName: TableName(), Key }))).Item).toBeUndefined();
  });

  it('passes writes to items outside the filters through untouched, with no record', async () => {
    const Key = { pk: { S: 'CHAT#e' }, sk: { S: 'MSG#0001' } };
    const out = await client.send(
      new PutItemCommand({ TableName: TableName(), Item: { ...Key, text: { S: 'hi' } }, ReturnValues: 'ALL_OLD' }),
    );
    expect(out.Attributes).toBeUndefined();
    await stream.idle();
    expect(records).toEqual([]);
  });
});
