/** Reads the local table directly, to assert what is (and is not) stored. Test-only: a Scan is fine here. */
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { LocalStack } from '../../local/stack.js';

export async function tableSnapshot(stack: LocalStack): Promise<Record<string, unknown>[]> {
  const client = new DynamoDBClient({
    endpoint: stack.dynamoEndpoint,
    region: 'local',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const items: Record<string, unknown>[] = [];
  let ExclusiveStartKey: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: stack.tableName, ...(ExclusiveStartKey ? { ExclusiveStartKey } : {}) }),
    );
    items.push(...(page.Items ?? []).map((i) => unmarshall(i)));
    ExclusiveStartKey = page.LastEvaluatedKey as typeof ExclusiveStartKey;
  } while (ExclusiveStartKey);
  client.destroy();
  return items.sort((a, b) => `${a.pk}|${a.sk}`.localeCompare(`${b.pk}|${b.sk}`));
}

export async function messagesOf(stack: LocalStack, chatId: string) {
  return (await tableSnapshot(stack)).filter((i) => i.pk === `CHAT#${chatId}` && String(i.sk).startsWith('MSG#'));
}
