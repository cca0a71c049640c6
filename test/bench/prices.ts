/**
 * The AWS prices the benchmark turns counted calls into dollars with: US East (N. Virginia),
 * on-demand list prices, no free tier, no savings plans. Each with where it comes from and when it
 * was read; check them against the pages before quoting a figure for another region.
 */
export interface Price {
  /** Dollars per `per` units. */
  usd: number;
  per: number;
  unit: string;
  source: string;
}

const READ = '2026-11 (list prices as published since the last change noted)';

export const PRICES = {
  wsMessage: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'WebSocket messages (sent or received, metered in 32 KB units; first billion a month)',
    source: `https://aws.amazon.com/api-gateway/pricing/ (WebSocket APIs), ${READ}`,
  },
  wsConnectionMinute: {
    usd: 0.25,
    per: 1_000_000,
    unit: 'WebSocket connection minutes',
    source: `https://aws.amazon.com/api-gateway/pricing/ (WebSocket APIs), ${READ}`,
  },
  lambdaRequest: {
    usd: 0.2,
    per: 1_000_000,
    unit: 'Lambda requests',
    source: `https://aws.amazon.com/lambda/pricing/, ${READ}`,
  },
  lambdaGbSecondArm: {
    usd: 0.0000133334,
    per: 1,
    unit: 'Lambda GB-seconds on arm64 (first 7.5 billion a month)',
    source: `https://aws.amazon.com/lambda/pricing/, ${READ}`,
  },
  dynamoWriteUnit: {
    usd: 0.625,
    per: 1_000_000,
    unit: 'DynamoDB on-demand write request units (1 per KB written, standard table class)',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (price cut of 2024-11-01), ${READ}`,
  },
  dynamoReadUnit: {
    usd: 0.125,
    per: 1_000_000,
    unit: 'DynamoDB on-demand read request units (1 per 4 KB strongly consistent read)',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (price cut of 2024-11-01), ${READ}`,
  },
  dynamoStreamRead: {
    usd: 0,
    per: 1_000_000,
    unit: 'DynamoDB Streams reads by a Lambda event source mapping (no charge)',
    source: `https://aws.amazon.com/dynamodb/pricing/on-demand/ (DynamoDB Streams), ${READ}`,
  },
  sesEmail: {
    usd: 0.1,
    per: 1_000,
    unit: 'SES outbound e-mails',
    source: `https://aws.amazon.com/ses/pricing/, ${READ}`,
  },
  schedulerInvocation: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'EventBridge Scheduler invocations (after 14 million free a month)',
    source: `https://aws.amazon.com/eventbridge/pricing/ (Scheduler), ${READ}`,
  },
  eventBusEvent: {
    usd: 1.0,
    per: 1_000_000,
    unit: 'EventBridge custom events published (64 KB units)',
    source: `https://aws.amazon.com/eventbridge/pricing/ (event bus), ${READ}`,
  },
  cloudFrontRequest: {
    usd: 0.01,
    per: 10_000,
    unit: 'CloudFront HTTPS requests (United States, Europe)',
    source: `https://aws.amazon.com/cloudfront/pricing/ (pay as you go), ${READ}`,
  },
  cloudFrontGb: {
    usd: 0.085,
    per: 1,
    unit: 'CloudFront data transfer out, GB (first 10 TB, United States, Europe)',
    source: `https://aws.amazon.com/cloudfront/pricing/ (pay as you go), ${READ}`,
  },
  logsIngestGb: {
    usd: 0.5,
    per: 1,
    unit: 'CloudWatch Logs ingestion, GB (standard class)',
    source: `https://aws.amazon.com/cloudwatch/pricing/ (Logs), ${READ}`,
  },
} as const satisfies Record<string, Price>;

export type PriceKey = keyof typeof PRICES;

/** Dollars for `count` units of a price. */
export function cost(key: PriceKey, count: number): number {
  const p = PRICES[key];
  return (p.usd * count) / p.per;
}

/**
 * Assumptions of the cost scenarios that nothing local can count; each is stated in
 * docs/performance.md beside the figures.
 */
export const ASSUMPTIONS = {
  /** A visitor stays this long on a page (the page's socket stays open for that long). */
  pageDwellMinutes: 1,
  /**
   * How long the cost scenario's benchmark browsers really keep a page open (a second, not the
   * minute priced above, so that the run takes seconds): how many views share a stream batch
   * follows from it, hence the report-counter writes and grid frames per view.
   */
  benchPageDwellMs: 1000,
  /** A chat lasts this long (the visitor's socket while chatting; operators are online anyway). */
  chatMinutes: 10,
  /**
   * A visit (the pages one visitor loads in a row: each benchmark browser is one visit) lasts at
   * most this long, the usual analytics session timeout. The browser keeps the loader for an hour
   * (lib/hosting.ts, WIDGET_CACHE_CONTROL), longer than a visit, so a visit fetches it once from
   * CloudFront: 1 / pages-per-visit loader requests and transfers per page view. The WebSocket
   * upgrade still passes CloudFront once per page view (it carries the viewer geo headers).
   */
  visitMinutes: 30,
  /** Loader fetches from CloudFront per visit (the first page; the rest hit the browser cache). */
  loaderFetchesPerVisit: 1,
  /**
   * CloudWatch Logs counts 26 bytes per log event on top of its message (PutLogEvents' batch
   * size rule); priced as ingested bytes too, so the log line is an upper bound.
   */
  logEventOverheadBytes: 26,
  // DynamoDB read and write units are not assumed: the benchmark measures them at the local table
  // (local/dynamo-stream.ts: dynalite's ConsumedCapacity, and GSI write units from the images).
};

/**
 * The platform lines Lambda writes per invocation in the JSON log format, by the lowest system log
 * level that sends them (lib/lambda-bundling.ts, LAMBDA_LOGGING, has AWS's rule): the Telemetry API
 * shapes of `platform.start` and `platform.report` with typical values (a UUID request id, a warm
 * invocation; a cold start adds `initDurationMs` to the report and a `platform.initStart` line).
 * At WARN, Parley's level, none of them is sent on a successful invocation.
 */
export const PLATFORM_LINES_JSON = {
  INFO: [
    {
      time: '2026-11-22T15:11:00.000Z',
      type: 'platform.start',
      record: { requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa', version: '$LATEST' },
    },
    {
      time: '2026-11-22T15:11:00.020Z',
      type: 'platform.report',
      record: {
        requestId: '6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
        metrics: { durationMs: 12.34, billedDurationMs: 13, memorySizeMB: 512, maxMemoryUsedMB: 92 },
        status: 'success',
      },
    },
  ],
  WARN: [],
} as const;

/**
 * The same per invocation in the text format at INFO (START, END, REPORT), what every function
 * wrote before it was set to JSON / WARN; for the before/after comparison only.
 */
export const PLATFORM_LINES_TEXT_INFO = [
  'START RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa Version: $LATEST',
  'END RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa',
  'REPORT RequestId: 6d68ca91-49c9-448d-89b8-7ca3e6dc66aa\tDuration: 12.34 ms\tBilled Duration: 13 ms\tMemory Size: 512 MB\tMax Memory Used: 92 MB\t',
] as const;

/** Ingested bytes of one log event: its UTF-8 message plus CloudWatch's per-event overhead. */
export function logEventBytes(message: string): number {
  return Buffer.byteLength(message, 'utf8') + ASSUMPTIONS.logEventOverheadBytes;
}

/** Platform log bytes per invocation at a system log level (DEBUG counted as INFO: a lower bound). */
export function platformLogBytesPerInvocation(systemLogLevel: 'DEBUG' | 'INFO' | 'WARN'): number {
  const lines = PLATFORM_LINES_JSON[systemLogLevel === 'WARN' ? 'WARN' : 'INFO'];
  return lines.reduce((n, line) => n + logEventBytes(JSON.stringify(line)), 0);
}
