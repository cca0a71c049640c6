/**
 * DynamoDB stand-in: dynalite in this process (memory, or a folder with --data), the Parley table
 * as the CDK app defines it, and a TTL sweeper (neither dynalite nor DynamoDB deletes on time).
 */
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  type AttributeValue,
  BatchWriteItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DeleteItemCommand,
  DeleteTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';

export interface LocalDynamo {
  endpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

/** The Parley table as the CDK app defines it (lib/data.ts): keys, both indexes, on demand. */
export function tableDefinition(tableName: string): CreateTableCommandInput {
  return {
    TableName: tableName,
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      { AttributeName: 'sk', AttributeType: 'S' },
      { AttributeName: 'gsi1pk', AttributeType: 'S' },
      { AttributeName: 'gsi1sk', AttributeType: 'S' },
      { AttributeName: 'gsi2pk', AttributeType: 'S' },
      { AttributeName: 'gsi2sk', AttributeType: 'S' },
    ],
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: [
      {
        IndexName: 'gsi1',
        KeySchema: [
          { AttributeName: 'gsi1pk', KeyType: 'HASH' },
          { AttributeName: 'gsi1sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      },
      {
        IndexName: 'gsi2',
        KeySchema: [
          { AttributeName: 'gsi2pk', KeyType: 'HASH' },
          { AttributeName: 'gsi2sk', KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'KEYS_ONLY' },
      },
    ],
  };
}

export async function startDynamo(options: {
  dataDir?: string;
  tableName?: string;
  sweepMs?: number;
}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? 'parley';
  // dynalite runs in a child process: its LevelDB work gets the second core, not the handlers'.
  const child = fork(
    join(dirname(fileURLToPath(import.meta.url)), 'dynalite-process.cjs'),
    [JSON.stringify(options.dataDir ? { path: options.dataDir } : {})],
    { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
  );
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m: { port: number }) => resolve(m.port));
    child.once('exit', (code) => reject(new Error(`dynalite exited with code ${code}`)));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const definition = tableDefinition(tableName);
  try {
    await client.send(new CreateTableCommand(definition));
    await tableStatus(client, tableName, 'ACTIVE');
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err; // kept on disk from an earlier run
    await upgradeTable(client, definition);
  }

  // The stand-in for DynamoDB's own TTL process (a background job, not a request path).
  const sweep = async () => {
    const now = Math.floor(Date.now() / 1000);
    let ExclusiveStartKey: Record<string, never> | undefined;
    do {
      const page = await client.send(
        new ScanCommand({
          TableName: tableName,
          FilterExpression: '#ttl < :now',
          ExpressionAttributeNames: { '#ttl': 'ttl' },
          ExpressionAttributeValues: { ':now': { N: String(now) } },
          ProjectionExpression: 'pk, sk',
          ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}),
        }),
      );
      for (const key of page.Items ?? []) {
        await client.send(new DeleteItemCommand({ TableName: tableName, Key: { pk: key.pk!, sk: key.sk! } }));
      }
      ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
    } while (ExclusiveStartKey);
  };
  const timer = setInterval(() => void sweep().catch(() => undefined), options.sweepMs ?? 60_000);
  timer.unref();

  return {
    endpoint,
    tableName,
    async stop() {
      clearInterval(timer);
      client.destroy();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      });
    },
  };
}

/**
 * A table kept on disk (`--data`) from before an index was added: dynalite cannot add an index to
 * a table, so the table is copied out, created again as defined, and its items written back.
 * (A Scan, once, when `npm start` opens an old local table: the local runtime's start-up, never a
 * request path; in AWS, CloudFormation adds an index in place.)
 */
async function upgradeTable(client: DynamoDBClient, definition: CreateTableCommandInput): Promise<void> {
  const TableName = definition.TableName!;
  const { Table } = await client.send(new DescribeTableCommand({ TableName }));
  const have = new Set((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
  if ((definition.GlobalSecondaryIndexes ?? []).every((i) => have.has(i.IndexName))) return;
  const items: Record<string, AttributeValue>[] = [];
  let ExclusiveStartKey: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }));
    items.push(...(page.Items ?? []));
    ExclusiveStartKey = page.LastEvaluatedKey;
  } while (ExclusiveStartKey);
  await client.send(new DeleteTableCommand({ TableName }));
  await tableStatus(client, TableName, undefined);
  await client.send(new CreateTableCommand(definition));
  // dynalite answers CreateTable while the table is still CREATING (for a moment with createTableMs 0).
  await tableStatus(client, TableName, 'ACTIVE');
  for (let i = 0; i < items.length; i += 25) {
    let pending = items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } }));
    while (pending.length) {
      const out = await client.send(new BatchWriteItemCommand({ RequestItems: { [TableName]: pending } }));
      pending = (out.UnprocessedItems?.[TableName] as typeof pending | undefined) ?? [];
    }
  }
  console.log(`local table ${TableName}: added its new indexes, ${items.length} items kept`);
}

/** Waits until the table is in `status` (undefined: gone), for up to 10 seconds. */
async function tableStatus(client: DynamoDBClient, TableName: string, status: string | undefined): Promise<void> {
  for (let i = 0; i < 400; i++) {
    const now = await client.send(new DescribeTableCommand({ TableName })).then(
      (out) => out.Table?.TableStatus,
      (err: Error) => {
        if (err.name === 'ResourceNotFoundException') return undefined;
        throw err;
      },
    );
    if (now === status) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`local table ${TableName} did not become ${status ?? 'deleted'}`);
}
