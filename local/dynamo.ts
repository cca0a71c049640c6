/**
 * DynamoDB stand-in: dynalite in this process (memory, or a folder with --data), the Parley table
 * as the CDK app defines it, and a TTL sweeper (neither dynalite nor DynamoDB deletes on time).
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DeleteItemCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  endpoint: string;
  tableName: string;
  stop(): Promise<void>;
}

export async function startDynamo(options: {
  dataDir?: string;
  tableName?: string;
  sweepMs?: number;
}): Promise<LocalDynamo> {
  const tableName = options.tableName ?? 'parley';
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
    ...(options.dataDir ? { path: options.dataDir } : {}),
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await client.send(
      new CreateTableCommand({
        TableName: tableName,
        BillingMode: 'PAY_PER_REQUEST',
        AttributeDefinitions: [
          { AttributeName: 'pk', AttributeType: 'S' },
          { AttributeName: 'sk', AttributeType: 'S' },
          { AttributeName: 'gsi1pk', AttributeType: 'S' },
          { AttributeName: 'gsi1sk', AttributeType: 'S' },
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
        ],
      }),
    );
  } catch (err) {
    if ((err as Error).name !== 'ResourceInUseException') throw err; // kept on disk from an earlier run
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
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
