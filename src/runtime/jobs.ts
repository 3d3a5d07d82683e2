// The daemon's Jobs: the JobRunner lives in `tend serve`. Each pass hands the runtime driver
// (drivers/jobs-native.ts) the plan's Job steps plus the drift observation finds (runtime-changes.ts)
// at the desired state's revision, never dropping a Job while the source is broken; status gets the
// Job phase, last runs, next run, pid and the tail of the last failed run's log.
import { dirname, join } from 'node:path';
import type { Host } from '../host/host.js';
import { JobRunner, type JobEvent } from '../jobs/runner.js';
import { jobView } from '../jobs/status.js';
import type { Layout } from '../layout/layout.js';
import type { Job, Resource, ResourceKey } from '../model/index.js';
import { setCondition, type Phase, type ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import { limitsCondition } from '../supervisor/limits-status.js';
import { treeCondition } from '../supervisor/tree-status.js';
import type { StatusStore } from '../state/status-store.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import { JobsDriver } from '../drivers/jobs-native.js';
import { runtimeChanges } from './runtime-changes.js';

export interface JobsOptions {
  host: Host;
  layout: Layout;
  events: EventLog;
  store: StatusStore;
}

export class JobsBridge {
  readonly runner: JobRunner;
  /** The runtime driver every Job change goes through. */
  readonly driver: JobsDriver;
  private known = new Map<string, Job>();

  constructor(private readonly opts: JobsOptions) {
    this.runner = new JobRunner({
      host: opts.host,
      stateDir: opts.layout.stateDir,
      runDir: join(dirname(opts.layout.programs.runDir), 'jobs'),
      timers: true,
      ...(opts.layout.logLimits ? { logLimits: opts.layout.logLimits } : {}),
    });
    this.runner.on('event', (ev: JobEvent) =>
      opts.events.record({
        key: `Job/${ev.job}` as ResourceKey,
        type: ev.type,
        reason: ev.reason,
        message: `Job/${ev.job} ${ev.message}`,
      }),
    );
    this.runner.on('change', (name: string) => this.refresh(name));
    this.driver = new JobsDriver(this.runner);
  }

  /** `applied`: the part of the plan that was applied (held changes taken out). */
  async apply(computed: ComputedPlan, applied = computed.plan): Promise<void> {
    const { load, plan } = computed;
    const desired = new Map(
      load.resources
        .map((r) => r.resource)
        .filter((r): r is Job => r.kind === 'Job')
        .map((j) => [j.metadata.name, j]),
    );
    const holdAll = plan.pruneHeld !== undefined || !load.ok;
    for (const [name, j] of this.known) if (!desired.has(name) && holdAll) desired.set(name, j);
    const present = new Set([...this.runner.names(), ...this.known.keys()]);
    const drifted = new Set([...desired].filter(([, j]) => !this.driver.upToDate(j)).map(([n]) => n));
    this.known = desired;
    const changes = runtimeChanges({ kind: 'Job', desired, present, drifted, planned: applied.changes });
    await this.driver.applyAt(plan.revision, changes);
    await this.runner.heal();
  }

  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (resource.kind !== 'Job' || !this.known.has(resource.metadata.name)) return undefined;
    return this.statusOf(resource.metadata.name, current);
  }

  private statusOf(name: string, current: ResourceStatus): ResourceStatus {
    const view = jobView(this.runner, name);
    if (!view) return current;
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
      Date.now(),
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
      Date.now(),
    );
    next = limitsCondition(next, this.runner.spec(name)?.process.limits, Date.now());
    next = treeCondition(next, this.runner.treeFacts(name), Date.now());
    const summary = (r: typeof view.lastRun) =>
      r && {
        id: r.id,
        outcome: r.outcome,
        startedAt: new Date(r.startedAt).toISOString(),
        ...(r.endedAt ? { endedAt: new Date(r.endedAt).toISOString() } : {}),
        ...(r.durationMs !== undefined ? { durationMs: r.durationMs } : {}),
        exitCode: r.exitCode ?? null,
        signal: r.signal ?? null,
        ...(r.reason ? { reason: r.reason } : {}),
      };
    const health = {
      phase: view.phase,
      running: view.running,
      ...(view.lastRun ? { lastRun: summary(view.lastRun) } : {}),
      ...(view.lastSuccessfulRun ? { lastSuccessfulRun: summary(view.lastSuccessfulRun) } : {}),
      ...(view.nextRun ? { nextRun: view.nextRun } : {}),
      ...(view.pid ? { pid: view.pid } : {}),
      ...(view.lastFailedLogTail !== undefined ? { lastFailedLogTail: view.lastFailedLogTail } : {}),
      recentRuns: view.recent.map(summary),
    };
    const outputs: Record<string, string | number> = { ...current.outputs };
    delete outputs.pid;
    delete outputs.nextRun;
    delete outputs.triggerTokenFile;
    if (view.pid) outputs.pid = view.pid;
    if (view.nextRun) outputs.nextRun = view.nextRun;
    if (this.runner.spec(name)?.triggerToken) outputs.triggerTokenFile = this.runner.tokens.pathOf(name);
    // A Job's phase is the Job's own (Scheduled, Running, …) once its spec is applied.
    const phase: Phase = applied && next.phase !== 'Deleting' ? view.phase : next.phase;
    return { ...next, phase, health, outputs };
  }

  private refresh(name: string): void {
    const key: ResourceKey = `Job/${name}`;
    const current = this.opts.store.get(key);
    if (current && this.known.has(name)) this.opts.store.put(this.statusOf(name, current));
  }

  refreshAll(): void {
    for (const name of this.known.keys()) this.refresh(name);
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    this.runner.removeAllListeners();
  }
}
