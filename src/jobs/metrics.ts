// The Jobs' series on tend's /metrics registry: finished runs and their durations are recorded as
// each run ends (so the counter and histogram only grow); the last success and the runs in progress
// are gauges read at scrape time. Labels are Job names and outcomes only.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobRunner } from './runner.js';

/** Seconds: from a quick cron task to a long migration. */
const RUN_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

export function registerJobMetrics(registry: Registry, runner: JobRunner): void {
  const registers = [registry];
  const runs = new Counter({
    name: 'tend_job_runs_total',
    help: 'Finished Job runs by outcome since tend started.',
    labelNames: ['job', 'outcome'],
    registers,
  });
  const duration = new Histogram({
    name: 'tend_job_run_duration_seconds',
    help: 'Duration of finished Job runs in seconds.',
    labelNames: ['job'],
    buckets: RUN_BUCKETS,
    registers,
  });
  runner.on('finished', (job: string, outcome: string, seconds: number) => {
    runs.inc({ job, outcome });
    if (Number.isFinite(seconds) && seconds >= 0) duration.observe({ job }, seconds);
  });
  new Gauge({
    name: 'tend_job_last_success_timestamp_seconds',
    help: 'When each Job last succeeded (unix seconds), from its run records, so it survives a restart.',
    labelNames: ['job'],
    registers,
    collect() {
      this.reset();
      for (const job of runner.names()) {
        const success = runner.history.list(job).find((r) => r.outcome === 'succeeded');
        if (success?.endedAt !== undefined) this.set({ job }, Math.floor(success.endedAt / 1000));
      }
    },
  });
  new Gauge({
    name: 'tend_job_running',
    help: 'Runs of each Job in progress.',
    labelNames: ['job'],
    registers,
    collect() {
      this.reset();
      for (const job of runner.names()) this.set({ job }, runner.running(job).length);
    },
  });
}
