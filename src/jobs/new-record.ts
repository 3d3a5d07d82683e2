// A run's first record: its id (start time to the second, then the Job's run counter, so ids sort
// and never repeat), what started it, and where its log goes; written before the process starts.
import type { JobHistory, RunRecord, RunTrigger } from './history.js';
import type { JobRuntime } from './job-spec.js';

export function newRunRecord(
  history: JobHistory,
  job: JobRuntime,
  trigger: RunTrigger,
  extra: {
    startedAt: number;
    revision?: string | undefined;
    dueAt?: number;
    attempt?: number;
    retryOf?: string;
  },
): RunRecord {
  const seq = history.readState(job.name).seq + 1;
  history.writeState(job.name, { ...history.readState(job.name), seq });
  const stamp = new Date(extra.startedAt)
    .toISOString()
    .replace(/[-:.TZ]/g, '')
    .slice(0, 14);
  const id = `${stamp}-${seq}`;
  const record: RunRecord = {
    id,
    job: job.name,
    trigger,
    attempt: extra.attempt ?? 1,
    ...(extra.retryOf ? { retryOf: extra.retryOf } : {}),
    ...(extra.dueAt !== undefined ? { dueAt: extra.dueAt } : {}),
    startedAt: extra.startedAt,
    outcome: 'running',
    ...(extra.revision ? { revision: extra.revision } : {}),
    generation: job.generation,
    log: history.logPath(job.name, id),
  };
  history.write(record);
  return record;
}
