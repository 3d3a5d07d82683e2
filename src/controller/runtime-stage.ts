// The daemon's runtime stage: what runs rather than renders files. It owns the bridges to the native
// supervisor, supervisord, the terminal servers and the job runner; after each pass's file changes it
// hands the applied plan's Program, Terminal and Job steps to their runtime drivers (the bridges add
// the drift their drivers observe), and it reads status back from the drivers' observation.
// See docs/decisions/0046-runtime-stage.md.
import type { Resource, ResourceKey } from '../model/index.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { HealthVerdict } from '../observe/assess.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import type { Plan } from '../plan/types.js';
import type { PortLeases } from '../state/port-leases.js';
import type { ControlsBridge } from '../controls/bridge.js';
import { JobsBridge } from '../runtime/jobs.js';
import { ProgramsBridge } from '../runtime/programs.js';
import { SupervisordProgramsBridge } from '../runtime/supervisord-programs.js';
import { TerminalsBridge } from '../runtime/terminals.js';
import type { ControllerOptions } from './options.js';

export interface RuntimeStageOptions {
  opts: ControllerOptions;
  controls: ControlsBridge;
  /** The controller's one lease store (pipeline/snapshot.ts). */
  leases: PortLeases;
  /** A key whose runtime state flipped, or whose spec error changed: the loop enqueues it. */
  enqueue: (key: ResourceKey | '*') => void;
}

/** What the Programs step of the last pass reported (its converge runs beside the pass). */
export type ProgramsApplied = Awaited<ReturnType<ProgramsBridge['apply']>>;

export class RuntimeStage {
  readonly programs: ProgramsBridge;
  readonly supervisordPrograms: SupervisordProgramsBridge;
  readonly terminals: TerminalsBridge;
  readonly jobs: JobsBridge;
  /** What the last pass's Programs step reported. */
  programsApplied: ProgramsApplied = { errors: new Map(), portsChanged: false };

  constructor({ opts, controls, leases, enqueue }: RuntimeStageOptions) {
    const { host, layout, events, store } = opts;
    this.programs = new ProgramsBridge({
      isStopped: (name, index) => controls.holds.isStopped(`Program/${name}`, index),
      suspended: () => controls.suspendedPrograms(),
      host,
      layout,
      leases,
      events,
      store,
      onFlip: (key) => enqueue(key),
      onSettled: ({ changed, portsChanged }) => {
        for (const key of changed) enqueue(key);
        if (portsChanged) enqueue('*');
      },
    });
    this.supervisordPrograms = new SupervisordProgramsBridge({ layout, events });
    this.terminals = new TerminalsBridge({ host, layout, events, store, leases });
    this.jobs = new JobsBridge({ host, layout, events, store });
  }

  /**
   * After the file changes: the runtime drivers get the applied plan's steps. Returns the keys to
   * probe again shortly (supervisord programs it restarted).
   */
  async apply(computed: ComputedPlan, applied: Plan): Promise<ResourceKey[]> {
    this.programsApplied = await this.programs.apply(computed, applied);
    // supervisord's programs are observed on every pass; their driver restarts FATAL ones.
    const recheck = await this.supervisordPrograms.observe(
      computed.load.resources.map((r) => r.resource),
      applied.changes,
    );
    await this.terminals.apply(computed, applied);
    await this.jobs.apply(computed, applied);
    return recheck;
  }

  /** A runtime resource's health, from its driver's observation; undefined for other kinds. */
  health(r: Resource): HealthVerdict | undefined {
    return this.programs.health(r) ?? this.supervisordPrograms.health(r) ?? this.terminals.health(r);
  }

  /** A runtime resource's whole status, from its driver's observation; undefined for other kinds. */
  statusFor(r: Resource, st: ResourceStatus): ResourceStatus | undefined {
    return (
      this.programs.statusFor(r, st) ??
      this.supervisordPrograms.statusFor(r, st) ??
      this.terminals.statusFor(r, st) ??
      this.jobs.statusFor(r, st)
    );
  }

  /** After a pass: every runtime resource's status from what runs now. */
  refreshAll(): void {
    this.programs.refreshAll();
    this.terminals.refreshAll();
    this.jobs.refreshAll();
  }

  async stop(opts: { keepPrograms: boolean }): Promise<void> {
    await this.programs.stop(opts);
    await this.terminals.stop();
    await this.jobs.stop();
  }
}
