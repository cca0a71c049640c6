import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { STREAM_ENTRY, STREAM_KEY_FILTERS } from '../functions/handlers/routes.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction } from './function.js';
import type { RealtimeApi } from './realtime-api.js';

/** One rule of STREAM_KEY_FILTERS: a `pk` prefix and an exact `sk` or an `sk` prefix. */
export type StreamKeyFilter = (typeof STREAM_KEY_FILTERS)[number];

export interface VisitorStreamProps {
  /** The table whose stream feeds the function (it must have one). */
  readonly data: ParleyData;
  /** The WebSocket API the function posts coalesced grid updates to. */
  readonly realtime: RealtimeApi;
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
  /** Which items reach the function. @default STREAM_KEY_FILTERS from functions/handlers/routes.ts */
  readonly keyFilters?: readonly StreamKeyFilter[];
  /** Most records per invocation. @default 500 */
  readonly batchSize?: number;
  /** How long Lambda gathers records before invoking: the coalescing interval. @default 1 second */
  readonly maxBatchingWindow?: Duration;
  /** @default 30 seconds (a full batch may wait on reverse DNS and many posts) */
  readonly timeout?: Duration;
}

/**
 * Lambda event filters from the key rules: one filter per rule, matching `dynamodb.Keys.pk.S` by
 * prefix and `dynamodb.Keys.sk.S` exactly or by prefix. A record passes when any filter matches;
 * everything else (connections, tickets, messages, settings) never invokes the function.
 */
export function streamFilters(keyFilters: readonly StreamKeyFilter[]): Record<string, unknown>[] {
  return keyFilters.map((rule) => {
    const sk =
      rule.sk !== undefined
        ? { sk: { S: lambda.FilterRule.isEqual(rule.sk) } }
        : rule.skPrefix !== undefined
          ? { sk: { S: lambda.FilterRule.beginsWith(rule.skPrefix) } }
          : {};
    return lambda.FilterCriteria.filter({
      dynamodb: { Keys: { pk: { S: lambda.FilterRule.beginsWith(rule.pkPrefix) }, ...sk } },
    });
  });
}

/**
 * The table's stream → the `visitor-stream` function, in batches of up to 500 records gathered
 * for up to a second (one coalesced update per console per batch). Only one batch per shard at a
 * time (parallelization factor 1) keeps each visitor's changes in order. A failing batch is split
 * in two (bisect) and retried up to 3 times; the function reports the first failed record so
 * later ones are not replayed. The function reads and writes the table (report counters,
 * hostnames) and posts to the WebSocket stage's connections; the event source grants it the
 * stream reads, on this table's stream only.
 */
export class VisitorStream extends Construct {
  /** The stream-processing function. */
  readonly handler: ParleyFunction;
  /** The event source mapping's source. */
  readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: VisitorStreamProps) {
    super(scope, id);
    this.handler = new ParleyFunction(this, 'Handler', {
      entry: STREAM_ENTRY,
      handlersDir: props.handlersDir,
      description: 'Parley table stream: welcomes, live visitor grid updates, page-view history, hostnames',
      memorySize: 256,
      timeout: props.timeout ?? Duration.seconds(30),
      environment: { WS_CALLBACK_URL: props.realtime.callbackUrl },
    });
    grantTable(this.handler, props.data, 'readwrite');
    props.realtime.grantManageConnections(this.handler);

    this.eventSource = new DynamoEventSource(props.data.table, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: props.batchSize ?? 500,
      maxBatchingWindow: props.maxBatchingWindow ?? Duration.seconds(1),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 3,
      parallelizationFactor: 1,
      filters: streamFilters(props.keyFilters ?? STREAM_KEY_FILTERS),
    });
    this.handler.fn.addEventSource(this.eventSource);
  }
}
