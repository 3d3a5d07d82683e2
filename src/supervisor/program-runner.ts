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
import { withinCeiling } from '../layout/log-ceiling.js';
import { fifoPath, logPath, runFilePath, type RunFile } from './run-file.js';
import { runtimeSpec, type RuntimeSpec } from './runtime-spec.js';
import { Rollout } from './rollout.js';
import { readCompleted, removeCompleted } from './completed.js';
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
}

/** How many new instances of one program are spawned at the same time. */
export const START_PARALLELISM = 16;

export const leaseKey = (program: string, index: number) => `Program/${program}#${index}`;

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

  private emit(ev: Omit<SupervisorEvent, 'key' | 'at'>): void {
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
  private onInstanceChange = (): void => {
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

  private async port(index: number, heldByUs?: number): Promise<number | undefined> {
    const p = this.spec.port;
    if (p === undefined) return undefined;
    if (p !== 'auto') return p + index;
    return this.deps.leases.acquire(leaseKey(this.name, index), { heldByUs: (port) => port === heldByUs });
  }

  private async newInstance(index: number, identity: Identity, adoptedPort?: number): Promise<Instance> {
    const { runDir, logDir } = this.deps.layout.programs;
    await this.deps.host.fs.mkdirp(runDir, 0o700);
    await this.deps.host.fs.mkdirp(logDir, 0o750);
    const pipe = await LogPipe.open(
      this.deps.host,
      fifoPath(runDir, this.name, index),
      logPath(logDir, this.name, index),
      withinCeiling(
        { maxBytes: this.spec.logMaxBytes, keep: this.spec.logKeep, maxLineLength: this.spec.maxLineLength },
        this.deps.layout.logLimits,
      ),
    );
    const port = await this.port(index, adoptedPort);
    const ctx = {
      host: this.deps.host,
      runDir,
      doneDir: this.doneDir,
      now: this.deps.now,
      emit: (e: Omit<SupervisorEvent, 'key' | 'at'>) => this.emit(e),
      changed: this.onInstanceChange,
    };
    return new Instance(ctx, index, this.spec, this.resource, identity, port, pipe);
  }

  /** Wraps processes found in run files; missing slots are started per the restart policy. */
  async adopt(files: RunFile[], live: Set<RunFile>): Promise<void> {
    const identity = await resolveIdentity(this.deps.host, this.name, this.spec);
    for (const rf of files) {
      if (rf.index >= this.spec.instances || this.instances.has(rf.index)) continue;
      const inst = await this.newInstance(rf.index, identity, rf.port);
      // The adopted process keeps the spec it was started with, so a changed spec rolls it later.
      if (rf.instanceGeneration !== this.spec.instanceGeneration)
        inst.spec = { ...this.spec, generation: rf.generation, instanceGeneration: rf.instanceGeneration };
      inst.restarts = rf.restarts;
      this.instances.set(rf.index, inst);
      if (live.has(rf)) inst.adopt(rf);
      else if (this.spec.restart !== 'never' && !this.held(rf.index)) {
        inst.lastExit = {
          code: null,
          signal: null,
          at: new Date(this.deps.now()).toISOString(),
          unknown: 'exited while tend was down; exit code unknown',
        };
        inst.restarts++;
        this.emit({
          instance: rf.index,
          type: 'Warning',
          reason: 'Restarted',
          message: `instance ${rf.index} exited while tend was down; restarting`,
        });
        await inst.start();
      } else {
        inst.state = 'exited';
        inst.lastExit = {
          code: null,
          signal: null,
          at: new Date(this.deps.now()).toISOString(),
          unknown: 'exited while tend was down; exit code unknown',
        };
      }
    }
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

  /**
   * An operator's control: stop or restart these instances (all when absent), or start the ones
   * no longer held (missing slots are created by a converge to the current spec).
   */
  async control(op: 'stop' | 'start' | 'restart', indexes?: readonly number[]): Promise<void> {
    const targets = indexes ?? [...Array(this.spec.instances).keys()];
    if (op === 'start') {
      if (targets.some((i) => !this.instances.has(i))) await this.converge(this.resource);
      for (const i of targets) if (!this.held(i)) await this.instances.get(i)?.start();
    } else
      for (const i of targets) {
        const inst = this.instances.get(i);
        if (!inst) continue;
        if (op === 'stop') await inst.stop();
        else if (inst.alive) await inst.restart('restarted by an operator');
        else if (!this.held(i)) await inst.start();
      }
    this.onInstanceChange();
  }

  /**
   * Deletes the program: every instance stopped (highest index first), leases released. keepLeases:
   * the daemon is stopping, so leases and completed markers stay for the next one.
   */
  async remove(opts: { graceful?: boolean; keepLeases?: boolean } = {}): Promise<void> {
    for (const i of [...this.instances.keys()].sort((a, b) => b - a))
      await this.removeInstance(i, opts.graceful ?? true, !opts.keepLeases);
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
    };
  }
}
