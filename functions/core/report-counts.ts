/**
 * The report counters (pages, entry and exit pages, visitors, visits and page views per day), kept
 * by the stream's second, slower reader (handlers/report-stream.ts, up to a minute of changes per
 * batch): every delta of the batch is summed per counter item and each item written once. Within
 * a minute most exits cancel (a view counts an exit on its page, and the visitor's next view takes
 * it back), so a page view costs about one counter write, not two or three.
 */
import { type ChangeRecord, reportDeltas } from './grid-stream.js';
import type { ReportDelta, Store } from './ports.js';

/** Adds a batch's counts; `batchId` names the batch, so a retry of it adds nothing twice. */
export async function countReports(
  store: Pick<Store, 'addReportCounts'>,
  changes: readonly ChangeRecord[],
  batchId: string,
): Promise<void> {
  const bySite = new Map<string, ReportDelta[]>();
  for (const c of changes) {
    const counted = reportDeltas(c);
    if (counted) bySite.set(counted.siteId, [...(bySite.get(counted.siteId) ?? []), ...counted.deltas]);
  }
  await Promise.all(
    [...bySite].map(([siteId, deltas]) => store.addReportCounts(siteId, deltas, batchId.slice(0, 200))),
  );
}
