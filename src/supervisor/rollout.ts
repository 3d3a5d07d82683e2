// A Program's rollout as others see it: when it began, how many instances run the new spec and are
// ready, its start, end and halt events, and the wait for one instance to become ready. The runner
// does the stopping and starting; this keeps the rollout's progress where status can read it.
import type { Instance } from './instance.js';
import type { RuntimeSpec } from './runtime-spec.js';
import type { RolloutStatus, SupervisorEvent } from './types.js';

type Emit = (ev: Omit<SupervisorEvent, 'key' | 'at'>) => void;

export class Rollout {
  /** When the running rollout began; undefined while no instance is being rolled. */
  private since: string | undefined;
  private haltedGeneration: string | undefined;

  constructor(
    private readonly emit: Emit,
    private readonly now: () => number,
  ) {}

  /** Runs `roll` with its progress in status and start/end events, when any instance is stale. */
  async run(spec: RuntimeSpec, instances: Iterable<Instance>, roll: () => Promise<void>): Promise<void> {
    const stale = [...instances].filter((i) => i.generation !== spec.instanceGeneration);
    if (stale.length === 0) return roll();
    this.since = new Date(this.now()).toISOString();
    this.emit({
      type: 'Normal',
      reason: 'RolloutStarted',
      message: `rolling ${stale.length} instance(s) to generation ${spec.generation}`,
    });
    try {
      await roll();
    } finally {
      this.since = undefined;
    }
    if (this.haltedGeneration !== spec.generation)
      this.emit({
        type: 'Normal',
        reason: 'RolledOut',
        message: `generation ${spec.generation} rolled out to ${spec.instances} instance(s)`,
      });
  }

  /** Stops a rollout that cannot go on (once per generation: a retry does not repeat the event). */
  halt(spec: RuntimeSpec, why: string): void {
    if (this.haltedGeneration === spec.generation) return;
    this.haltedGeneration = spec.generation;
    this.emit({
      type: 'Warning',
      reason: 'RolloutHalted',
      message: `rollout of generation ${spec.generation} halted: ${why}`,
    });
  }

  status(spec: RuntimeSpec, instances: Iterable<Instance>): RolloutStatus | undefined {
    if (this.since === undefined) return undefined;
    const updated = [...instances].filter((i) => i.generation === spec.instanceGeneration && i.ready).length;
    return { generation: spec.generation, updated, desired: spec.instances, startedAt: this.since };
  }

  /** Ready within the start time plus the probe's thresholds (and 10 s of slack); false otherwise. */
  waitReady(spec: RuntimeSpec, inst: Instance): Promise<boolean> {
    const p = spec.probe;
    const probeMs = p ? p.initialDelayMs + (p.intervalMs + p.timeoutMs) * (p.successThreshold + 1) : 0;
    const limit = spec.startMs + probeMs + 10_000;
    const started = this.now();
    return new Promise((resolve) => {
      const check = () => {
        if (inst.ready) return resolve(true);
        if (inst.state === 'crash-loop' || inst.state === 'exited' || this.now() - started > limit)
          return resolve(false);
        setTimeout(check, 50);
      };
      check();
    });
  }
}
