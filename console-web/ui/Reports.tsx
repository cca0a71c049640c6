/**
 * Reports: most visited pages, entry and exit pages, visitors per day over a date range
 * (GET /api/reports), as tables and simple inline-SVG bar charts.
 */
import { useEffect, useState } from 'preact/hooks';
import type { SiteReport } from '../../functions/protocol/events.js';
import type { Api } from '../api.js';
import { dayLabel, num, shortUrl } from '../format.js';

type Day = SiteReport['days'][number];
type Metric = 'visitors' | 'visits' | 'pageViews';
const METRIC_LABEL: Record<Metric, string> = { visitors: 'Visitors', visits: 'Visits', pageViews: 'Page views' };
const PRESETS = [7, 30, 90] as const;
const DAY_MS = 86_400_000;

/** The last `days` days, today included. Days are UTC days, as the server counts them. */
export function presetRange(days: number, today = Date.now()): { from: string; to: string } {
  const utc = (t: number) => new Date(t).toISOString().slice(0, 10);
  return { from: utc(today - (days - 1) * DAY_MS), to: utc(today) };
}

/** Every day of the range, with zeros where the report has none (at most 400 days). */
export function fillDays(from: string, to: string, days: readonly Day[]): Day[] {
  const byDay = new Map(days.map((d) => [d.day, d]));
  const start = Date.parse(`${from}T00:00:00Z`);
  const end = Date.parse(`${to}T00:00:00Z`);
  if (!Number.isFinite(start) || !Number.isFinite(end) || end < start) return [...days];
  const out: Day[] = [];
  for (let t = start; t <= end && out.length < 400; t += DAY_MS) {
    const day = new Date(t).toISOString().slice(0, 10);
    out.push(byDay.get(day) ?? { day, visitors: 0, visits: 0, pageViews: 0 });
  }
  return out;
}

function niceMax(n: number): number {
  if (n <= 4) return 4;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

function DayChart({ days, metric }: { days: Day[]; metric: Metric }) {
  // Drawn at about the size it is shown at (the page is ~1100px wide), so text stays ~11px.
  const W = 1120;
  const H = 230;
  const left = 44;
  const bottom = 26;
  const top = 22;
  const max = niceMax(Math.max(0, ...days.map((d) => d[metric])));
  const plotW = W - left - 8;
  const plotH = H - top - bottom;
  const slot = plotW / Math.max(1, days.length);
  const barW = Math.max(2, Math.min(38, slot * 0.64));
  const every = Math.ceil(days.length / 12);
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => Math.round(max * f));
  return (
    <svg
      class="chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`${METRIC_LABEL[metric]} per day`}
      data-testid="report-chart"
    >
      {ticks.map((t) => {
        const y = top + plotH - (t / max) * plotH;
        return (
          <g key={t}>
            <line x1={left} x2={W - 8} y1={y} y2={y} class="chart-grid" />
            <text x={left - 8} y={y + 4} class="chart-y">
              {num(t)}
            </text>
          </g>
        );
      })}
      {days.map((d, i) => {
        const value = d[metric];
        const h = max ? (value / max) * plotH : 0;
        const x = left + i * slot + (slot - barW) / 2;
        return (
          <g key={d.day}>
            <rect
              x={x}
              y={top + plotH - h}
              width={barW}
              height={Math.max(h, value > 0 ? 2 : 0)}
              rx={Math.min(4, barW / 3)}
              class="chart-bar"
            >
              <title>{`${dayLabel(d.day)}: ${num(value)} ${METRIC_LABEL[metric].toLowerCase()}`}</title>
            </rect>
            {days.length <= 16 && value > 0 && (
              <text x={x + barW / 2} y={top + plotH - h - 6} class="chart-v">
                {num(value)}
              </text>
            )}
            {i % every === 0 && (
              <text x={left + i * slot + slot / 2} y={H - 8} class="chart-x">
                {dayLabel(d.day, false)}
              </text>
            )}
          </g>
        );
      })}
    </svg>
  );
}

function TopPages({
  title,
  rows,
  unit,
  testid,
}: {
  title: string;
  rows: { url: string; n: number }[];
  unit: string;
  testid: string;
}) {
  const [all, setAll] = useState(false);
  const max = Math.max(1, ...rows.map((r) => r.n));
  const shown = all ? rows : rows.slice(0, 8);
  return (
    <section class="card" data-testid={testid}>
      <div class="card-head">
        <h3>{title}</h3>
        <span class="muted">{unit}</span>
      </div>
      {rows.length === 0 ? (
        <p class="empty">No data in this range.</p>
      ) : (
        <table class="rtable">
          <tbody>
            {shown.map((r, i) => (
              <tr key={r.url}>
                <td class="rt-rank mono">{i + 1}</td>
                <td class="rt-url">
                  <span class="rt-bar" style={{ width: `${(r.n / max) * 100}%` }} aria-hidden="true" />
                  <span class="rt-text" title={r.url}>
                    {shortUrl(r.url)}
                  </span>
                </td>
                <td class="rt-n mono">{num(r.n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rows.length > 8 && (
        <button type="button" class="link-btn" onClick={() => setAll(!all)}>
          {all ? 'Show top 8' : `Show all ${rows.length}`}
        </button>
      )}
    </section>
  );
}

export function Reports({ api }: { api: Api }) {
  const [range, setRange] = useState(() => presetRange(7));
  const [report, setReport] = useState<SiteReport | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(false);
  const [metric, setMetric] = useState<Metric>('visitors');
  const [reload, setReload] = useState(0);

  useEffect(() => {
    if (!range.from || !range.to || range.from > range.to) {
      setError('Choose a start date on or before the end date.');
      return;
    }
    let live = true;
    setLoading(true);
    setError(undefined);
    api.report(range.from, range.to).then(
      (r) => {
        if (!live) return;
        setReport(r);
        setLoading(false);
      },
      (err) => {
        if (!live) return;
        setError(err instanceof Error ? err.message : String(err));
        setLoading(false);
      },
    );
    return () => {
      live = false;
    };
  }, [api, range.from, range.to, reload]);

  const days = report ? fillDays(report.from, report.to, report.days) : [];
  const total = (k: Metric) => days.reduce((a, d) => a + d[k], 0);
  const preset = PRESETS.find((n) => {
    const p = presetRange(n);
    return p.from === range.from && p.to === range.to;
  });

  return (
    <div class="page reports" data-testid="reports">
      <div class="page-head">
        <div>
          <h1>Reports</h1>
          <p class="muted">
            Where visitors land, what they read and where they leave. Today’s figures catch up about once a minute.
          </p>
        </div>
        <div class="spacer" />
        <fieldset class="seg">
          <legend class="sr-only">Date range</legend>
          {PRESETS.map((n) => (
            <button
              type="button"
              key={n}
              class={preset === n ? 'on' : ''}
              aria-pressed={preset === n}
              onClick={() => setRange(presetRange(n))}
            >
              {n} days
            </button>
          ))}
        </fieldset>
        <label class="date">
          <span class="sr-only">From</span>
          <input
            type="date"
            data-testid="report-from"
            value={range.from}
            max={range.to}
            onChange={(e) => setRange({ ...range, from: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <span class="muted">–</span>
        <label class="date">
          <span class="sr-only">To</span>
          <input
            type="date"
            data-testid="report-to"
            value={range.to}
            min={range.from}
            onChange={(e) => setRange({ ...range, to: (e.currentTarget as HTMLInputElement).value })}
          />
        </label>
        <button type="button" class="btn btn-ghost" onClick={() => setReload((n) => n + 1)} disabled={loading}>
          {loading ? 'Loading…' : 'Refresh'}
        </button>
      </div>

      {error && (
        <p class="form-error" role="alert">
          {error}
        </p>
      )}

      {report && (
        <div class={loading ? 'report-body loading' : 'report-body'}>
          <div class="stats">
            {(['visitors', 'visits', 'pageViews'] as const).map((k) => (
              <button
                type="button"
                key={k}
                class={metric === k ? 'stat on' : 'stat'}
                aria-pressed={metric === k}
                onClick={() => setMetric(k)}
                data-testid={`stat-${k}`}
              >
                <span class="stat-label">{METRIC_LABEL[k]}</span>
                <span class="stat-value">{num(total(k))}</span>
              </button>
            ))}
            <div class="stat">
              <span class="stat-label">Pages per visit</span>
              <span class="stat-value">
                {total('visits') ? (total('pageViews') / total('visits')).toFixed(1) : '—'}
              </span>
            </div>
          </div>

          <section class="card">
            <div class="card-head">
              <h3>{METRIC_LABEL[metric]} per day</h3>
              <span class="muted">
                {dayLabel(report.from, false)} – {dayLabel(report.to, false)} · UTC days
              </span>
            </div>
            <DayChart days={days} metric={metric} />
          </section>

          <div class="cards-3">
            <TopPages
              title="Most visited pages"
              unit="views"
              testid="report-pages"
              rows={report.pages.map((p) => ({ url: p.url, n: p.views }))}
            />
            <TopPages
              title="Entry pages"
              unit="visits"
              testid="report-entry"
              rows={report.entryPages.map((p) => ({ url: p.url, n: p.visits }))}
            />
            <TopPages
              title="Exit pages"
              unit="visits"
              testid="report-exit"
              rows={report.exitPages.map((p) => ({ url: p.url, n: p.visits }))}
            />
          </div>

          <section class="card" data-testid="report-days">
            <div class="card-head">
              <h3>Visitors per day</h3>
            </div>
            <table class="rtable rtable-days">
              <thead>
                <tr>
                  <th>Day</th>
                  <th class="num">Visitors</th>
                  <th class="num">Visits</th>
                  <th class="num">Page views</th>
                </tr>
              </thead>
              <tbody>
                {[...days].reverse().map((d) => (
                  <tr key={d.day}>
                    <td>{dayLabel(d.day)}</td>
                    <td class="num mono">{num(d.visitors)}</td>
                    <td class="num mono">{num(d.visits)}</td>
                    <td class="num mono">{num(d.pageViews)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
        </div>
      )}
    </div>
  );
}
