// Run records on disk: <stateDir>/jobs/<job>/runs/<id>.json beside <id>.log, written atomically,
// pruned to history.succeeded / history.failed (with the run's log and its one rotation), and the
// Job's own small state file (the last schedule tick seen and which runOnce keys already ran) so a
// restart neither skips nor repeats.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type RunOutcome = 'running' | 'succeeded' | 'failed' | 'timedOut' | 'replaced' | 'interrupted';
export type RunTrigger = 'schedule' | 'missed' | 'manual' | 'api' | 'runOnce' | 'retry';

export interface RunRecord {
  id: string;
  job: string;
  trigger: RunTrigger;
  /** 1 for the first try, 2 for the first retry, … */
  attempt: number;
  /** The run this one retries, if any. */
  retryOf?: string;
  /** For a schedule: the due time this run is for (ms). */
  dueAt?: number;
  startedAt: number;
  endedAt?: number;
  durationMs?: number;
  exitCode?: number | null;
  signal?: string | null;
  outcome: RunOutcome;
  message?: string;
  /** Why the run failed, when the kernel says more than the exit: its memory limit was hit. */
  reason?: 'OOMKilled';
  revision?: string;
  generation: string;
  pid?: number;
  /** Set when this run failed and a retry was planned: the backoff it waits. */
  retryDelayMs?: number;
  log: string;
}

export interface JobState {
  /** The last moment the schedule was evaluated up to (ms); due times at or before it are handled. */
  lastTick?: number;
  /** runOnce keys (spec:<generation> or revision:<rev>) a run was started for. */
  onceDone: string[];
  /** Monotonic run counter, part of every run id. */
  seq: number;
}

const isFailure = (o: RunOutcome) => o !== 'running' && o !== 'succeeded';

export class JobHistory {
  constructor(private readonly stateDir: string) {}

  dirOf(job: string): string {
    return join(this.stateDir, 'jobs', job);
  }

  runsDir(job: string): string {
    return join(this.dirOf(job), 'runs');
  }

  logPath(job: string, id: string): string {
    return join(this.runsDir(job), `${id}.log`);
  }

  private atomicWrite(path: string, value: unknown): void {
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, path);
  }

  readState(job: string): JobState {
    try {
      const raw = JSON.parse(readFileSync(join(this.dirOf(job), 'state.json'), 'utf8')) as Partial<JobState>;
      return {
        onceDone: raw.onceDone ?? [],
        seq: raw.seq ?? 0,
        ...(raw.lastTick ? { lastTick: raw.lastTick } : {}),
      };
    } catch {
      return { onceDone: [], seq: 0 };
    }
  }

  writeState(job: string, state: JobState): void {
    mkdirSync(this.dirOf(job), { recursive: true, mode: 0o700 });
    // The set of once-keys only needs the recent past: a spec or revision far back never returns.
    this.atomicWrite(join(this.dirOf(job), 'state.json'), { ...state, onceDone: state.onceDone.slice(-50) });
  }

  write(record: RunRecord): void {
    mkdirSync(this.runsDir(record.job), { recursive: true, mode: 0o700 });
    this.atomicWrite(join(this.runsDir(record.job), `${record.id}.json`), record);
  }

  get(job: string, id: string): RunRecord | undefined {
    if (!/^[0-9A-Za-z-]{1,64}$/.test(id)) return undefined;
    try {
      return JSON.parse(readFileSync(join(this.runsDir(job), `${id}.json`), 'utf8')) as RunRecord;
    } catch {
      return undefined;
    }
  }

  /** Every record of a Job, newest first. */
  list(job: string): RunRecord[] {
    let names: string[];
    try {
      names = readdirSync(this.runsDir(job)).filter((n) => n.endsWith('.json'));
    } catch {
      return [];
    }
    const out: RunRecord[] = [];
    for (const n of names) {
      const r = this.get(job, n.slice(0, -'.json'.length));
      if (r) out.push(r);
    }
    return out.sort((a, b) => b.startedAt - a.startedAt || (b.id < a.id ? -1 : 1));
  }

  /** Keeps the newest `succeeded` successful and `failed` failed records (with their logs). */
  prune(job: string, keepSucceeded: number, keepFailed: number): void {
    let ok = 0;
    let bad = 0;
    for (const r of this.list(job)) {
      if (r.outcome === 'running') continue;
      const keep = isFailure(r.outcome) ? bad++ < keepFailed : ok++ < keepSucceeded;
      if (keep) continue;
      rmSync(join(this.runsDir(job), `${r.id}.json`), { force: true });
      rmSync(this.logPath(job, r.id), { force: true });
      // Its rotation too (job-spec.ts keeps one), or pruning would leave a run's older half behind.
      rmSync(`${this.logPath(job, r.id)}.1`, { force: true });
    }
  }

  /** A Job removed from the desired state takes its records with it. */
  forget(job: string): void {
    rmSync(this.dirOf(job), { recursive: true, force: true });
  }
}
