// A Job's status from its driver's observation alone (drivers/jobs-native.ts observeOne): Healthy
// and Ready unless the last run failed (with its reason), the Job's own phase (Scheduled, Running, …),
// limits and tree containment, last runs, next run, pid and the tail of the last failed run's log. Pure.
import type { ObservedJob } from '../drivers/jobs-native.js';
import type { RunRecord } from '../jobs/history.js';
import { setCondition, type Phase, type ResourceStatus } from '../state/conditions.js';
import { limitsCondition } from '../supervisor/limits-status.js';
import { treeCondition } from '../supervisor/tree-status.js';

function runSummary(r: RunRecord) {
  return {
    id: r.id,
    outcome: r.outcome,
    startedAt: new Date(r.startedAt).toISOString(),
    ...(r.endedAt ? { endedAt: new Date(r.endedAt).toISOString() } : {}),
    ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    ...(r.reason ? { reason: r.reason } : {}),
  };
}

/** A Job not observed (the runner does not hold it yet) is not Ready: nothing proves it can run. */
function notObserved(current: ResourceStatus, now: number): ResourceStatus {
  const message = 'not handed to the job runner yet';
  let next = setCondition(
    current,
    { type: 'Healthy', status: 'Unknown', reason: 'NotObserved', message },
    now,
  );
  next = setCondition(next, { type: 'Ready', status: 'False', reason: 'NotObserved', message }, now);
  return next;
}

export function jobStatus(
  current: ResourceStatus,
  seen: ObservedJob | undefined,
  now: number,
): ResourceStatus {
  if (!seen) return notObserved(current, now);
  const { view, limits, tree, triggerTokenFile } = seen.job;
  const failed = view.phase === 'Failed';
  const message = view.lastRun
    ? `last run ${view.lastRun.id} ${view.lastRun.outcome}: ${view.lastRun.message ?? ''}`
    : 'no run yet';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: failed ? 'False' : 'True',
      reason: failed ? (view.lastRun?.reason ?? 'RunFailed') : 'RunsOk',
      message,
    },
    now,
  );
  const applied = next.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: applied && !failed ? 'True' : 'False',
      reason: failed ? (view.lastRun?.reason ?? 'RunFailed') : view.phase,
      message,
    },
    now,
  );
  next = limitsCondition(next, limits, now);
  next = treeCondition(next, tree, now);
  const health = {
    phase: view.phase,
    running: view.running,
    ...(view.lastRun ? { lastRun: runSummary(view.lastRun) } : {}),
    ...(view.lastSuccessfulRun ? { lastSuccessfulRun: runSummary(view.lastSuccessfulRun) } : {}),
    ...(view.nextRun ? { nextRun: view.nextRun } : {}),
    ...(view.pid ? { pid: view.pid } : {}),
    ...(view.lastFailedLogTail !== undefined ? { lastFailedLogTail: view.lastFailedLogTail } : {}),
    recentRuns: view.recent.map(runSummary),
  };
  const outputs: Record<string, string | number> = { ...current.outputs };
  delete outputs.pid;
  delete outputs.nextRun;
  delete outputs.triggerTokenFile;
  if (view.pid) outputs.pid = view.pid;
  if (view.nextRun) outputs.nextRun = view.nextRun;
  if (triggerTokenFile) outputs.triggerTokenFile = triggerTokenFile;
  // A Job's phase is the Job's own (Scheduled, Running, …) once its spec is applied.
  const phase: Phase = applied && next.phase !== 'Deleting' ? view.phase : next.phase;
  return { ...next, phase, health, outputs };
}
