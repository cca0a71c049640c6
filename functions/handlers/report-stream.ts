/**
 * The table's stream, second reader: visitor profiles in batches of up to a minute, turned into
 * the report counters (core/report-counts.ts). Only the store: no posts, no schedules.
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { tableName } from '../adapters/config.js';
import { documentClient } from '../adapters/dynamo-client.js';
import { createDynamoStore } from '../adapters/dynamo-store.js';
import { log } from '../adapters/log.js';
import { countReports } from '../core/report-counts.js';
import { observed } from './middleware.js';
import { batchIdOf, changeRecordsOf, retryWholeBatch } from './stream-records.js';

let store: ReturnType<typeof createDynamoStore> | undefined;
const clock = { now: () => Date.now() };

export const handler = observed(
  'report-stream',
  async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
    store ??= createDynamoStore(documentClient(), tableName(), clock);
    const changes = changeRecordsOf(event, clock.now());
    if (changes.length === 0) return { batchItemFailures: [] };
    try {
      await countReports(store, changes, batchIdOf(event));
      return { batchItemFailures: [] };
    } catch (err) {
      log.error('report batch failed', { error: String((err as Error)?.stack ?? err), records: changes.length });
      return retryWholeBatch(event);
    }
  },
);
