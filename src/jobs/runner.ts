// The Jobs runtime of `tend serve`: decides when a Job runs (schedule ticks, missed runs within the
// startingDeadline, runOnce keys, manual triggers) and hands each run to runs.ts, which applies the
// concurrency policy, times runs out, retries with capped backoff and writes every run's record.
// The clock is injected: the daemon ticks on real timers, tests call tick() with any moment they
// like. See docs/decisions/0024-jobs.md.
import { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Job } from '../model/index.js';
import { nextDue } from './cron.js';
import { nextWake } from './due.js';
import { startApplied, tickSchedules, type TriggerHooks } from './triggers.js';
import { JobHistory, type RunRecord, type RunTrigger } from './history.js';
import type { JobClock, JobEvent, JobRunnerOptions } from './runner-types.js';
import { jobRuntime, type JobRuntime } from './job-spec.js';
import { recoverInterrupted } from './recover.js';
import { prepareSpares } from './run-process.js';
import { JobRuns } from './runs.js';
import { syncJobTokens, TriggerTokens } from './trigger-token.js';
import { jobWarnings } from './warnings.js';
import { hostCgroups } from '../host/cgroup.js';
import type { TreeFacts } from '../supervisor/tree-status.js';

export type { JobEvent } from './runner-types.js';

export class JobRunner extends EventEmitter {
  readonly history: JobHistory;
  /** Per-Job trigger tokens, beside the run dir (see trigger-token.ts). */
  readonly tokens: TriggerTokens;
  private readonly clock: JobClock;
  private jobs = new Map<string, JobRuntime>();
  /** The Jobs as last applied, so one Job's change can be applied against the rest (applyOne). */
  private resources = new Map<string, Job>();
  private readonly runs: JobRuns;
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
    this.runs = new JobRuns({
      opts,
      history: this.history,
      clock: this.clock,
      revision: () => this.revision,
      current: (name) => this.jobs.get(name),
      event: (job, type, reason, message) => this.emitEvent(job, type, reason, message),
      emit: (event, ...args) => this.emit(event, ...args),
    });
  }

  /** Runs a previous tend left "running" become interrupted (see recover.ts). */
  async recover(names: readonly string[]): Promise<void> {
    await recoverInterrupted(this.opts.host, this.history, this.clock.now(), names, {
      ...(this.opts.cgroups ? { cgroups: this.opts.cgroups } : {}),
      isActive: (name, id) => this.runs.get(name, id) !== undefined,
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
    await this.runs.endAll(name, 'interrupted');
    this.history.forget(name);
  }

  /** Starts what came due in (last tick, now] (see triggers.ts). */
  async tick(now = this.clock.now()): Promise<void> {
    await tickSchedules(this.history, this.jobs.values(), now, this.hooks);
  }

  private readonly hooks: TriggerHooks = {
    start: (job, trigger, extra) => this.runs.start(job, trigger, extra),
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
    const started = await this.runs.start(job, trigger, {});
    if (!started)
      throw new TendError(
        'TEND_ERR_JOB_BUSY',
        `Job/${name} is running and its concurrency is forbid; expected no run in progress`,
      );
    return started.record;
  }

  /** Resolves with the final record of a run (at once if it already ended). */
  async wait(name: string, id: string): Promise<RunRecord | undefined> {
    const a = this.runs.get(name, id);
    if (a) return a.done;
    return this.history.get(name, id);
  }

  running(name: string): RunRecord[] {
    return this.runs.of(name).map((a) => a.record);
  }

  nextRun(name: string): number | undefined {
    const job = this.jobs.get(name);
    if (!job?.schedule || job.suspend) return undefined;
    return nextDue(job.schedule, job.timeZone, this.clock.now());
  }

  /** For the TreeContained condition: the host's lack of cgroups, and running runs without a group. */
  treeFacts(name: string): TreeFacts {
    const cgroups = this.opts.cgroups ?? hostCgroups();
    const runs = this.runs.of(name);
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

  private emitEvent(job: string, type: JobEvent['type'], reason: string, message: string): void {
    this.emit('event', { job, type, reason, message } satisfies JobEvent);
  }

  /** tend is stopping: every run in progress is stopped and recorded as interrupted. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    await this.runs.stop();
  }
}
