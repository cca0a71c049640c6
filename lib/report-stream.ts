import { Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import {
  REPORT_STREAM_BATCH_SIZE,
  REPORT_STREAM_ENTRY,
  REPORT_STREAM_KEY_FILTERS,
  REPORT_STREAM_WINDOW_S,
} from '../functions/handlers/routes.js';
import type { ParleyData } from './data.js';
import { grantTable, ParleyFunction } from './function.js';
import { streamFilters } from './visitor-stream.js';

export interface ReportStreamProps {
  /** The table whose stream feeds the function (it must have one). */
  readonly data: ParleyData;
  /** Folder of the handler files. @default functions/handlers */
  readonly handlersDir?: string;
}

/**
 * The table's stream, second reader → the `report-stream` function: visitor profiles only, in
 * batches gathered for up to a minute, summed into the report counters. DynamoDB Streams serves
 * two readers per shard without throttling; this one and VisitorStream are those two, so a third
 * (a global table replica, another mapping) would need Kinesis Data Streams instead. Retries like
 * VisitorStream's; the batch id in each counter write keeps a retried batch from adding twice.
 */
export class ReportStream extends Construct {
  readonly handler: ParleyFunction;
  readonly eventSource: DynamoEventSource;

  constructor(scope: Construct, id: string, props: ReportStreamProps) {
    super(scope, id);
    this.handler = new ParleyFunction(this, 'Handler', {
      entry: REPORT_STREAM_ENTRY,
      handlersDir: props.handlersDir,
      description: 'Parley table stream: report counters (pages, entries, exits, visitors per day)',
      memorySize: 256,
      timeout: Duration.seconds(60),
    });
    // Counter items are written with UpdateItem (ADD) only.
    grantTable(this.handler, props.data, 'readupdate');

    this.eventSource = new DynamoEventSource(props.data.table, {
      startingPosition: lambda.StartingPosition.LATEST,
      batchSize: REPORT_STREAM_BATCH_SIZE,
      maxBatchingWindow: Duration.seconds(REPORT_STREAM_WINDOW_S),
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      retryAttempts: 3,
      parallelizationFactor: 1,
      filters: streamFilters(REPORT_STREAM_KEY_FILTERS),
    });
    this.handler.fn.addEventSource(this.eventSource);
  }
}
