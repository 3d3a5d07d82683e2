// Operator holds that outlive a pass and a daemon restart: Programs (or some of their instances)
// stopped by hand, resources suspended by hand, and the whole daemon paused. Kept in one small JSON
// file in the state dir (atomic replace), read once at start and rewritten on every change.
import { z } from 'zod';
import type { Host } from '../host/host.js';
import type { ResourceKey } from '../model/index.js';

/** Who asked and when: status shows it ("stopped by api at 2026-…"). */
export interface HoldMark {
  by: string;
  at: string;
}

export interface StopHold extends HoldMark {
  /** The instance indexes stopped; absent: the whole Program. */
  instances?: number[];
}

const mark = { by: z.string(), at: z.string() };
const holdsSchema = z.strictObject({
  paused: z.strictObject(mark).optional(),
  suspended: z.record(z.string(), z.strictObject(mark)).default({}),
  stopped: z
    .record(z.string(), z.strictObject({ ...mark, instances: z.array(z.number().int().min(0)).optional() }))
    .default({}),
});
export type HoldsState = z.infer<typeof holdsSchema>;

export const HOLDS_FILE = 'controls.json';

export class Holds {
  private state: HoldsState = { suspended: {}, stopped: {} };

  constructor(
    private readonly host: Host,
    private readonly stateDir: string,
  ) {}

  private get path(): string {
    return `${this.stateDir}/${HOLDS_FILE}`;
  }

  /** Reads the file; a corrupt one is not trusted to start things: it is reported and kept aside. */
  async load(): Promise<void> {
    const text = await this.host.fs.readFile(this.path);
    if (text === undefined) return;
    const parsed = holdsSchema.safeParse(JSON.parse(text));
    if (!parsed.success) throw new Error(`${this.path}: not a tend controls file: ${parsed.error.message}`);
    this.state = parsed.data;
  }

  private async save(): Promise<void> {
    await this.host.fs.mkdirp(this.stateDir, 0o700);
    await this.host.fs.writeFileAtomic(this.path, `${JSON.stringify(this.state, null, 2)}\n`, 0o600);
  }

  snapshot(): HoldsState {
    return structuredClone(this.state);
  }

  get paused(): HoldMark | undefined {
    return this.state.paused;
  }

  async setPaused(by: HoldMark | undefined): Promise<void> {
    if (by) this.state.paused = by;
    else delete this.state.paused;
    await this.save();
  }

  suspension(key: ResourceKey): HoldMark | undefined {
    return this.state.suspended[key];
  }

  suspendedKeys(): ResourceKey[] {
    return Object.keys(this.state.suspended) as ResourceKey[];
  }

  async setSuspended(key: ResourceKey, by: HoldMark | undefined): Promise<void> {
    if (by) this.state.suspended[key] = by;
    else delete this.state.suspended[key];
    await this.save();
  }

  stopHold(key: ResourceKey): StopHold | undefined {
    return this.state.stopped[key];
  }

  /** Whether instance `index` of the Program must stay stopped. */
  isStopped(key: ResourceKey, index: number): boolean {
    const hold = this.state.stopped[key];
    return hold !== undefined && (hold.instances === undefined || hold.instances.includes(index));
  }

  /** Stops all instances (no list) or adds these to the stopped ones. */
  async stop(key: ResourceKey, by: HoldMark, instances?: number[]): Promise<void> {
    const prev = this.state.stopped[key];
    const all = instances === undefined || (prev !== undefined && prev.instances === undefined);
    const list = all
      ? undefined
      : [...new Set([...(prev?.instances ?? []), ...instances])].sort((a, b) => a - b);
    this.state.stopped[key] = { ...by, ...(list ? { instances: list } : {}) };
    await this.save();
  }

  /**
   * Starts all (no list) or removes these from the stopped ones; `count` (the Program's instances)
   * turns a whole-Program stop into the list of the others when only some are started.
   */
  async start(key: ResourceKey, instances: number[] | undefined, count: number): Promise<void> {
    const prev = this.state.stopped[key];
    if (!prev) return;
    if (instances === undefined) delete this.state.stopped[key];
    else {
      const stopped = prev.instances ?? [...Array(count).keys()];
      const left = stopped.filter((i) => !instances.includes(i));
      if (left.length === 0) delete this.state.stopped[key];
      else this.state.stopped[key] = { ...prev, instances: left };
    }
    await this.save();
  }
}
