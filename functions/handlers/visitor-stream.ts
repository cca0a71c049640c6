/**
 * The table's stream, in batches of up to a second (Lambda event filtering passes only visitor
 * and operator profiles and chat items): the welcomes owed to sockets whose page view came with
 * the connect, coalesced grid updates, the page-view history, hostnames, and what closing sockets
 * entails (core/grid-stream.ts, core/connections.ts). The report counters are the stream's other
 * reader's (report-stream.ts).
 */
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { log } from '../adapters/log.js';
import { createReverseDns } from '../adapters/reverse-dns.js';
import { createOneTimeScheduler } from '../adapters/scheduler.js';
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { processChanges } from '../core/grid-stream.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';
import { changeRecordsOf, retryWholeBatch } from './stream-records.js';

const dns = { lookup: createReverseDns({ timeoutMs: 500 }) };
let scheduler: ReturnType<typeof createOneTimeScheduler> | undefined;

export const handler = observed(
  'visitor-stream',
  async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
    // The operator grace period after a last console closes is a one-time schedule.
    // Tokens: the welcome owed to a socket whose page view came with the connect carries one.
    const deps = await loadDeps({
      tokens: visitorTokens,
      scheduler: () => (scheduler ??= createOneTimeScheduler()),
    });
    const changes = changeRecordsOf(event, Date.now());
    if (changes.length === 0) return { batchItemFailures: [] };
    try {
      await processChanges(deps, changes, dns);
      return { batchItemFailures: [] };
    } catch (err) {
      log.error('stream batch failed', { error: String((err as Error)?.stack ?? err), records: changes.length });
      return retryWholeBatch(event);
    }
  },
);
