// A new supervisor takes over one Program's run files: a live process is adopted (with the cgroup
// its tree was placed in); a slot whose process died while tend was down has what is left of its
// tree killed and its groups removed, and is started again unless its policy is `restart: never`
// or an operator stopped it.
import type { Identity } from './identity.js';
import type { Instance } from './instance.js';
import { reopenTree } from './placement.js';
import type { RunFile } from './run-file.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { ExitRecord, SupervisorEvent } from './types.js';
import type { Cgroups } from '../host/cgroup.js';

/** The parts of a ProgramRunner adoption works on. */
export interface AdoptionTarget {
  spec: RuntimeSpec;
  readonly instances: Map<number, Instance>;
  held(index: number): boolean;
  newInstance(index: number, identity: Identity, adoptedPort?: number): Promise<Instance>;
  emit(ev: Omit<SupervisorEvent, 'key' | 'at'>): void;
}

export async function adoptRunFiles(
  target: AdoptionTarget,
  identity: Identity,
  files: RunFile[],
  live: Set<RunFile>,
  env: { now: () => number; cgroups?: Cgroups },
): Promise<void> {
  const spec = target.spec;
  for (const rf of files) {
    if (rf.index >= spec.instances || target.instances.has(rf.index)) continue;
    const inst = await target.newInstance(rf.index, identity, rf.port);
    // The adopted process keeps the spec it was started with, so a changed spec rolls it later.
    if (rf.instanceGeneration !== spec.instanceGeneration)
      inst.spec = { ...spec, generation: rf.generation, instanceGeneration: rf.instanceGeneration };
    inst.restarts = rf.restarts;
    target.instances.set(rf.index, inst);
    if (live.has(rf)) {
      inst.adopt(rf);
      continue;
    }
    // The leader died while tend was down; a setsid() escape of it may still run in its group.
    if (rf.cgroup !== undefined) await reopenTree('programs', rf.cgroup, env).cleanup();
    inst.lastExit = unknownExit(env.now());
    if (spec.restart !== 'never' && !target.held(rf.index)) {
      inst.restarts++;
      target.emit({
        instance: rf.index,
        type: 'Warning',
        reason: 'Restarted',
        message: `instance ${rf.index} exited while tend was down; restarting`,
      });
      await inst.start();
    } else inst.state = 'exited';
  }
}

function unknownExit(now: number): ExitRecord {
  return {
    code: null,
    signal: null,
    at: new Date(now).toISOString(),
    unknown: 'exited while tend was down; exit code unknown',
  };
}
