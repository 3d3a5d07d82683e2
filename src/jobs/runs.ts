// The runs in progress of every Job: one starts under its Job's concurrency policy, is timed out,
// has its record settled when its process ends, and schedules its retry. The JobRunner decides when
// a run starts; this file owns what happens from then on.
import { redact } from '../supervisor/runtime-spec.js';
import type { JobHistory, RunRecord, RunTrigger } from './history.js';
import type { JobRuntime } from './job-spec.js';
import { newRunRecord } from './new-record.js';
import { finishRecord } from './outcome.js';
import { launchRun } from './run-process.js';
import type { Active, JobClock, JobEvent, JobRunnerOptions } from './runner-types.js';

/** What the runs need of the JobRunner that owns them. */
export interface RunsContext {
  opts: JobRunnerOptions;
  history: JobHistory;
  clock: JobClock;
  /** The desired state's revision a new run is recorded at. */
  revision(): string | undefined;
  /** The Job as applied now: a retry runs only while its generation is the failed run's. */
  current(name: string): JobRuntime | undefined;
  event(job: string, type: JobEvent['type'], reason: string, message: string): void;
  /** The runner's 'change' (job) and 'finished' (job, outcome, seconds) events. */
  emit(event: 'change' | 'finished', ...args: unknown[]): void;
}

export type EndedBy = NonNullable<Active['endedBy']>;

export class JobRuns {
  private readonly active = new Map<string, Map<string, Active>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private stopping = false;

  constructor(private readonly ctx: RunsContext) {}

  /** The Job's runs in progress. */
  of(name: string): Active[] {
    return [...(this.active.get(name)?.values() ?? [])];
  }

  get(name: string, id: string): Active | undefined {
    return this.active.get(name)?.get(id);
  }

  /** Ends every run of the Job from tend's side (the Job was removed). */
  async endAll(name: string, why: EndedBy): Promise<void> {
    await Promise.all(this.of(name).map((a) => this.end(a, why)));
  }

  async start(
    job: JobRuntime,
    trigger: RunTrigger,
    extra: { dueAt?: number; attempt?: number; retryOf?: string },
  ): Promise<Active | undefined> {
    if (this.stopping) return undefined;
    const runs = this.active.get(job.name) ?? new Map<string, Active>();
    this.active.set(job.name, runs);
    if (runs.size > 0 && job.concurrency === 'forbid') {
      this.ctx.event(
        job.name,
        'Normal',
        'RunSkipped',
        `a ${trigger} run was skipped: a run is in progress (concurrency: forbid)`,
      );
      return undefined;
    }
    if (runs.size > 0 && job.concurrency === 'replace')
      await Promise.all([...runs.values()].map((a) => this.end(a, 'replaced')));

    const record = newRunRecord(this.ctx.history, job, trigger, {
      ...extra,
      startedAt: this.ctx.clock.now(),
      revision: this.ctx.revision(),
    });
    const id = record.id;
    let finish: (r: RunRecord) => void = () => {};
    const active: Active = { record, proc: undefined, done: new Promise((r) => (finish = r)) };
    runs.set(id, active);

    const { opts } = this.ctx;
    const hosts = opts.cgroups ? { cgroups: opts.cgroups } : {};
    const proc = await launchRun(opts.host, job, record, opts.runDir, hosts);
    if ('error' in proc) {
      this.settle(
        job,
        active,
        { exitCode: null, signal: null },
        redact(proc.error, job.process.secretValues),
      );
      finish(active.record);
      return active;
    }
    active.proc = proc;
    active.record = { ...record, pid: proc.pid, ...(proc.tree ? { cgroup: proc.tree } : {}) };
    this.ctx.history.write(active.record);
    this.ctx.event(job.name, 'Normal', 'RunStarted', `run ${id} started (${trigger}), pid ${proc.pid}`);
    this.ctx.emit('change', job.name);
    let timer: NodeJS.Timeout | undefined;
    if (job.timeoutMs !== undefined)
      timer = setTimeout(() => void this.end(active, 'timedOut'), job.timeoutMs);
    void proc.exited.then((exit) => {
      if (timer) clearTimeout(timer);
      this.settle(job, active, exit);
      finish(active.record);
    });
    return active;
  }

  /** Ends a run from tend's side; its record says why once the process is gone. */
  private async end(a: Active, why: EndedBy): Promise<void> {
    a.endedBy ??= why;
    await a.proc?.stop(true);
    await a.done;
  }

  private settle(
    job: JobRuntime,
    a: Active,
    exit: { exitCode: number | null; signal: string | null; oomKilled?: boolean },
    error?: string,
  ): void {
    const { record, outcome, delay } = finishRecord(job, a.record, exit, {
      now: this.ctx.clock.now(),
      ...(a.endedBy ? { endedBy: a.endedBy } : {}),
      ...(error !== undefined ? { error } : {}),
      mayRetry: !this.stopping,
    });
    a.record = record;
    const ok = outcome === 'succeeded';
    const history = this.ctx.history;
    history.write(a.record);
    this.ctx.emit('finished', job.name, outcome, (a.record.durationMs ?? 0) / 1000);
    this.active.get(job.name)?.delete(a.record.id);
    history.prune(job.name, job.keepSucceeded, job.keepFailed);
    this.ctx.event(
      job.name,
      ok ? 'Normal' : 'Warning',
      ok ? 'RunSucceeded' : 'RunFailed',
      `run ${a.record.id} ${outcome}: ${a.record.message ?? ''}${delay !== undefined ? `; retrying in ${delay} ms` : ''}`,
    );
    this.ctx.emit('change', job.name);
    if (delay !== undefined) {
      const retryOf = a.record.retryOf ?? a.record.id;
      const attempt = a.record.attempt + 1;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        const current = this.ctx.current(job.name);
        if (current && current.generation === job.generation)
          void this.start(current, 'retry', { attempt, retryOf });
      }, delay);
      this.retryTimers.add(timer);
    }
  }

  /** tend is stopping: no run starts or retries, and every run in progress ends as interrupted. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const all = [...this.active.values()].flatMap((m) => [...m.values()]);
    await Promise.all(all.map((a) => this.end(a, 'interrupted')));
  }
}
