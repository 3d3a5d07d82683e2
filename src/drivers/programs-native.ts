// The native-programs driver: maps Program resources (backend: native) onto the Supervisor, and
// reads its status back as observations with the phase and outputs the status writer needs.
import type { Program } from '../model/index.js';
import { generationOf } from '../model/index.js';
import type { ProgramStatus, Supervisor, SupervisorEvent } from '../supervisor/index.js';

export type ProgramPhase = 'Pending' | 'Progressing' | 'Ready' | 'Degraded' | 'Failed' | 'Completed';

export interface ObservedProgram {
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

export class NativeProgramsDriver {
  constructor(private readonly supervisor: Supervisor) {}

  /** Only Programs with backend: native belong to this driver. */
  static handles(p: Program): boolean {
    return p.spec.backend === 'native';
  }

  /** Status per supervised program, from the supervisor's own observation (never from memory of the plan). */
  observe(): ObservedProgram[] {
    return this.supervisor.status().map((status) => {
      const { phase, message } = phaseOf(status);
      const gens = new Set(status.instances.map((i) => i.generation));
      const observedGeneration = gens.size === 1 ? [...gens][0]! : gens.size === 0 ? '' : 'mixed';
      return {
        key: status.key,
        phase,
        observedGeneration,
        message,
        outputs: {
          pids: status.instances.map((i) => i.pid).filter((p): p is number => p !== undefined),
          ports: status.instances.map((i) => i.port).filter((p): p is number => p !== undefined),
        },
        status,
      };
    });
  }

  /** Converges the supervisor to exactly these native Programs and says, per program, whether it could run. */
  async apply(programs: readonly Program[]): Promise<ApplyOutcome[]> {
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
