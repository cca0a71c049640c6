/**
 * The table's stream, in batches (Lambda event filtering passes only visitor and operator
 * profiles and chat items): the welcomes owed to sockets whose page view came with the connect,
 * coalesced grid updates, the page-view history and report counters, hostnames, and what closing
 * sockets entails (core/grid-stream.ts, core/connections.ts).
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import { profileFromImage } from '../adapters/dynamo-store.js';
import { log } from '../adapters/log.js';
import { createReverseDns } from '../adapters/reverse-dns.js';
import { createOneTimeScheduler } from '../adapters/scheduler.js';
import { visitorTokens } from '../adapters/visitor-tokens.js';
import { type ChangeRecord, processChanges } from '../core/grid-stream.js';
import { loadDeps } from './deps.js';
import { observed } from './middleware.js';

const dns = { lookup: createReverseDns({ timeoutMs: 500 }) };
let scheduler: ReturnType<typeof createOneTimeScheduler> | undefined;

const image = (i: Record<string, unknown> | undefined) =>
  i ? unmarshall(i as Record<string, AttributeValue>) : undefined;

export const handler = observed(
  'visitor-stream',
  async (event: DynamoDBStreamEvent): Promise<{ batchItemFailures: { itemIdentifier: string }[] }> => {
    // The operator grace period after a last console closes is a one-time schedule.
    // Tokens: the welcome owed to a socket whose page view came with the connect carries one.
    const deps = await loadDeps({
      tokens: visitorTokens,
      scheduler: () => (scheduler ??= createOneTimeScheduler()),
    });
    const now = Date.now();
    // Profiles as the store reads them: open sockets from the `connIds` set.
    const read = (i: Record<string, unknown> | undefined) => {
      const img = image(i);
      return img && img.sk === 'PROFILE' ? profileFromImage<Record<string, unknown>>(img, now) : img;
    };
    const changes: ChangeRecord[] = event.Records.flatMap((r) => {
      const keys = image(r.dynamodb?.Keys as Record<string, unknown> | undefined);
      if (!keys || !r.eventName) return [];
      const newImage = read(r.dynamodb?.NewImage as Record<string, unknown> | undefined);
      const oldImage = read(r.dynamodb?.OldImage as Record<string, unknown> | undefined);
      return [
        {
          eventName: r.eventName,
          pk: String(keys.pk),
          sk: String(keys.sk),
          ...(newImage ? { newImage } : {}),
          ...(oldImage ? { oldImage } : {}),
        },
      ];
    });
    if (changes.length === 0) return { batchItemFailures: [] };
    // A retry of this batch carries the same records, hence the same id: counters are not added twice.
    const first = event.Records[0]?.eventID ?? '';
    const last = event.Records[event.Records.length - 1]?.eventID ?? '';
    try {
      await processChanges(deps, changes, `${first}:${last}`, dns);
      return { batchItemFailures: [] };
    } catch (err) {
      log.error('stream batch failed', { error: String((err as Error)?.stack ?? err), records: changes.length });
      // The whole batch again (bisected by the event source mapping on repeated failure).
      return {
        batchItemFailures: event.Records.slice(0, 1).map((r) => ({ itemIdentifier: r.dynamodb?.SequenceNumber ?? '' })),
      };
    }
  },
);
