// Job specs that load but probably do not do what was meant: warnings, not errors (validate prints
// them with the resource's file:line; the daemon records them as events).
import type { Job } from '../model/index.js';
import { durationMs } from '../model/index.js';
import { shortestIntervalMs } from './cron.js';

export interface JobWarning {
  field: string;
  message: string;
}

export function jobWarnings(job: Job, now = Date.now()): JobWarning[] {
  const s = job.spec;
  const out: JobWarning[] = [];
  if (s.schedule && s.timeout && s.concurrency === 'allow') {
    const interval = shortestIntervalMs(s.schedule, s.timeZone, now);
    const timeout = durationMs(s.timeout);
    if (Number.isFinite(interval) && timeout > interval)
      out.push({
        field: 'spec.timeout',
        message: `timeout ${s.timeout} is longer than the schedule's interval (${Math.round(interval / 1000)} s) with concurrency: allow, so runs can pile up; expected a shorter timeout or concurrency: forbid`,
      });
  }
  return out;
}
