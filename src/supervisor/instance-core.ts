// What one instance slot of a Program is and shows: its state, its current process and process
// tree, its status and run file, its events. The lifecycle (start, exit, restart, stop) is
// instance.ts, built on this.
import type { Cgroups } from '../host/cgroup.js';
import type { Host } from '../host/index.js';
import type { Program } from '../model/index.js';
import type { Identity } from './identity.js';
import type { LogPipe } from './log-pipe.js';
import type { Prober } from './probe.js';
import type { Proc } from './proc.js';
import type { TreePlacement } from './placement.js';
import { writeRunFile } from './run-file.js';
import { runFileOf, statusOf } from './instance-records.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { ExitRecord, Health, InstanceState, InstanceStatus, SupervisorEvent } from './types.js';

export interface InstanceContext {
  host: Host;
  runDir: string;
  /** Where finished instances leave their marker (see completed.ts). */
  doneDir: string;
  now: () => number;
  emit: (ev: Omit<SupervisorEvent, 'key' | 'at'>) => void;
  /** Called on every change that may alter readiness, so the program and its dependents re-check. */
  changed: () => void;
  /** The host's cgroups (tests inject Cgroups.unavailable to prove the fallback); detected when absent. */
  cgroups?: Cgroups;
}

export class InstanceCore {
  state: InstanceState = 'stopped';
  restarts = 0;
  lastExit: ExitRecord | undefined;
  ready = false;
  adopted = false;
  crashLoop: string | undefined;
  message: string | undefined;
  protected failures = 0;
  /** Bumped by every stop() from the owner, so a liveness restart in flight never revives it. */
  protected epoch = 0;
  protected proc: Proc | undefined;
  protected desired: 'run' | 'stop' = 'stop';
  protected timer: NodeJS.Timeout | undefined;
  protected unwatch: (() => void) | undefined;
  protected prober: Prober | undefined;
  /** The cgroups of the current process tree (see placement.ts). */
  protected place: TreePlacement | undefined;

  constructor(
    protected readonly ctx: InstanceContext,
    readonly index: number,
    public spec: RuntimeSpec,
    public resource: Program,
    public identity: Identity,
    public port: number | undefined,
    readonly pipe: LogPipe,
  ) {}

  /** What this instance runs (see RuntimeSpec.instanceGeneration). */
  get generation(): string {
    return this.spec.instanceGeneration;
  }

  /** Takes a spec that differs only in what needs no restart (instances); rewrites the run file. */
  async retarget(spec: RuntimeSpec, resource: Program, identity: Identity): Promise<void> {
    const changed = spec.generation !== this.spec.generation;
    this.spec = spec;
    this.resource = resource;
    this.identity = identity;
    if (changed && this.alive) await this.persist();
  }
  get pid(): number | undefined {
    return this.proc?.pid;
  }
  get alive(): boolean {
    return this.proc !== undefined && !this.proc.done;
  }
  get health(): Health {
    return this.prober?.health ?? 'unknown';
  }

  /** Status as reported outside: secrets redacted, pid and process tree only while alive. */
  status(): InstanceStatus {
    const st = statusOf(this, this.proc, this.ctx.now());
    if (!this.alive || !this.place) return st;
    const { tree, untracked } = this.place;
    return { ...st, ...(tree ? { cgroup: tree } : {}), ...(untracked ? { untracked } : {}) };
  }

  /** Stops watching without touching the process (tend is going away; a new one adopts it). */
  release(): void {
    this.clearTimer();
    this.unwatch?.();
    this.prober?.stop();
    this.proc?.child?.removeAllListeners('exit');
    this.proc?.child?.unref();
    this.proc = undefined;
  }

  protected event(type: SupervisorEvent['type'], reason: SupervisorEvent['reason'], message: string): void {
    this.ctx.emit({ instance: this.index, type, reason, message });
  }

  protected clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  protected async persist(): Promise<void> {
    if (this.proc)
      await writeRunFile(this.ctx.host, this.ctx.runDir, runFileOf(this, this.proc, this.place?.tree));
  }
}
