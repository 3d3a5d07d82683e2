// The daemon's native Programs: the Supervisor lives in `tend serve`. Each pass hands the runtime
// driver (drivers/programs-native.ts) the plan's Program steps plus the drift observation finds
// (runtime-changes.ts), never removing one while the source is broken, and does not wait: starts,
// rollouts and stops run beside the pass (a rollout of instances that ignore SIGTERM can take
// minutes), one converge at a time, always to the newest set. Ports are leased before planning
// (compute-plan.ts) from the controller's one lease store; the driver's observation feeds status.
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Program, Resource, ResourceKey } from '../model/index.js';
import { NativeProgramsDriver } from '../drivers/programs-native.js';
import { tcpPortHolder } from '../drivers/health/socket-holders.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { PortLeases } from '../state/port-leases.js';
import type { StatusStore } from '../state/status-store.js';
import { Supervisor, type SupervisorEvent } from '../supervisor/index.js';
import { withRevision } from '../supervisor/restart-on.js';
import type { HealthVerdict } from '../observe/assess.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import type { Change } from '../plan/types.js';
import { runtimeChanges } from './runtime-changes.js';
import { programDetails, programStatus } from './program-status.js';

/** Events that change what the controller must do (dependents' health, a spec that cannot run). */
const REQUEUE_ON = new Set(['Ready', 'NotReady', 'Failed', 'CrashLoop']);

export interface ProgramsOptions {
  host: Host;
  layout: Layout;
  events: EventLog;
  store: StatusStore;
  /** The controller's one lease store (see pipeline/snapshot.ts). */
  leases: PortLeases;
  /** Called with a Program key when its state flipped; the controller enqueues it. */
  onFlip: (key: ResourceKey) => void;
  /**
   * A converge beside the pass settled: the Programs whose error changed (their outcome must be
   * folded by a pass) and whether a leased port changed (Sites proxying to it can render).
   */
  onSettled?: (settled: { changed: ResourceKey[]; portsChanged: boolean }) => void;
  /** Instances an operator stopped (see controls/holds.ts). */
  isStopped?: (program: string, index: number) => boolean;
  /** Programs whose reconciling is suspended: left running as they are, never started or rolled. */
  suspended?: () => ReadonlySet<string>;
}

/** The newest set a converge must reach, with the plan steps that named changes in it. */
interface Target {
  programs: Program[];
  planned: readonly Change[];
}

export class ProgramsBridge {
  readonly supervisor: Supervisor;
  /** The runtime driver every start, roll, scale and stop goes through. */
  readonly driver: NativeProgramsDriver;
  readonly leases: PortLeases;
  private readonly unsubscribe: () => void;
  /** The Programs last handed to the supervisor, to keep them as they are while deletions are held. */
  private known = new Map<string, Program>();
  /** The converge running beside the pass, and the newest set waiting for it. */
  private converging: Promise<void> | undefined;
  private waiting: Target | undefined;
  private stopped = false;

  constructor(private readonly opts: ProgramsOptions) {
    this.leases = opts.leases;
    this.supervisor = new Supervisor({
      host: opts.host,
      layout: opts.layout,
      leases: this.leases,
      ...(opts.isStopped ? { isStopped: opts.isStopped } : {}),
      portHolder: (port) => tcpPortHolder(opts.host, port),
    });
    this.driver = new NativeProgramsDriver(this.supervisor);
    const onEvent = (ev: SupervisorEvent) => this.onEvent(ev);
    this.supervisor.on('event', onEvent);
    this.unsubscribe = () => this.supervisor.off('event', onEvent);
  }

  private onEvent(ev: SupervisorEvent): void {
    this.opts.events.record({
      key: ev.key,
      type: ev.type,
      reason: ev.reason,
      message: `${ev.key} ${ev.message}`,
    });
    this.refreshStatus(ev.key);
    if (REQUEUE_ON.has(ev.reason)) this.opts.onFlip(ev.key);
  }

  /**
   * Converges the supervisor to this pass's Programs. While the pass held its deletions (a broken or
   * truncated source), programs missing from the load keep running with the spec they had.
   * `applied` is the part of the plan that was applied (held changes taken out); its Program steps
   * carry the runtime diff. Returns the Programs whose spec cannot run, and whether a port was newly leased.
   */
  async apply(
    computed: ComputedPlan,
    applied = computed.plan,
  ): Promise<{ errors: Map<ResourceKey, { code: string; message: string }>; portsChanged: boolean }> {
    const { load, plan } = computed;
    const suspended = this.opts.suspended?.() ?? new Set<string>();
    const programs = withRevision(
      load.resources
        .map((r) => r.resource)
        .filter((r): r is Program => r.kind === 'Program' && !suspended.has(`Program/${r.metadata.name}`)),
      plan.revision,
    );
    const desired = new Map(programs.map((p) => [p.metadata.name, p]));
    const held = new Set<string>([
      ...(plan.pruneHeld?.keys ?? []),
      ...load.invalidKeys,
      ...load.unknownKeys,
      ...suspended,
    ]);
    const holdAll = plan.pruneHeld !== undefined || !load.ok;
    let unknownRunning = false;
    for (const running of this.supervisor.status()) {
      if (desired.has(running.name) || !(holdAll || held.has(running.key))) continue;
      // A suspended Program adopted after a restart keeps the spec its run files carry.
      const resource =
        this.known.get(running.name) ??
        (suspended.has(running.key) ? this.supervisor.resourceOf(running.name) : undefined);
      if (resource) desired.set(running.name, resource);
      else unknownRunning = true;
    }
    // Every `port: auto` instance was leased before planning (compute-plan.ts); a port changes here
    // only when an instance found its lease taken by a stranger and moved.
    const before = JSON.stringify(await this.leases.all());
    // An adopted program whose spec this daemon never saw cannot be kept by re-applying it: leave
    // the supervisor as it is until the source loads cleanly.
    if (!unknownRunning) {
      this.converge({ programs: [...desired.values()], planned: applied.changes });
      this.known = desired;
    }
    const errors = new Map<ResourceKey, { code: string; message: string }>();
    for (const st of this.supervisor.status()) if (st.error) errors.set(st.key, st.error);
    const portsChanged = JSON.stringify(await this.leases.all()) !== before;
    return { errors, portsChanged };
  }

  /** Starts a supervisor converge beside the pass, or leaves the newest set for the running one. */
  private converge(target: Target): void {
    this.waiting = target;
    if (this.converging) return;
    this.converging = (async () => {
      while (this.waiting && !this.stopped) {
        const next = this.waiting;
        this.waiting = undefined;
        try {
          await this.convergeOnce(next);
        } catch (err) {
          this.opts.events.record({
            type: 'Warning',
            reason: 'SupervisorFailed',
            message: `converging programs failed: ${(err as Error).message}`,
          });
        }
      }
    })().finally(() => {
      this.converging = undefined;
    });
  }

  private async convergeOnce(target: Target): Promise<void> {
    const errorsBefore = this.errorsByKey();
    const leasesBefore = JSON.stringify(await this.leases.all());
    await this.supervisor.adopt();
    const desired = new Map(
      target.programs.filter(NativeProgramsDriver.handles).map((p) => [p.metadata.name, p]),
    );
    const present = new Set(this.supervisor.programs().map((p) => p.metadata.name));
    const drifted = new Set<string>();
    for (const [name, p] of desired)
      if (present.has(name) && !(await this.driver.upToDate(p))) drifted.add(name);
    const changes = runtimeChanges({ kind: 'Program', desired, present, drifted, planned: target.planned });
    // One change at a time, in dependsOn order: each resolves once the supervisor settled it.
    for (const change of this.driver.order(changes)) {
      if (this.stopped) return;
      await this.driver.apply(change);
    }
    // A stop ran behind this converge: the state dir may be gone, and nobody listens any more.
    if (this.stopped) return;
    this.refreshAll();
    this.opts.store.saveSoon();
    const errorsAfter = this.errorsByKey();
    const changed = [...new Set([...errorsBefore.keys(), ...errorsAfter.keys()])].filter(
      (k) => errorsBefore.get(k) !== errorsAfter.get(k),
    );
    const portsChanged = JSON.stringify(await this.leases.all()) !== leasesBefore;
    if (changed.length > 0 || portsChanged) this.opts.onSettled?.({ changed, portsChanged });
  }

  private errorsByKey(): Map<ResourceKey, string> {
    const out = new Map<ResourceKey, string>();
    for (const st of this.supervisor.status()) if (st.error) out.set(st.key, st.error.message);
    return out;
  }

  /** Resolves once no converge runs beside the pass (tests, and a clean stop). */
  async settled(): Promise<void> {
    while (this.converging) await this.converging;
  }

  /** Health verdict for converge's status writer: native Programs are judged by their supervisor. */
  health(resource: Resource): HealthVerdict | undefined {
    if (resource.kind !== 'Program' || resource.spec.backend !== 'native') return undefined;
    const seen = this.driver.observeOne(resource.metadata.name);
    // Not handed to the supervisor yet (its converge runs beside the pass): no verdict, so Pending.
    if (!seen) return undefined;
    return {
      ok: seen.phase === 'Ready' || seen.phase === 'Completed',
      message: seen.message,
      details: programDetails(seen.status),
    };
  }

  /** A native Program's whole status from its supervisor, once the supervisor runs it. */
  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (resource.kind !== 'Program' || resource.spec.backend !== 'native') return undefined;
    const seen = this.driver.observeOne(resource.metadata.name);
    return seen ? programStatus(current, seen.status, Date.now()) : undefined;
  }

  /** Status-only refresh of one Program from the supervisor (after an exit, a restart, a probe flip). */
  refreshStatus(key: ResourceKey): void {
    const current = this.opts.store.get(key);
    const seen = this.driver.observeOne(key.slice('Program/'.length));
    if (!current || !seen) return;
    this.opts.store.put(programStatus(current, seen.status, Date.now()));
    this.opts.store.saveSoon();
  }

  /** Applies the supervisor's view to every native Program's status after a pass. */
  refreshAll(): void {
    for (const seen of this.driver.observe()) {
      const current = this.opts.store.get(seen.key);
      if (current) this.opts.store.put(programStatus(current, seen.status, Date.now()));
    }
  }

  async stop(opts: { keepPrograms: boolean }): Promise<void> {
    this.stopped = true;
    this.waiting = undefined;
    this.unsubscribe();
    // The converge in flight finishes first (as a pass did when it awaited it): stopping before it
    // entered the supervisor's lock would let it start instances after stopAll, orphaned.
    await this.settled();
    if (opts.keepPrograms) await this.supervisor.release();
    else await this.supervisor.stopAll({ graceful: true });
  }
}
