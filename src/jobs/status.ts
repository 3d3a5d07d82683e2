// A Job's status from its runner and records: the Job phases (Pending, Scheduled, Running, Succeeded,
// Failed, Suspended), last runs, next run, the current pid and the tail of the last failed run's log. Only
// reads; the bridge writes it into the status store.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RunRecord } from './history.js';
import type { JobRunner } from './runner.js';

export type JobPhase = 'Pending' | 'Scheduled' | 'Running' | 'Succeeded' | 'Failed' | 'Suspended';

export interface JobView {
  phase: JobPhase;
  running: number;
  pid?: number;
  lastRun?: RunRecord;
  lastSuccessfulRun?: RunRecord;
  nextRun?: string;
  lastFailedLogTail?: string;
  recent: RunRecord[];
}

/** The last `bytes` of a file, from the first whole line; '' when it cannot be read. */
export function tailOf(path: string, bytes = 2048): string {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const len = Math.min(size, bytes);
    const buf = Buffer.alloc(len);
    readSync(fd, buf, 0, len, size - len);
    const text = buf.toString('utf8');
    return size > len ? text.slice(text.indexOf('\n') + 1) : text;
  } catch {
    return '';
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function jobView(runner: JobRunner, name: string): JobView | undefined {
  const spec = runner.spec(name);
  if (!spec) return undefined;
  const running = runner.running(name);
  const recent = runner.history.list(name);
  const finished = recent.filter((r) => r.outcome !== 'running');
  const lastRun = finished[0];
  const lastSuccessfulRun = finished.find((r) => r.outcome === 'succeeded');
  const lastFailed = finished.find((r) => r.outcome !== 'succeeded');
  const next = runner.nextRun(name);
  const phase: JobPhase =
    running.length > 0
      ? 'Running'
      : spec.suspend
        ? 'Suspended'
        : lastRun && lastRun.outcome !== 'succeeded'
          ? 'Failed'
          : spec.schedule
            ? 'Scheduled'
            : lastRun
              ? 'Succeeded'
              : // Nothing will run it by itself: it waits for a trigger, it is not scheduled.
                'Pending';
  return {
    phase,
    running: running.length,
    ...(running[0]?.pid ? { pid: running[0].pid } : {}),
    ...(lastRun ? { lastRun } : {}),
    ...(lastSuccessfulRun ? { lastSuccessfulRun } : {}),
    ...(next !== undefined ? { nextRun: new Date(next).toISOString() } : {}),
    ...(lastFailed && lastFailed === lastRun ? { lastFailedLogTail: tailOf(lastFailed.log) } : {}),
    recent: recent.slice(0, 10),
  };
}
