// One Program's instances: converge to a spec (scale up/down by the difference, rolling restart on a
// generation change, one instance at a time), readiness of the whole, and removal.
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/index.js';
import type { Program } from '../model/index.js';
import type { PortLeases } from '../state/port-leases.js';
import { asTendError } from '../errors/catalogue.js';
import { resolveIdentity, userDbStamp, type Identity } from './identity.js';
import { Instance } from './instance.js';
import { LogPipe } from './log-pipe.js';
import { fifoPath, runFilePath, type RunFile } from './run-file.js';
import { fixedPortConflict, leaseKey, openInstance, slotPort } from './instance-slot.js';
import { runtimeSpec, type RuntimeSpec } from './runtime-spec.js';
import { Rollout } from './rollout.js';
import { readCompleted, removeCompleted } from './completed.js';
import { adoptRunFiles } from './adopt-run-files.js';
import { operatorControl } from './operator-control.js';
import { hostCgroups, type Cgroups } from '../host/cgroup.js';
import type { ProgramStatus, SupervisorEvent } from './types.js';

export interface RunnerDeps {
  host: Host;
  layout: Layout;
  leases: PortLeases;
  now: () => number;
  emit: (ev: SupervisorEvent) => void;
  /** Readiness of this program may have changed. */
  changed: (runner: ProgramRunner) => void;
  /** Whether an operator stopped this instance (`tend stop`): it is neither started nor rolled. */
  isStopped?: (program: string, index: number) => boolean;
  /** See SupervisorOptions.portHolder. */
  portHolder?: (port: number) => Promise<string | undefined>;
  /** The host's cgroups for process trees (tests inject Cgroups.unavailable); detected when absent. */
  cgroups?: Cgroups;
}

/** How many new instances of one program are spawned at the same time. */
export const START_PARALLELISM = 16;

export class ProgramRunner {
  readonly instances = new Map<number, Instance>();
  spec: RuntimeSpec;
  error: { code: string; message: string } | undefined;
  waitingFor: string[] = [];
  private wasReady = false;
  private readonly rollout: Rollout;
  /** The user database as the last complete converge saw it (identities resolve through it). */
  private convergedUserDb: string | undefined;

  constructor(
    private readonly deps: RunnerDeps,
    public resource: Program,
  ) {
    this.spec = runtimeSpec(resource);
    this.rollout = new Rollout((ev) => this.emit(ev), deps.now);
  }

  get name(): string {
    return this.resource.metadata.name;
  }

  private get doneDir(): string {
    return `${this.deps.layout.stateDir}/programs/completed`;
  }

  emit(ev: Omit<SupervisorEvent, 'key' | 'at'>): void {
    this.deps.emit({ ...ev, key: `Program/${this.name}`, at: new Date(this.deps.now()).toISOString() });
  }

  /** Stopped by an operator: kept stopped through converges, rollouts and adoption. */
  held(index: number): boolean {
    return this.deps.isStopped?.(this.name, index) ?? false;
  }

  get ready(): boolean {
    const wanted = [...Array(this.spec.instances).keys()].filter((i) => !this.held(i));
    if (wanted.length === 0) return false;
    for (const index of wanted) {
      const i = this.instances.get(index);
      if (!i || !i.ready || i.generation !== this.spec.instanceGeneration) return false;
    }
    return true;
  }

  /** Re-evaluates program readiness and emits Ready/NotReady on a flip. */
  readonly onInstanceChange = (): void => {
    const ready = this.ready;
    if (ready !== this.wasReady) {
      this.wasReady = ready;
      this.emit(
        ready
          ? { type: 'Normal', reason: 'Ready', message: `all ${this.spec.instances} instance(s) ready` }
          : {
              type: 'Warning',
              reason: 'NotReady',
              message: `${[...this.instances.values()].filter((i) => i.ready).length}/${this.spec.instances} instance(s) ready`,
            },
      );
    }
    this.deps.changed(this);
  };

  private port(index: number, heldByUs?: number): Promise<number | undefined> {
    return slotPort(this.deps.leases, this.spec, this.name, index, heldByUs);
  }

  /** A new Instance for slot `index` (its log pipe open, its port leased). */
  async newInstance(index: number, identity: Identity, adoptedPort?: number): Promise<Instance> {
    const port = await this.port(index, adoptedPort);
    return openInstance(this.deps, this, { index, identity, port, doneDir: this.doneDir });
  }

  /** Wraps processes found in run files; missing slots are started per the restart policy. */
  async adopt(files: RunFile[], live: Set<RunFile>): Promise<void> {
    const identity = await resolveIdentity(this.deps.host, this.name, this.spec);
    await adoptRunFiles(this, identity, files, live, this.deps);
  }

  /**
   * Whether converging to `resource` would change nothing: same spec, every instance present and on
   * it, no error, and the same user database. A resync skips such runners: with 100 Programs the
   * per-pass checks were most of an idle daemon's work.
   */
  async upToDate(resource: Program): Promise<boolean> {
    if (this.error || this.convergedUserDb === undefined) return false;
    if (runtimeSpec(resource).generation !== this.spec.generation) return false;
    if (this.instances.size !== this.spec.instances) return false;
    for (const inst of this.instances.values())
      if (inst.generation !== this.spec.instanceGeneration) return false;
    return (await userDbStamp(this.deps.host)) === this.convergedUserDb;
  }

  /** Converge to `resource`; resolves once changed instances are rolled (or the rollout halted). */
  async converge(resource: Program): Promise<void> {
    this.convergedUserDb = undefined;
    const userDb = await userDbStamp(this.deps.host);
    const next = runtimeSpec(resource);
    let identity: Identity;
    try {
      identity = await resolveIdentity(this.deps.host, next.name, next);
    } catch (err) {
      // A spec that cannot run leaves the running instances alone: smallest blast radius.
      const e = asTendError(err);
      this.error = { code: e.code, message: e.message };
      this.emit({ type: 'Warning', reason: 'Failed', message: e.message });
      return;
    }
    // Judged before the error is cleared, so no status read in between sees the conflict gone.
    const slots = [...Array(next.instances).keys()].filter((i) => !this.instances.has(i) && !this.held(i));
    const conflict = await fixedPortConflict(next, slots, this.deps.portHolder);
    if (conflict) {
      // Like a spec that cannot run: the running instances stay, nothing starts on a foreign port.
      this.error = conflict;
      this.emit({ type: 'Warning', reason: 'Failed', message: conflict.message });
      this.onInstanceChange();
      return;
    }
    this.error = undefined;
    this.resource = resource;
    this.spec = next;
    try {
      await this.scaleDown();
      // New slots start side by side (bounded): each one is independent of the others.
      const missing = [...Array(next.instances).keys()].filter(
        (i) => !this.instances.has(i) && !this.held(i),
      );
      const { runDir } = this.deps.layout.programs;
      await this.deps.host.fs.mkdirp(runDir, 0o700);
      await LogPipe.prepare(
        this.deps.host,
        missing.map((i) => fifoPath(runDir, this.name, i)),
      );
      for (let at = 0; at < missing.length; at += START_PARALLELISM)
        await Promise.all(
          missing.slice(at, at + START_PARALLELISM).map(async (i) => {
            const fresh = await this.newInstance(i, identity);
            this.instances.set(i, fresh);
            // Finished on this very spec before tend restarted: it stays finished.
            const done =
              next.restart === 'always'
                ? undefined
                : await readCompleted(this.deps.host, this.doneDir, this.name, i, next.instanceGeneration);
            if (done) fresh.restoreCompleted(done);
            else await fresh.start();
          }),
        );
      await this.rollout.run(this.spec, this.instances.values(), () => this.roll(identity));
      if (!this.error) this.convergedUserDb = userDb;
    } catch (err) {
      const e = asTendError(err);
      this.error = { code: e.code, message: e.message };
      this.emit({ type: 'Warning', reason: 'Failed', message: e.message });
    }
    this.onInstanceChange();
  }

  private async scaleDown(): Promise<void> {
    const extra = [...this.instances.keys()].filter((i) => i >= this.spec.instances).sort((a, b) => b - a);
    for (const i of extra) await this.removeInstance(i);
  }

  /** Rolling restart: one instance at a time, the next only once the previous is ready again. */
  private async roll(identity: Identity): Promise<void> {
    for (const [i, inst] of [...this.instances].sort(([a], [b]) => a - b)) {
      if (inst.generation === this.spec.instanceGeneration) {
        await inst.retarget(this.spec, this.resource, identity);
        continue;
      }
      if (this.held(i) && !inst.alive) {
        // Stopped by an operator: it takes the new spec and starts on it when started again.
        inst.spec = this.spec;
        inst.resource = this.resource;
        inst.identity = identity;
        continue;
      }
      const updated = [...this.instances.values()].filter(
        (x) => x !== inst && x.generation === this.spec.instanceGeneration && !this.held(x.index),
      );
      for (const x of updated)
        if (!(await this.rollout.waitReady(this.spec, x)))
          return this.rollout.halt(
            this.spec,
            `instance ${x.index} of the new spec is not ready (${x.state})`,
          );
      await inst.stop();
      inst.spec = this.spec;
      inst.resource = this.resource;
      inst.identity = identity;
      inst.port = await this.port(i);
      await inst.start();
      if (!(await this.rollout.waitReady(this.spec, inst)))
        return this.rollout.halt(this.spec, `instance ${i} did not become ready (${inst.state})`);
    }
  }

  /** `forget`: the slot is gone for good (not a daemon stop), so its completed marker goes too. */
  private async removeInstance(index: number, graceful = true, forget = true): Promise<void> {
    const inst = this.instances.get(index);
    if (!inst) return;
    await inst.stop({ graceful });
    this.instances.delete(index);
    await inst.pipe.close();
    const { runDir } = this.deps.layout.programs;
    await this.deps.host.fs.remove(runFilePath(runDir, this.name, index));
    await this.deps.host.fs.remove(fifoPath(runDir, this.name, index));
    if (this.spec.port === 'auto') await this.deps.leases.release(leaseKey(this.name, index));
    // Removed (deleted or scaled down): added again later, it starts afresh.
    if (forget) await removeCompleted(this.deps.host, this.doneDir, this.name, index);
  }

  /** An operator's control of these instances (all when absent): see operator-control.ts. */
  control(op: 'stop' | 'start' | 'restart', indexes?: readonly number[]): Promise<void> {
    return operatorControl(this, op, indexes);
  }

  /**
   * Deletes the program: every instance stopped (highest index first), leases released. keepLeases:
   * the daemon is stopping, so leases and completed markers stay for the next one.
   */
  async remove(opts: { graceful?: boolean; keepLeases?: boolean } = {}): Promise<void> {
    // One instance that fails to stop must not leave the others running: stop all, then report.
    let failure: unknown;
    for (const i of [...this.instances.keys()].sort((a, b) => b - a))
      await this.removeInstance(i, opts.graceful ?? true, !opts.keepLeases).catch((err: unknown) => {
        failure ??= err;
      });
    if (failure !== undefined) throw asTendError(failure);
    if (!opts.keepLeases) await this.deps.leases.release(`Program/${this.name}#`);
    this.onInstanceChange();
  }

  /** Stops watching, leaves every process running for the next supervisor to adopt. */
  release(): void {
    for (const inst of this.instances.values()) {
      inst.release();
      inst.pipe.detach();
    }
  }

  status(): ProgramStatus {
    const cgroups = this.deps.cgroups ?? hostCgroups();
    const rollout = this.rollout.status(this.spec, this.instances.values());
    return {
      name: this.name,
      key: `Program/${this.name}`,
      generation: this.spec.generation,
      desiredInstances: this.spec.instances,
      ready: this.ready,
      waitingFor: [...this.waitingFor],
      instances: [...this.instances.values()].sort((a, b) => a.index - b.index).map((i) => i.status()),
      error: this.error,
      ...(rollout ? { rollout } : {}),
      ...(this.spec.limits ? { limits: this.spec.limits } : {}),
      ...(cgroups.available ? {} : { noCgroups: cgroups.reason }),
    };
  }
}
