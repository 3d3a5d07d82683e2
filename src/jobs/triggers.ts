// The runner's triggers carried out against the Jobs' stored state: schedules counted from when tend
// first saw them, a tick that starts what came due (or reports missed runs past startingDeadline),
// and runOnce keys spent before their run starts. The decisions themselves are pure (due.ts).
import { runOnceKey, scheduleDecision } from './due.js';
import type { JobHistory, RunTrigger } from './history.js';
import type { JobRuntime } from './job-spec.js';
import type { JobEvent } from './runner-types.js';

export interface TriggerHooks {
  start(job: JobRuntime, trigger: RunTrigger, extra: { dueAt?: number }): Promise<unknown>;
  event(job: string, type: JobEvent['type'], reason: string, message: string): void;
}

/**
 * After an apply: a schedule counts from when tend first saw the Job (the next due time runs,
 * history does not), and each runOnce Job whose key is new starts once.
 */
export async function startApplied(
  history: JobHistory,
  jobs: Iterable<JobRuntime>,
  revision: string | undefined,
  now: number,
  hooks: TriggerHooks,
): Promise<void> {
  for (const job of jobs) {
    if (job.schedule && history.readState(job.name).lastTick === undefined)
      history.writeState(job.name, { ...history.readState(job.name), lastTick: now });
    const key = runOnceKey(job, revision);
    if (!key) continue;
    const state = history.readState(job.name);
    if (state.onceDone.includes(key)) continue;
    // The key is spent before the process starts: a run cut short by a crash is never repeated.
    history.writeState(job.name, { ...state, onceDone: [...state.onceDone, key] });
    await hooks.start(job, 'runOnce', {});
  }
}

/**
 * Evaluates every schedule up to `now`: a due time in (lastTick, now] runs once. Due times that
 * are late by more than a normal tick's lag were missed (tend was down): the newest of them runs
 * once if it is within startingDeadline, never once per missed tick.
 */
export async function tickSchedules(
  history: JobHistory,
  jobs: Iterable<JobRuntime>,
  now: number,
  hooks: TriggerHooks,
): Promise<void> {
  for (const job of jobs) {
    if (!job.schedule) continue;
    const state = history.readState(job.name);
    // First sight, or a clock that went back: count from now.
    if (state.lastTick === undefined || state.lastTick > now) {
      history.writeState(job.name, { ...state, lastTick: now });
      continue;
    }
    const d = scheduleDecision(job, state.lastTick, now);
    // Nothing came due: the stored lastTick still covers (lastTick, now], so an idle tick writes nothing.
    if (d.kind === 'none' && !job.suspend) continue;
    history.writeState(job.name, { ...state, lastTick: now });
    if (d.kind === 'run') await hooks.start(job, d.trigger, { dueAt: d.dueAt });
    else if (d.kind === 'skipMissed')
      hooks.event(
        job.name,
        'Warning',
        'MissedRunSkipped',
        `${d.count} run(s) missed while tend was down; the newest was due ${Math.round(d.lateMs / 1000)} s ago, past startingDeadline`,
      );
  }
}
