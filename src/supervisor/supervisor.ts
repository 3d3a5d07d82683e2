// The native supervisor: converges the set of native Programs (start new, roll changed, stop
// removed) in dependsOn order, adopts instances a previous supervisor left running, reports status.
import { EventEmitter } from 'node:events';
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/index.js';
import type { Program } from '../model/index.js';
import type { PortLeases } from '../state/port-leases.js';
import { asTendError } from '../errors/catalogue.js';
import { ProgramRunner } from './program-runner.js';
import { isSameLiveProcess, readRunFiles, type RunFile } from './run-file.js';
import type { ProgramStatus, SupervisorEvent } from './types.js';
import { topoOrder } from './order.js';
import { hostCgroups, type Cgroups } from '../host/cgroup.js';
import { runtimeSpec } from './runtime-spec.js';

export interface SupervisorOptions {
  host: Host;
  layout: Layout;
  leases: PortLeases;
  now?: () => number;
  /** Instances an operator stopped (see controls/holds.ts): never started until started again. */
  isStopped?: (program: string, index: number) => boolean;
  /**
   * Who holds a TCP port now ("pid 12 (python3)"), undefined when it is free: a fixed `port` another
   * process listens on is refused before an instance is started on it. Absent: not checked.
   */
  portHolder?: (port: number) => Promise<string | undefined>;
  /** The host's cgroups for process trees (tests inject Cgroups.unavailable); detected when absent. */
  cgroups?: Cgroups;
}

export class Supervisor extends EventEmitter {
  private readonly host: Host;
  private readonly layout: Layout;
  private readonly leases: PortLeases;
  private readonly now: () => number;
  private readonly isStopped: SupervisorOptions['isStopped'];
  private readonly portHolder: SupervisorOptions['portHolder'];
  private readonly cgroups: Cgroups | undefined;
  private readonly runners = new Map<string, ProgramRunner>();
  /** Desired programs whose dependencies are not Ready yet; started from onChanged. */
  private readonly pending = new Map<string, Program>();
  private adopted: Promise<void> | undefined;
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: SupervisorOptions) {
    super();
    this.host = opts.host;
    this.layout = opts.layout;
    this.leases = opts.leases;
    this.now = opts.now ?? (() => Date.now());
    this.isStopped = opts.isStopped;
    this.portHolder = opts.portHolder;
    this.cgroups = opts.cgroups;
  }

  private deps() {
    return {
      host: this.host,
      layout: this.layout,
      leases: this.leases,
      now: this.now,
      emit: (ev: SupervisorEvent) => this.emit('event', ev),
      changed: () => this.onChanged(),
      ...(this.isStopped ? { isStopped: this.isStopped } : {}),
      ...(this.portHolder ? { portHolder: this.portHolder } : {}),
      ...(this.cgroups ? { cgroups: this.cgroups } : {}),
    };
  }

  /** Serialises apply/adopt/stopAll so two converges never race over the same instances. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Finds instances left running by a previous supervisor (run file + process start time). Idempotent. */
  adopt(): Promise<void> {
    this.adopted ??= this.locked(() => this.doAdopt());
    return this.adopted;
  }

  private async doAdopt(): Promise<void> {
    // A killed tend's groups whose processes have ended since (adopted ones are populated: kept).
    (this.cgroups ?? hostCgroups()).removeEmptyAbandoned('programs');
    const files = await readRunFiles(this.host, this.layout.programs.runDir);
    const live = new Set<RunFile>();
    for (const rf of files) if (await isSameLiveProcess(this.host, rf.pid, rf.startTime)) live.add(rf);
    const byProgram = new Map<string, RunFile[]>();
    for (const rf of files) byProgram.set(rf.program, [...(byProgram.get(rf.program) ?? []), rf]);
    for (const [name, group] of byProgram) {
      // Mid-rollout the newest run file carries the newest spec.
      const newest = group.reduce((a, b) => (b.startedAt > a.startedAt ? b : a));
      if (newest.resource?.kind !== 'Program' || newest.resource.metadata?.name !== name) continue;
      const runner = new ProgramRunner(this.deps(), newest.resource);
      this.runners.set(name, runner);
      try {
        await runner.adopt(
          group.sort((a, b) => a.index - b.index),
          live,
        );
      } catch (err) {
        const e = asTendError(err);
        runner.error = { code: e.code, message: e.message };
      }
    }
  }

  /** Converge to exactly these Programs (only backend: native ones are handled here). */
  async apply(programs: readonly Program[]): Promise<void> {
    await this.adopt();
    return this.locked(async () => {
      const desired = new Map(
        programs.filter((p) => p.spec.backend === 'native').map((p) => [p.metadata.name, p]),
      );
      const removed = [...this.runners.values()].filter((r) => !desired.has(r.name));
      for (const name of [...this.pending.keys()]) if (!desired.has(name)) this.pending.delete(name);
      // Dependents stop before what they depend on.
      for (const name of topoOrder(removed.map((r) => r.resource)).reverse()) {
        const runner = this.runners.get(name);
        if (!runner) continue;
        await runner.remove();
        this.runners.delete(name);
      }
      for (const name of topoOrder([...desired.values()])) {
        const program = desired.get(name);
        if (program) await this.startOrWait(program, desired);
      }
    });
  }

  private blockers(program: Program, desired: Map<string, Program>): string[] {
    // A dependency not handled here (another backend) cannot be observed, so it does not block.
    return program.spec.dependsOn.filter((d) => desired.has(d) && !this.runners.get(d)?.ready);
  }

  private async startOrWait(program: Program, desired: Map<string, Program>): Promise<void> {
    const name = program.metadata.name;
    let runner = this.runners.get(name);
    const waiting = this.blockers(program, desired);
    if (waiting.length > 0) {
      this.pending.set(name, program);
      if (!runner) {
        runner = new ProgramRunner(this.deps(), program);
        this.runners.set(name, runner);
      }
      runner.waitingFor = waiting;
      return;
    }
    this.pending.delete(name);
    if (!runner) {
      runner = new ProgramRunner(this.deps(), program);
      this.runners.set(name, runner);
    }
    runner.waitingFor = [];
    if (await runner.upToDate(program)) {
      runner.resource = program;
      return;
    }
    await runner.converge(program);
  }

  /** A readiness flip somewhere: start pending programs whose dependencies are now Ready. */
  private onChanged(): void {
    if (this.pending.size === 0) return;
    const desired = new Map<string, Program>();
    for (const r of this.runners.values()) desired.set(r.name, r.resource);
    for (const p of this.pending.values()) desired.set(p.metadata.name, p);
    for (const program of this.pending.values()) {
      const runner = this.runners.get(program.metadata.name);
      const waiting = this.blockers(program, desired);
      if (runner) runner.waitingFor = waiting;
      if (waiting.length === 0) {
        this.pending.delete(program.metadata.name);
        void this.locked(() => this.startOrWait(program, desired));
      }
    }
  }

  /**
   * The Programs this supervisor converges to now: each runner's spec, or the newer one waiting for
   * its dependencies. A driver applying one change starts from this set, so the others stay as they are.
   */
  programs(): Program[] {
    const out = new Map<string, Program>();
    for (const r of this.runners.values()) out.set(r.name, r.resource);
    for (const [name, p] of this.pending) out.set(name, p);
    return [...out.values()];
  }

  /**
   * True when this Program runs as `program` says, so a converge would leave it alone (a runtime
   * driver's drift check): converged to this spec with every instance at its generation and the user
   * database unchanged, or waiting for its dependencies with this spec. A spec that failed is never
   * up to date, so it is tried again.
   */
  async upToDate(program: Program): Promise<boolean> {
    const name = program.metadata.name;
    const waiting = this.pending.get(name);
    if (waiting) return runtimeSpec(waiting).generation === runtimeSpec(program).generation;
    const runner = this.runners.get(name);
    return runner !== undefined && (await runner.upToDate(program));
  }

  /** An operator's stop/start/restart of one Program's instances; false when it does not run here. */
  async control(
    name: string,
    op: 'stop' | 'start' | 'restart',
    indexes?: readonly number[],
  ): Promise<boolean> {
    await this.adopt();
    return this.locked(async () => {
      const runner = this.runners.get(name);
      if (!runner) return false;
      await runner.control(op, indexes);
      return true;
    });
  }

  status(): ProgramStatus[] {
    return [...this.runners.values()].map((r) => r.status()).sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** The spec a Program runs with now (after adoption: the one its run files carry). */
  resourceOf(name: string): Program | undefined {
    return this.runners.get(name)?.resource;
  }

  statusOf(name: string): ProgramStatus | undefined {
    return this.runners.get(name)?.status();
  }

  /** Stops every instance (dependents first). graceful: false sends SIGKILL to each group at once. */
  async stopAll(opts: { graceful?: boolean } = {}): Promise<void> {
    return this.locked(async () => {
      this.pending.clear();
      const order = topoOrder([...this.runners.values()].map((r) => r.resource)).reverse();
      // A Program that fails to stop must not leave the ones after it running: stop all, then report.
      let failure: unknown;
      for (const name of order) {
        await this.runners
          .get(name)
          ?.remove({ graceful: opts.graceful ?? true, keepLeases: true })
          .catch((err: unknown) => (failure ??= err));
        this.runners.delete(name);
      }
      if (failure !== undefined) throw failure;
    });
  }

  /** Stops watching and leaves every instance running, for a new supervisor to adopt. */
  async release(): Promise<void> {
    return this.locked(async () => {
      for (const r of this.runners.values()) r.release();
      this.runners.clear();
      this.pending.clear();
    });
  }
}
