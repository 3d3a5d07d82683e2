// The native-programs driver: maps Program resources (backend: native) onto the Supervisor, and
// reads its status back as observations with the phase and outputs the status writer needs. As a
// RuntimeDriver it applies one plan change at a time: the other Programs stay as the supervisor runs them.
import type { Program } from '../model/index.js';
import { generationOf } from '../model/index.js';
import { topoOrder, type ProgramStatus, type Supervisor, type SupervisorEvent } from '../supervisor/index.js';
import type { RuntimeApplyChange, RuntimeApplyResult, RuntimeDriver, RuntimeObservation } from './runtime.js';

export type ProgramPhase = 'Pending' | 'Progressing' | 'Ready' | 'Degraded' | 'Failed' | 'Completed';

export interface ObservedProgram extends RuntimeObservation {
  key: `Program/${string}`;
  phase: ProgramPhase;
  /** The generation the running instances were started from; the spec's when all are rolled. */
  observedGeneration: string;
  message: string;
  outputs: { pids: number[]; ports: number[] };
  status: ProgramStatus;
}

export interface ApplyOutcome {
  key: `Program/${string}`;
  ok: boolean;
  /** Set when the spec cannot run (TEND_ERR_ROOT_REFUSED, TEND_ERR_USER_UNKNOWN, …). */
  error?: { code: string; message: string };
}

/** Phase from observation: an error is Failed, every instance ready is Ready, a crash loop Degraded. */
export function phaseOf(s: ProgramStatus): { phase: ProgramPhase; message: string } {
  if (s.error) return { phase: 'Failed', message: s.error.message };
  if (s.waitingFor.length > 0)
    return { phase: 'Pending', message: `waiting for ${s.waitingFor.join(', ')} to be Ready` };
  const looping = s.instances.find((i) => i.crashLoop);
  if (looping) return { phase: 'Degraded', message: `instance ${looping.index}: ${looping.crashLoop}` };
  if (s.rollout)
    return {
      phase: 'Progressing',
      message: `rolling out generation ${s.rollout.generation}: ${s.rollout.updated}/${s.rollout.desired} instance(s) updated`,
    };
  if (s.ready)
    return { phase: 'Ready', message: `${s.desiredInstances}/${s.desiredInstances} instance(s) ready` };
  const ready = s.instances.filter((i) => i.ready).length;
  const exited = s.instances.filter((i) => i.state === 'exited');
  const finished = exited.length > 0 && exited.length === s.instances.length;
  // Every instance ran to exit 0 and its policy does not restart it: done, not broken.
  if (finished && exited.every((i) => i.lastExit?.code === 0))
    return { phase: 'Completed', message: `all ${exited.length} instance(s) exited 0` };
  const oom = exited.some((i) => i.lastExit?.reason === 'OOMKilled')
    ? '; OOMKilled: the memory limit was hit'
    : '';
  if (finished)
    return {
      phase: 'Degraded',
      message: `all instances exited (restart policy does not restart them)${oom}`,
    };
  return { phase: 'Progressing', message: `${ready}/${s.desiredInstances} instance(s) ready` };
}

export class NativeProgramsDriver implements RuntimeDriver<Program> {
  readonly kind = 'Program' as const;
  /** apply(change) calls, one at a time: each starts from the set the one before left. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly supervisor: Supervisor) {}

  /** Only Programs with backend: native belong to this driver. */
  static handles(p: Program): boolean {
    return p.spec.backend === 'native';
  }

  /** Status per supervised program, from the supervisor's own observation (never from memory of the plan). */
  observe(): ObservedProgram[] {
    return this.supervisor.status().map(observation);
  }

  /** One Program's observation; undefined while the supervisor does not run it. */
  observeOne(name: string): ObservedProgram | undefined {
    const status = this.supervisor.statusOf(name);
    return status && observation(status);
  }

  /** False when a converge would change something about this Program (see Supervisor.upToDate). */
  upToDate(p: Program): Promise<boolean> {
    return this.supervisor.upToDate(p);
  }

  /**
   * Applies one plan change: the set the supervisor runs now, with this Program created, replaced or
   * removed, goes through the supervisor's one converge, so dependsOn order, one-at-a-time rollouts,
   * port leases and adoption are the supervisor's as ever, and every other Program is up to date and
   * left alone. A no-op change, or a Program of another backend, touches nothing.
   */
  apply(change: RuntimeApplyChange<Program>): Promise<RuntimeApplyResult> {
    const run = this.chain.then(() => this.applyNow(change));
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async applyNow(change: RuntimeApplyChange<Program>): Promise<RuntimeApplyResult> {
    const name = change.key.slice('Program/'.length);
    const key = change.key;
    if (change.action === 'no-op') return { key, did: 'none' };
    await this.supervisor.adopt();
    const set = new Map(this.supervisor.programs().map((p) => [p.metadata.name, p]));
    const had = set.has(name);
    if (change.action === 'delete' || !change.resource || !NativeProgramsDriver.handles(change.resource)) {
      if (!had) return { key, did: 'none' };
      set.delete(name);
    } else {
      if (change.resource.metadata.name !== name)
        throw new Error(`runtime change ${key} carries Program/${change.resource.metadata.name}`);
      set.set(name, change.resource);
    }
    const before = this.supervisor.statusOf(name);
    await this.supervisor.apply([...set.values()]);
    const st = this.supervisor.statusOf(name);
    if (st?.error) return { key, did: 'none', error: st.error };
    return { key, did: didOf(before, st) };
  }

  /** These changes in the order apply(change) must get them (see inDependsOnOrder). */
  order<C extends RuntimeApplyChange<Program>>(changes: readonly C[]): C[] {
    return inDependsOnOrder(changes, this.supervisor.programs());
  }

  /** Converges the supervisor to exactly these native Programs and says, per program, whether it could run. */
  async applyAll(programs: readonly Program[]): Promise<ApplyOutcome[]> {
    const native = programs.filter(NativeProgramsDriver.handles);
    await this.supervisor.apply(native);
    return native.map((p) => {
      const st = this.supervisor.statusOf(p.metadata.name);
      const key = `Program/${p.metadata.name}` as const;
      return st?.error ? { key, ok: false, error: st.error } : { key, ok: true };
    });
  }

  /** True when the program runs the given spec on every instance. */
  inSync(p: Program): boolean {
    const st = this.supervisor.statusOf(p.metadata.name);
    if (!st) return false;
    const gen = generationOf(p);
    return st.instances.length === p.spec.instances && st.instances.every((i) => i.generation === gen);
  }

  /** Subscribes to the supervisor's events (Started, Exited, CrashLoop, Ready, …); returns an unsubscribe. */
  onEvent(fn: (ev: SupervisorEvent) => void): () => void {
    this.supervisor.on('event', fn);
    return () => this.supervisor.off('event', fn);
  }
}

function observation(status: ProgramStatus): ObservedProgram {
  const { phase, message } = phaseOf(status);
  const gens = new Set(status.instances.map((i) => i.generation));
  const observedGeneration = gens.size === 1 ? [...gens][0]! : gens.size === 0 ? '' : 'mixed';
  return {
    key: status.key,
    phase,
    observedGeneration,
    message,
    instances: status.instances.map((i) => ({
      index: i.index,
      pid: i.pid,
      state: i.state,
      ready: i.ready,
      port: i.port,
      generation: i.generation,
    })),
    ...(status.error ? { error: status.error } : {}),
    outputs: {
      pids: status.instances.map((i) => i.pid).filter((p): p is number => p !== undefined),
      ports: status.instances.map((i) => i.port).filter((p): p is number => p !== undefined),
    },
    status,
  };
}

/** What the supervisor did to one Program, from its status before and after (not from the plan's guess). */
function didOf(
  before: ProgramStatus | undefined,
  after: ProgramStatus | undefined,
): RuntimeApplyResult['did'] {
  if (!after) return before ? 'stop' : 'none';
  if (!before) return 'start';
  // A rolled instance is a new process on a new generation; a scaled one keeps its process (and is
  // retargeted to the new generation), a crash restart keeps its generation.
  const was = new Map(before.instances.map((i) => [i.index, i]));
  const replaced = after.instances.some((i) => {
    const old = was.get(i.index);
    return old !== undefined && old.generation !== i.generation && old.pid !== i.pid;
  });
  if (replaced) return 'rolling';
  return before.instances.length !== after.instances.length ? 'scale' : 'none';
}

/**
 * Program changes in the order a driver must get them, one at a time: deletions first, dependents
 * before what they depend on, then creates and updates in dependsOn order. The plan sorts Programs
 * by name; handed a dependent before its dependency, the supervisor would start it unblocked, since
 * a dependency it does not run yet cannot be observed.
 */
export function inDependsOnOrder<C extends RuntimeApplyChange<Program>>(
  changes: readonly C[],
  running: readonly Program[] = [],
): C[] {
  const nameOf = (c: C) => c.key.slice('Program/'.length);
  const runningByName = new Map(running.map((p) => [p.metadata.name, p]));
  const deletes = changes.filter((c) => c.action === 'delete' || !c.resource);
  const rest = changes.filter((c) => !deletes.includes(c));
  const ordered = (list: readonly C[]) => {
    const named = new Map(list.map((c) => [nameOf(c), c]));
    // A deletion carries no resource: its dependsOn is the one the supervisor runs.
    const resources = list.flatMap((c) => {
      const r = c.resource ?? runningByName.get(nameOf(c));
      return r ? [r] : [];
    });
    const known = topoOrder(resources).flatMap((n) => (named.has(n) ? [named.get(n)!] : []));
    return [...known, ...list.filter((c) => !known.includes(c))];
  };
  return [...ordered(deletes).reverse(), ...ordered(rest)];
}
