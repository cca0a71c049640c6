/**
 * Business metrics in CloudWatch embedded metric format (EMF): a JSON log line whose `_aws` key
 * tells CloudWatch Logs which of its fields are metrics. No client, no API call, no dependency:
 * a few hundred bytes of code instead of a metrics library in every bundle.
 *
 * Within an invocation (functions/handlers/middleware.ts) the metrics are collected and written
 * with the invocation's one summary line, so a request costs one log line, not one per metric.
 * Namespace `Parley`, one dimension `site` (low cardinality: the sites of one deployment);
 * delivery failures carry no dimension (the notifier does not know the site).
 */
import type { CountMetric, Detail, Telemetry, TimingMetric } from '../core/telemetry.js';
import { correlate, currentInvocation, type Invocation, writeLine } from './log.js';

export const METRICS_NAMESPACE = 'Parley';
export const SITE_DIMENSION = 'site';

export type MetricUnit = 'Count' | 'Milliseconds';

export interface MetricValues {
  name: string;
  unit: MetricUnit;
  values: number[];
}

/** One site's metrics: the fields to merge into a JSON line to make it an EMF document. */
export function emfFields(siteId: string | undefined, metrics: MetricValues[], timestamp: number) {
  return {
    _aws: {
      Timestamp: timestamp,
      CloudWatchMetrics: [
        {
          Namespace: METRICS_NAMESPACE,
          Dimensions: [siteId === undefined ? [] : [SITE_DIMENSION]],
          Metrics: metrics.map((m) => ({ Name: m.name, Unit: m.unit })),
        },
      ],
    },
    ...(siteId === undefined ? {} : { [SITE_DIMENSION]: siteId }),
    // One value as a number, several (at most 100 per metric and line) as an array.
    ...Object.fromEntries(metrics.map((m) => [m.name, m.values.length === 1 ? m.values[0] : m.values.slice(0, 100)])),
  };
}

interface Batch {
  siteId: string | undefined;
  metrics: Map<string, MetricValues>;
  details: Detail[];
}

const NO_SITE = '\u0000';
const pending = new WeakMap<Invocation, Map<string, Batch>>();

function record(name: string, unit: MetricUnit, value: number, siteId: string | undefined, detail?: Detail) {
  if (!Number.isFinite(value)) return;
  const inv = currentInvocation();
  const batch: Batch = { siteId, metrics: new Map(), details: [] };
  let target = batch;
  if (inv) {
    const batches = pending.get(inv) ?? new Map<string, Batch>();
    pending.set(inv, batches);
    const key = siteId ?? NO_SITE;
    target = batches.get(key) ?? batch;
    batches.set(key, target);
  }
  const m = target.metrics.get(name) ?? { name, unit, values: [] };
  m.values.push(value);
  target.metrics.set(name, m);
  if (detail) target.details.push({ metric: name, ...detail });
  // Outside an invocation (a script, a unit test): written at once.
  if (!inv) writeBatch(batch, { msg: 'metrics' });
}

function writeBatch(batch: Batch, fields: Record<string, unknown>) {
  writeLine('info', {
    ...fields,
    ...(batch.details.length ? { details: batch.details } : {}),
    ...emfFields(batch.siteId, [...batch.metrics.values()], Date.now()),
  });
}

/**
 * Ends the current invocation: one summary line (`fields`), carrying the metrics of its first
 * site; metrics of other sites (a stream batch) and site-less ones get a line each.
 */
export function flushInvocation(fields: Record<string, unknown>): void {
  const inv = currentInvocation();
  const batches = inv ? [...(pending.get(inv)?.values() ?? [])] : [];
  if (inv) pending.delete(inv);
  const [first, ...rest] = batches;
  if (first) writeBatch(first, fields);
  // A routine success with nothing to report is a DEBUG line (not written in AWS: log bytes are
  // billed per invocation, and Lambda's own metrics count invocations and durations).
  else writeLine(fields.outcome === 'ok' ? 'debug' : 'info', fields);
  for (const b of rest) writeBatch(b, { msg: 'metrics' });
}

/** The Telemetry port over EMF and the log correlation. */
export function createMetrics(): Telemetry {
  return {
    count: (name: CountMetric, siteId, detail) => record(name, 'Count', 1, siteId, detail),
    timing: (name: TimingMetric, ms, siteId, detail) => record(name, 'Milliseconds', Math.max(0, ms), siteId, detail),
    correlate: (fields) => correlate(fields),
  };
}

/** One instance for the adapters that report on their own (the notifier). */
export const metrics = createMetrics();
