// What a Job's triggers ask for at a moment, as pure decisions the runner carries out: which
// schedule due time runs now (on time, or the newest missed one within startingDeadline), and
// which runOnce key is due. See docs/decisions/0024-jobs.md ("Missed runs", "runOnce keys").
import { dueBetween, nextDue } from './cron.js';
import type { JobRuntime } from './job-spec.js';

/** How long a tick may lag its due time and still count as on time (event-loop stalls, a busy box). */
export const ON_TIME_MS = 60_000;

export type ScheduleDecision =
  | { kind: 'none' }
  | { kind: 'run'; trigger: 'schedule' | 'missed'; dueAt: number }
  | { kind: 'skipMissed'; count: number; lateMs: number };

/**
 * The due times in (lastTick, now]: one on time runs; several, or one late by more than a normal
 * tick's lag, were missed while tend was down, and only the newest runs, once, within the deadline.
 */
export function scheduleDecision(job: JobRuntime, lastTick: number, now: number): ScheduleDecision {
  if (!job.schedule) return { kind: 'none' };
  const due = dueBetween(job.schedule, job.timeZone, lastTick, now);
  const latest = due[due.length - 1];
  if (latest === undefined || job.suspend) return { kind: 'none' };
  const late = now - latest;
  if (late <= ON_TIME_MS && due.length === 1) return { kind: 'run', trigger: 'schedule', dueAt: latest };
  const deadline = job.startingDeadlineMs;
  if (deadline === undefined || late <= deadline) return { kind: 'run', trigger: 'missed', dueAt: latest };
  return { kind: 'skipMissed', count: due.length, lateMs: late };
}

/** The runOnce key this Job runs for now (spec:<generation> or revision:<rev>), if any. */
export function runOnceKey(job: JobRuntime, revision: string | undefined): string | undefined {
  if (job.suspend || !job.runOnce) return undefined;
  if (job.runOnce === 'spec') return `spec:${job.generation}`;
  return revision ? `revision:${revision}` : undefined;
}

/** The daemon re-evaluates at least this often, so a changed clock or zone is noticed. */
export const MAX_SLEEP_MS = 60_000;

/** When the daemon should tick next: the earliest next due time of any active schedule. */
export function nextWake(jobs: Iterable<JobRuntime>, now: number): number {
  let wake = now + MAX_SLEEP_MS;
  for (const job of jobs)
    if (job.schedule && !job.suspend) wake = Math.min(wake, nextDue(job.schedule, job.timeZone, now) ?? wake);
  return wake;
}
