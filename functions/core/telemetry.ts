/**
 * The telemetry port: business metrics (CloudWatch EMF in AWS, functions/adapters/metrics.ts) and
 * the chat a request concerns, as the correlation id of its log lines. The core names what
 * happened; the adapter decides how it is written. Details are small labels (a reason, a kind),
 * never visitor text or e-mail.
 */

export type CountMetric =
  | 'ChatsRequested'
  | 'ChatsAccepted'
  | 'ChatsMissed'
  | 'DeliveryFailures'
  | 'OfflineMessages'
  | 'InvitationsSent'
  | 'InvitationsAccepted';

export type TimingMetric = 'QueueWait' | 'MessageLatency';

export type Detail = Record<string, string | number>;

export interface Telemetry {
  /** One occurrence, per site (`siteId` undefined: a metric without the site dimension). */
  count(name: CountMetric, siteId: string | undefined, detail?: Detail): void;
  /** A duration in milliseconds. */
  timing(name: TimingMetric, ms: number, siteId: string, detail?: Detail): void;
  /** The chat this request is about, from here on in every log line. */
  correlate(fields: { chatId?: string; siteId?: string }): void;
}

const noTelemetry: Telemetry = {
  count() {},
  timing() {},
  correlate() {},
};

/** The deps' telemetry, or one that records nothing (unit tests that do not look at it). */
export function telemetryOf(deps: { telemetry?: Telemetry }): Telemetry {
  return deps.telemetry ?? noTelemetry;
}
