// Prometheus text exposition (format 0.0.4) of the controller's metrics snapshot.
import { KINDS } from '../model/index.js';
import { API_PHASES, type DurationMetric, type MetricsSnapshot } from './deps.js';

export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Seconds: from a quick no-op pass to a slow apply with validation gates and reloads. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

/** Label values escape backslash, double quote and newline, as the format requires. */
export function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function formatNumber(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labels(pairs: Record<string, string>): string {
  const parts = Object.entries(pairs).map(([k, v]) => `${k}="${escapeLabelValue(v)}"`);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
}

/** Turns raw samples into cumulative buckets; a ready histogram passes through unchanged. */
export function toHistogram(metric: DurationMetric): {
  buckets: Array<{ le: number; count: number }>;
  sum: number;
  count: number;
} {
  if ('buckets' in metric) return { buckets: [...metric.buckets], sum: metric.sum, count: metric.count };
  const samples = metric.samples.filter((s) => Number.isFinite(s));
  return {
    buckets: DURATION_BUCKETS.map((le) => ({ le, count: samples.filter((s) => s <= le).length })),
    sum: samples.reduce((a, b) => a + b, 0),
    count: samples.length,
  };
}

class Exposition {
  private readonly lines: string[] = [];

  family(name: string, type: 'counter' | 'gauge' | 'histogram', help: string): this {
    this.lines.push(`# HELP ${name} ${help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
    this.lines.push(`# TYPE ${name} ${type}`);
    return this;
  }

  sample(name: string, value: number, pairs: Record<string, string> = {}): this {
    this.lines.push(`${name}${labels(pairs)} ${formatNumber(value)}`);
    return this;
  }

  toString(): string {
    return `${this.lines.join('\n')}\n`;
  }
}

export function formatMetrics(snapshot: MetricsSnapshot): string {
  const out = new Exposition();
  const histogram = toHistogram(snapshot.reconcileDurationSeconds);
  out.family('tend_reconcile_duration_seconds', 'histogram', 'Duration of reconcile passes in seconds.');
  for (const { le, count } of histogram.buckets) {
    out.sample('tend_reconcile_duration_seconds_bucket', count, { le: formatNumber(le) });
  }
  out.sample('tend_reconcile_duration_seconds_bucket', histogram.count, { le: '+Inf' });
  out.sample('tend_reconcile_duration_seconds_sum', histogram.sum);
  out.sample('tend_reconcile_duration_seconds_count', histogram.count);

  out.family('tend_queue_depth', 'gauge', 'Resources waiting in the work queue.');
  out.sample('tend_queue_depth', snapshot.queueDepth);

  // Every kind and phase is present, zeros included, so that a phase emptying out reads 0, not "absent".
  const byPhase = new Map<string, number>();
  for (const kind of KINDS) for (const phase of API_PHASES) byPhase.set(`${kind}\u0000${phase}`, 0);
  for (const row of snapshot.resourcesByPhase) {
    const id = `${row.kind}\u0000${row.phase}`;
    byPhase.set(id, (byPhase.get(id) ?? 0) + row.count);
  }
  out.family('tend_resources', 'gauge', 'Resources by kind and phase.');
  for (const [id, count] of byPhase) {
    const [kind = '', phase = ''] = id.split('\u0000');
    out.sample('tend_resources', count, { kind, phase });
  }

  out.family('tend_program_restarts_total', 'counter', 'Restarts of supervised programs.');
  for (const [program, count] of Object.entries(snapshot.programRestarts).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    out.sample('tend_program_restarts_total', count, { program });
  }

  out.family('tend_probe_results_total', 'counter', 'Health probe results by resource and outcome.');
  for (const row of snapshot.probeResults) {
    out.sample('tend_probe_results_total', row.count, { resource: row.resource, result: row.result });
  }
  // Only where a Jobs runtime exists (the daemon); families stay typed even with no Jobs.
  if (snapshot.jobs) formatJobMetrics(out, snapshot.jobs);
  return out.toString();
}

function formatJobMetrics(out: Exposition, jobs: MetricsSnapshot['jobs'] & object): void {
  const sorted = [...jobs].sort((a, b) => a.job.localeCompare(b.job));
  out.family('tend_job_runs_total', 'counter', 'Finished Job runs by outcome since tend started.');
  for (const j of sorted)
    for (const [outcome, count] of Object.entries(j.runsByOutcome).sort(([a], [b]) => a.localeCompare(b)))
      out.sample('tend_job_runs_total', count, { job: j.job, outcome });
  out.family('tend_job_run_duration_seconds', 'histogram', 'Duration of finished Job runs in seconds.');
  for (const j of sorted) {
    const h = toHistogram({ samples: j.durationSeconds });
    for (const { le, count } of h.buckets)
      out.sample('tend_job_run_duration_seconds_bucket', count, { job: j.job, le: formatNumber(le) });
    out.sample('tend_job_run_duration_seconds_bucket', h.count, { job: j.job, le: '+Inf' });
    out.sample('tend_job_run_duration_seconds_sum', h.sum, { job: j.job });
    out.sample('tend_job_run_duration_seconds_count', h.count, { job: j.job });
  }
  out.family('tend_job_last_success_timestamp_seconds', 'gauge', 'When a Job last succeeded (unix seconds).');
  for (const j of sorted)
    if (j.lastSuccessSeconds !== undefined)
      out.sample('tend_job_last_success_timestamp_seconds', j.lastSuccessSeconds, { job: j.job });
  out.family('tend_job_running', 'gauge', 'Job runs in progress.');
  for (const j of sorted) out.sample('tend_job_running', j.running, { job: j.job });
}
