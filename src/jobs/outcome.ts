// How a run ended, as its final record: the outcome (tend's reason wins over the exit: replaced,
// timedOut, interrupted), a message people read, and the backoff before a retry when one is due.
import { describeExit } from '../supervisor/proc.js';
import { backoffDelay } from '../supervisor/runtime-spec.js';
import type { RunOutcome, RunRecord } from './history.js';
import type { JobRuntime } from './job-spec.js';

export function finishRecord(
  job: JobRuntime,
  record: RunRecord,
  exit: { exitCode: number | null; signal: string | null; oomKilled?: boolean },
  how: { now: number; endedBy?: 'replaced' | 'timedOut' | 'interrupted'; error?: string; mayRetry: boolean },
): { record: RunRecord; outcome: RunOutcome; delay: number | undefined } {
  const ok = how.error === undefined && !how.endedBy && exit.exitCode === 0;
  const outcome: RunOutcome = ok ? 'succeeded' : (how.endedBy ?? 'failed');
  const exitText = describeExit(exit.exitCode, exit.signal as NodeJS.Signals | null);
  const oom = exit.oomKilled === true && !ok;
  const limit = job.process.limits?.memoryBytes;
  const message =
    how.error ??
    (how.endedBy === 'timedOut'
      ? `timed out after ${job.timeoutMs} ms; ${exitText}`
      : oom
        ? `OOMKilled: the run went past its memory limit (${limit} bytes); ${exitText}`
        : exitText);
  const retry =
    (outcome === 'failed' || outcome === 'timedOut') && record.attempt <= job.retries && how.mayRetry;
  const delay = retry ? backoffDelay(job.backoffInitialMs, job.backoffMaxMs, record.attempt) : undefined;
  return {
    outcome,
    delay,
    record: {
      ...record,
      endedAt: how.now,
      durationMs: how.now - record.startedAt,
      exitCode: exit.exitCode,
      signal: exit.signal,
      outcome,
      message,
      ...(oom ? { reason: 'OOMKilled' as const } : {}),
      ...(delay !== undefined ? { retryDelayMs: delay } : {}),
    },
  };
}
