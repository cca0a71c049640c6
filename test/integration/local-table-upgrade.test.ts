/**
 * `npm start -- --data DIR` keeps the table on disk. A table written before the visitors index
 * (gsi2) existed is upgraded at start: created again with every index, its items kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { startDynamo, tableDefinition } from '../../local/dynamo.js';

const dir = mkdtempSync(join(tmpdir(), 'parley-upgrade-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clientFor = (endpoint: string) =>
  new DynamoDBClient({ endpoint, region: 'local', credentials: { accessKeyId: 'l', secretAccessKey: 'l' } });

describe('a local table kept on disk from an older version', () => {
  it('gets the indexes it lacks at start, and keeps its items', async () => {
    // An "old" run: the table with gsi1 only, and one item.
    const old = await startDynamo({ dataDir: dir, tableName: 'legacy-probe' });
    const c1 = clientFor(old.endpoint);
    // The table as it was defined before gsi2: today's definition without that index.
    const today = tableDefinition('old');
    await c1.send(
      new CreateTableCommand({
        ...today,
        AttributeDefinitions: today.AttributeDefinitions!.filter((a) => !a.AttributeName!.startsWith('gsi2')),
        GlobalSecondaryIndexes: today.GlobalSecondaryIndexes!.filter((i) => i.IndexName !== 'gsi2'),
      }),
    );
    let before = await c1.send(new DescribeTableCommand({ TableName: 'old' }));
    // (dynalite answers CreateTable while the table is CREATING, for a moment)
    for (let i = 0; before.Table?.TableStatus !== 'ACTIVE' && i < 400; i++) {
      await new Promise((r) => setTimeout(r, 25));
      before = await c1.send(new DescribeTableCommand({ TableName: 'old' }));
    }
    expect((before.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName)).toEqual(['gsi1']);
    await c1.send(
      new PutItemCommand({ TableName: 'old', Item: { pk: { S: 'VIS#v1' }, sk: { S: 'PROFILE' }, url: { S: 'u' } } }),
    );
    c1.destroy();
    await old.stop();

    const upgraded = await startDynamo({ dataDir: dir, tableName: 'old' });
    const c2 = clientFor(upgraded.endpoint);
    try {
      const { Table } = await c2.send(new DescribeTableCommand({ TableName: 'old' }));
      expect((Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName).sort()).toEqual(['gsi1', 'gsi2']);
      const kept = await c2.send(
        new GetItemCommand({ TableName: 'old', Key: { pk: { S: 'VIS#v1' }, sk: { S: 'PROFILE' } } }),
      );
      expect(kept.Item?.url).toEqual({ S: 'u' });
    } finally {
      c2.destroy();
      await upgraded.stop();
    }
  }, 30_000);
});
