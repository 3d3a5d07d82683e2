// The Jobs runtime of `tend serve`: decides when a Job runs (schedule ticks, missed runs within the
// startingDeadline, runOnce keys, manual triggers), applies the concurrency policy, times runs out,
// retries with capped backoff, and writes every run's record. The clock is injected: the daemon
// ticks on real timers, tests call tick() with any moment they like. See docs/decisions/0024-jobs.md.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Job } from '../model/index.js';
import { redact } from '../supervisor/runtime-spec.js';
import { nextDue } from './cron.js';
import { nextWake } from './due.js';
import { startApplied, tickSchedules, type TriggerHooks } from './triggers.js';
import { JobHistory, type RunRecord, type RunTrigger } from './history.js';
import type { Active, JobClock, JobEvent, JobRunnerOptions } from './runner-types.js';
import { jobRuntime, type JobRuntime } from './job-spec.js';
import { finishRecord } from './outcome.js';
import { recoverInterrupted } from './recover.js';
import { launchRun, prepareSpares } from './run-process.js';
import { newRunRecord } from './new-record.js';
import { syncJobTokens, TriggerTokens } from './trigger-token.js';
import { jobWarnings } from './warnings.js';
import { hostCgroups } from '../host/cgroup.js';
import type { TreeFacts } from '../supervisor/tree-status.js';

export type { JobClock, JobEvent, JobRunnerOptions } from './runner-types.js';

export class JobRunner extends EventEmitter {
  readonly history: JobHistory;
  /** Per-Job trigger tokens, beside the run dir (see trigger-token.ts). */
  readonly tokens: TriggerTokens;
  private readonly clock: JobClock;
  private jobs = new Map<string, JobRuntime>();
  /** The Jobs as last applied, so one Job's change can be applied against the rest (applyOne). */
  private resources = new Map<string, Job>();
  private readonly active = new Map<string, Map<string, Active>>();
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private tickTimer: NodeJS.Timeout | undefined;
  private stopping = false;
  private revision: string | undefined;
  /** Jobs whose trigger token could not be written at the last apply: a driver tries them again. */
  private readonly tokenFailed = new Set<string>();

  constructor(private readonly opts: JobRunnerOptions) {
    super();
    this.history = new JobHistory(opts.stateDir);
    this.clock = opts.clock ?? { now: () => Date.now() };
    // Only the leaf is private: a recursive mkdir with a mode would also make the shared run dir
    // 0700, and nginx's workers must traverse it to reach the pool sockets.
    mkdirSync(dirname(opts.runDir), { recursive: true });
    mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
    this.tokens = new TriggerTokens(join(dirname(opts.runDir), 'job-tokens'));
  }

  /** Runs a previous tend left "running" become interrupted (see recover.ts). */
  async recover(names: readonly string[]): Promise<void> {
    await recoverInterrupted(this.opts.host, this.history, this.clock.now(), names, {
      ...(this.opts.cgroups ? { cgroups: this.opts.cgroups } : {}),
      isActive: (name, id) => this.active.get(name)?.has(id) === true,
      onInterrupted: (name, id) =>
        this.emitEvent(name, 'Warning', 'RunInterrupted', `run ${id} was interrupted by a tend restart`),
    });
  }

  /** The loaded Jobs and the desired state's revision; runOnce Jobs whose key is new start here. */
  async apply(jobs: readonly Job[], revision?: string): Promise<void> {
    this.revision = revision;
    this.resources = new Map(jobs.map((j) => [j.metadata.name, j]));
    const next = new Map(jobs.map((j) => [j.metadata.name, jobRuntime(j, this.opts.logLimits)]));
    const fresh = [...next.keys()].filter((n) => !this.jobs.has(n));
    for (const name of this.jobs.keys()) if (!next.has(name)) await this.forget(name);
    for (const j of jobs) {
      const before = this.jobs.get(j.metadata.name);
      if (before?.generation === next.get(j.metadata.name)?.generation) continue;
      for (const w of jobWarnings(j, this.clock.now()))
        this.emitEvent(j.metadata.name, 'Warning', 'SpecWarning', `${w.field}: ${w.message}`);
    }
    this.jobs = next;
    await this.syncTokens();
    await this.recover(fresh);
    await startApplied(this.history, next.values(), revision, this.clock.now(), this.hooks);
    if (this.opts.timers) this.arm();
  }

  /**
   * One Job created, replaced or (when `job` is undefined) removed, the others as last applied, at
   * the last revision: what a runtime driver does with one plan change. The other Jobs' runOnce keys
   * are spent and their generations unchanged, so nothing happens to them.
   */
  async applyOne(name: string, job: Job | undefined): Promise<void> {
    const next = new Map(this.resources);
    if (job) next.set(name, job);
    else next.delete(name);
    await this.apply([...next.values()], this.revision);
  }

  /** True when `job` is applied as it is (same generation, its trigger token written): a driver's drift check. */
  upToDate(job: Job): boolean {
    const name = job.metadata.name;
    return this.jobs.get(name)?.generation === jobRuntime(job).generation && !this.tokenFailed.has(name);
  }

  /**
   * The desired state's revision for the applies that follow; true when it changed. A driver sets it
   * before applying a pass's changes (so a changed runOnce Job runs once, at the new revision), then
   * calls reapply() for the Jobs no change named.
   */
  setRevision(revision: string | undefined): boolean {
    if (revision === this.revision) return false;
    this.revision = revision;
    return true;
  }

  /** The Jobs as last applied, at the revision set: runOnce Jobs whose key is new start. */
  reapply(): Promise<void> {
    return this.apply([...this.resources.values()], this.revision);
  }

  private async forget(name: string): Promise<void> {
    const runs = this.active.get(name);
    if (runs) await Promise.all([...runs.values()].map((a) => this.end(a, 'interrupted')));
    this.history.forget(name);
  }

  /** Starts what came due in (last tick, now] (see triggers.ts). */
  async tick(now = this.clock.now()): Promise<void> {
    await tickSchedules(this.history, this.jobs.values(), now, this.hooks);
  }

  private readonly hooks: TriggerHooks = {
    start: (job, trigger, extra) => this.start(job, trigger, extra),
    event: (job, type, reason, message) => this.emitEvent(job, type, reason, message),
  };

  /**
   * What a pass does even when no Job changed: trigger token files get their owner and mode back
   * (a hand-made chmod is undone), and the schedule timer is armed again from the wall clock now (a
   * timer armed before the clock jumped, NTP or a resumed VM, would otherwise fire late).
   */
  async heal(): Promise<void> {
    await this.syncTokens();
    if (this.opts.timers) this.arm();
  }

  private async syncTokens(): Promise<void> {
    this.tokenFailed.clear();
    await syncJobTokens(this.opts.host, this.tokens, [...this.jobs.values()], (name, message) => {
      this.tokenFailed.add(name);
      this.emitEvent(name, 'Warning', 'TriggerTokenFailed', message);
    });
  }

  private arm(): void {
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.stopping) return;
    const now = this.clock.now();
    const wake = nextWake(this.jobs.values(), now);
    prepareSpares(this.opts.host, this.opts.runDir, this.jobs.values(), now, wake);
    this.tickTimer = setTimeout(
      () => {
        void this.tick().finally(() => this.arm());
      },
      Math.max(0, wake - now),
    );
    this.tickTimer.unref();
  }

  /** Starts a run now (the CLI or the API asked) and returns its record. */
  async trigger(name: string, trigger: RunTrigger = 'manual'): Promise<RunRecord> {
    const job = this.jobs.get(name);
    if (!job) throw new TendError('TEND_ERR_NOT_FOUND', `Job/${name} does not exist`);
    const started = await this.start(job, trigger, {});
    if (!started)
      throw new TendError(
        'TEND_ERR_JOB_BUSY',
        `Job/${name} is running and its concurrency is forbid; expected no run in progress`,
      );
    return started.record;
  }

  /** Resolves with the final record of a run (at once if it already ended). */
  async wait(name: string, id: string): Promise<RunRecord | undefined> {
    const a = this.active.get(name)?.get(id);
    if (a) return a.done;
    return this.history.get(name, id);
  }

  running(name: string): RunRecord[] {
    return [...(this.active.get(name)?.values() ?? [])].map((a) => a.record);
  }

  nextRun(name: string): number | undefined {
    const job = this.jobs.get(name);
    if (!job?.schedule || job.suspend) return undefined;
    return nextDue(job.schedule, job.timeZone, this.clock.now());
  }

  /** For the TreeContained condition: the host's lack of cgroups, and running runs without a group. */
  treeFacts(name: string): TreeFacts {
    const cgroups = this.opts.cgroups ?? hostCgroups();
    const runs = [...(this.active.get(name)?.values() ?? [])];
    return {
      noCgroups: cgroups.available ? undefined : cgroups.reason,
      untracked: runs.flatMap((a) => (a.proc?.untracked ? [`run ${a.record.id}: ${a.proc.untracked}`] : [])),
    };
  }

  spec(name: string): JobRuntime | undefined {
    return this.jobs.get(name);
  }

  names(): string[] {
    return [...this.jobs.keys()];
  }

  private async start(
    job: JobRuntime,
    trigger: RunTrigger,
    extra: { dueAt?: number; attempt?: number; retryOf?: string },
  ): Promise<Active | undefined> {
    if (this.stopping) return undefined;
    const runs = this.active.get(job.name) ?? new Map<string, Active>();
    this.active.set(job.name, runs);
    if (runs.size > 0 && job.concurrency === 'forbid') {
      this.emitEvent(
        job.name,
        'Normal',
        'RunSkipped',
        `a ${trigger} run was skipped: a run is in progress (concurrency: forbid)`,
      );
      return undefined;
    }
    if (runs.size > 0 && job.concurrency === 'replace')
      await Promise.all([...runs.values()].map((a) => this.end(a, 'replaced')));

    const record = newRunRecord(this.history, job, trigger, {
      ...extra,
      startedAt: this.clock.now(),
      revision: this.revision,
    });
    const id = record.id;
    let finish: (r: RunRecord) => void = () => {};
    const active: Active = { record, proc: undefined, done: new Promise((r) => (finish = r)) };
    runs.set(id, active);

    const hosts = this.opts.cgroups ? { cgroups: this.opts.cgroups } : {};
    const proc = await launchRun(this.opts.host, job, record, this.opts.runDir, hosts);
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
    this.history.write(active.record);
    this.emitEvent(job.name, 'Normal', 'RunStarted', `run ${id} started (${trigger}), pid ${proc.pid}`);
    this.emit('change', job.name);
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
  private async end(a: Active, why: 'replaced' | 'timedOut' | 'interrupted'): Promise<void> {
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
      now: this.clock.now(),
      ...(a.endedBy ? { endedBy: a.endedBy } : {}),
      ...(error !== undefined ? { error } : {}),
      mayRetry: !this.stopping,
    });
    a.record = record;
    const ok = outcome === 'succeeded';
    this.history.write(a.record);
    this.emit('finished', job.name, outcome, (a.record.durationMs ?? 0) / 1000);
    this.active.get(job.name)?.delete(a.record.id);
    this.history.prune(job.name, job.keepSucceeded, job.keepFailed);
    this.emitEvent(
      job.name,
      ok ? 'Normal' : 'Warning',
      ok ? 'RunSucceeded' : 'RunFailed',
      `run ${a.record.id} ${outcome}: ${a.record.message ?? ''}${delay !== undefined ? `; retrying in ${delay} ms` : ''}`,
    );
    this.emit('change', job.name);
    if (delay !== undefined) {
      const retryOf = a.record.retryOf ?? a.record.id;
      const attempt = a.record.attempt + 1;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        const current = this.jobs.get(job.name);
        if (current && current.generation === job.generation)
          void this.start(current, 'retry', { attempt, retryOf });
      }, delay);
      this.retryTimers.add(timer);
    }
  }

  private emitEvent(job: string, type: JobEvent['type'], reason: string, message: string): void {
    this.emit('event', { job, type, reason, message } satisfies JobEvent);
  }

  /** tend is stopping: every run in progress is stopped and recorded as interrupted. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    for (const t of this.retryTimers) clearTimeout(t);
    this.retryTimers.clear();
    const all = [...this.active.values()].flatMap((m) => [...m.values()]);
    await Promise.all(all.map((a) => this.end(a, 'interrupted')));
  }
}
