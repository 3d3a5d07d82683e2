// The Jobs' runtime driver: a Job is a schedule, a runOnce key or a manual trigger, run by the
// JobRunner. It observes each Job's phase and the runs in flight (one instance per run), and applies
// one plan change to the one Job it names; a deleted Job's runs in flight are interrupted.
import type { Job } from '../model/index.js';
import type { JobRuntime } from '../jobs/job-spec.js';
import type { JobRunner } from '../jobs/runner.js';
import { jobView, type JobView } from '../jobs/status.js';
import type { TreeFacts } from '../supervisor/tree-status.js';
import type { RuntimeApplyChange, RuntimeApplyResult, RuntimeDriver, RuntimeObservation } from './runtime.js';

/** What status needs of one Job, all observed from the runner: its runs, limits and trigger token. */
export interface JobFacts {
  /** Phase, runs in flight, last (successful) run, next run, pid, the last failed run's log tail. */
  view: JobView;
  limits: JobRuntime['process']['limits'];
  tree: TreeFacts;
  /** Where the Job's trigger token is, when it has one. */
  triggerTokenFile?: string;
}

export interface ObservedJob extends RuntimeObservation {
  key: `Job/${string}`;
  job: JobFacts;
}

export class JobsDriver implements RuntimeDriver<Job> {
  readonly kind = 'Job' as const;
  /** apply(change) calls, one at a time: each starts from the set the one before left. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly runner: JobRunner) {}

  observe(): ObservedJob[] {
    return this.runner.names().flatMap((name) => this.observeOne(name) ?? []);
  }

  /** One Job as the runner has it now; undefined while the runner does not hold it. */
  observeOne(name: string): ObservedJob | undefined {
    const view = jobView(this.runner, name);
    const spec = this.runner.spec(name);
    if (!view || !spec) return undefined;
    const runs = this.runner.running(name);
    return {
      key: `Job/${name}` as const,
      phase: view.phase,
      message: runs.length > 0 ? `${runs.length} run(s) in flight` : `phase ${view.phase}`,
      instances: runs.map((r, index) => ({
        index,
        pid: r.pid,
        state: 'running',
        ready: true,
        port: undefined,
        generation: r.generation,
      })),
      job: {
        view,
        limits: spec.process.limits,
        tree: this.runner.treeFacts(name),
        ...(spec.triggerToken ? { triggerTokenFile: this.runner.tokens.pathOf(name) } : {}),
      },
    };
  }

  /** See JobRunner.upToDate. */
  upToDate(job: Job): boolean {
    return this.runner.upToDate(job);
  }

  /**
   * Applies a pass's changes at the desired state's revision: the revision is set first, so a
   * changed runOnce Job runs once at it, and when it moved the Jobs no change named are applied
   * again, so those keyed on the revision run too (and none twice).
   */
  async applyAt(
    revision: string | undefined,
    changes: readonly RuntimeApplyChange<Job>[],
  ): Promise<RuntimeApplyResult[]> {
    const revised = this.runner.setRevision(revision);
    const results: RuntimeApplyResult[] = [];
    for (const change of changes) results.push(await this.apply(change));
    if (revised) {
      const run = this.chain.then(() => this.runner.reapply());
      this.chain = run.catch(() => undefined);
      await run;
    }
    return results;
  }

  apply(change: RuntimeApplyChange<Job>): Promise<RuntimeApplyResult> {
    const run = this.chain.then(() => this.applyNow(change));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(change: RuntimeApplyChange<Job>): Promise<RuntimeApplyResult> {
    const { key } = change;
    const name = key.slice('Job/'.length);
    if (change.action === 'no-op') return { key, did: 'none' };
    const inFlight = this.runner.running(name).map((r) => r.id);
    const deleting = change.action === 'delete' || !change.resource;
    await this.runner.applyOne(name, deleting ? undefined : change.resource);
    if (deleting) return { key, did: inFlight.length > 0 ? 'stop' : 'none' };
    // A runOnce Job whose key is new starts a run here; a scheduled one waits for its time.
    const started = this.runner.running(name).some((r) => !inFlight.includes(r.id));
    return { key, did: started ? 'start' : 'none' };
  }
}
