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
  /** A chat lasts this long (the visitor's socket while chatting; operators are online anyway). */
  chatMinutes: 10,
  /** Every invocation writes about this much to CloudWatch Logs (platform lines + one JSON line). */
  logBytesPerInvocation: 600,
  /** A page load fetches the loader from CloudFront (revalidated; not always a cache hit in the browser). */
  loaderFetchesPerPageView: 1,
  /** DynamoDB reads are strongly consistent items under 4 KB (1 RRU); queries read under 4 KB (1 RRU). */
  readUnitsPerRead: 1,
};
