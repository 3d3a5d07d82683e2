// The daemon's Jobs: the JobRunner lives in `tend serve`. Each pass hands the runtime driver
// (drivers/jobs-native.ts) the plan's Job steps plus the drift observation finds (runtime-changes.ts)
// at the desired state's revision, never dropping a Job while the source is broken. Status is read
// from the driver's observation (job-status.ts).
import { dirname, join } from 'node:path';
import type { Host } from '../host/host.js';
import { JobRunner, type JobEvent } from '../jobs/runner.js';
import type { Layout } from '../layout/layout.js';
import type { Job, Resource, ResourceKey } from '../model/index.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import { JobsDriver } from '../drivers/jobs-native.js';
import { jobStatus } from './job-status.js';
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
    return jobStatus(current, this.driver.observeOne(resource.metadata.name), Date.now());
  }

  private refresh(name: string): void {
    const key: ResourceKey = `Job/${name}`;
    const current = this.opts.store.get(key);
    if (current && this.known.has(name))
      this.opts.store.put(jobStatus(current, this.driver.observeOne(name), Date.now()));
  }

  refreshAll(): void {
    for (const name of this.known.keys()) this.refresh(name);
  }

  async stop(): Promise<void> {
    await this.runner.stop();
    this.runner.removeAllListeners();
  }
}
