// Port leases (<stateDir>/ports.json): a port per key (`Program/web#0`) taken from a range, verified
// free by binding, persisted atomically, and kept by the same key across restarts. The only reader
// and writer of ports.json; which port a key gets is decided by the pure port-allocation.ts.
import type { Host } from '../host/index.js';
import { TendError } from '../errors/catalogue.js';
import {
  allocatePorts,
  exhaustedError,
  programPortsOf,
  releaseLeases,
  type PortRange,
} from './port-allocation.js';

export const PORTS_FILE = 'ports.json';
export const DEFAULT_PORT_RANGE = { from: 20000, to: 20999 } as const;

export interface AcquireOptions {
  /** True when the leased port is held by our own live instance (an adopted one): keep it. */
  heldByUs?: (port: number) => boolean;
  range?: PortRange;
}

interface LeaseFile {
  version: 1;
  leases: Record<string, number>;
}

export class PortLeases {
  private readonly host: Host;
  private readonly path: string;
  private readonly range: PortRange;
  private leases = new Map<string, number>();
  private loaded = false;
  /** Serialises every read-modify-write so two acquires never pick the same port. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(opts: { host: Host; stateDir: string; range?: PortRange }) {
    this.host = opts.host;
    this.path = `${opts.stateDir}/${PORTS_FILE}`;
    this.range = opts.range ?? { ...DEFAULT_PORT_RANGE };
    if (this.range.from < 1 || this.range.to > 65535 || this.range.from > this.range.to)
      throw new TendError(
        'TEND_ERR_USAGE',
        `expected a port range within 1-65535, got ${this.range.from}-${this.range.to}`,
      );
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    const text = await this.host.fs.readFile(this.path);
    if (text !== undefined) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (err) {
        throw new TendError(
          'TEND_ERR_STATE_CORRUPT',
          `expected JSON in ${this.path}, got: ${(err as Error).message}`,
        );
      }
      // `{version, leases}`, or the flat map of older releases.
      const obj = (parsed ?? {}) as Record<string, unknown>;
      const leases = (typeof obj.leases === 'object' && obj.leases !== null ? obj.leases : obj) as Record<
        string,
        unknown
      >;
      for (const [key, port] of Object.entries(leases))
        if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535)
          this.leases.set(key, port);
    }
    this.loaded = true;
  }

  private async save(): Promise<void> {
    const leases = Object.fromEntries([...this.leases].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    const body: LeaseFile = { version: 1, leases };
    await this.host.fs.writeFileAtomic(this.path, `${JSON.stringify(body, null, 2)}\n`, 0o644);
  }

  /** The port leased to a key, if any. */
  async get(key: string): Promise<number | undefined> {
    return this.locked(async () => {
      await this.load();
      return this.leases.get(key);
    });
  }

  async all(): Promise<Record<string, number>> {
    return this.locked(async () => {
      await this.load();
      return Object.fromEntries(this.leases);
    });
  }

  /** Program name → each instance's leased port, as a plan renders them (see programPortsOf). */
  async programPorts(): Promise<Map<string, number[]>> {
    return this.locked(async () => {
      await this.load();
      return programPortsOf(this.leases);
    });
  }

  /**
   * The pure allocation with each new candidate proved free by binding: a candidate found bound is
   * marked unavailable and the step runs again. Returns the leases after it.
   */
  private async allocate(
    want: readonly string[],
    opts: { move?: ReadonlySet<string>; range?: PortRange },
  ): Promise<{ leases: Map<string, number>; added: string[]; exhausted: string[] }> {
    const unavailable = new Set<number>();
    for (;;) {
      const step = allocatePorts({
        leases: this.leases,
        want,
        range: opts.range ?? this.range,
        unavailable,
        ...(opts.move ? { move: opts.move } : {}),
      });
      let retry = false;
      for (const key of step.added) {
        const port = step.leases.get(key)!;
        if (!(await this.host.portIsFree(port))) {
          unavailable.add(port);
          retry = true;
        }
      }
      if (!retry) return step;
    }
  }

  /**
   * The step before planning: every wanted key holds a lease afterwards (existing ones kept, even
   * while our own instance binds the port), so what is planned is what the supervisor will use.
   * `persist: false` (a read-only plan) allocates nothing: a port it showed but did not record could
   * be taken before the apply, so it shows only what is leased. Keys the range has no port left for
   * are returned with their error; the others are still leased.
   */
  async ensure(
    want: readonly string[],
    opts: { persist: boolean },
  ): Promise<{ ports: Map<string, number[]>; added: string[]; errors: Map<string, TendError> }> {
    return this.locked(async () => {
      await this.load();
      if (!opts.persist) return { ports: programPortsOf(this.leases), added: [], errors: new Map() };
      const step = await this.allocate(want, {});
      const errors = new Map<string, TendError>();
      for (const key of step.exhausted) errors.set(key, exhaustedError(key, this.range, this.leases.size));
      if (opts.persist && step.added.length > 0) {
        this.leases = step.leases;
        await this.save();
      }
      return { ports: programPortsOf(step.leases), added: step.added, errors };
    });
  }

  /**
   * Returns the key's port: its existing lease while that port is free (or held by our own
   * instance), otherwise the first port of the range that is neither leased nor bound.
   */
  async acquire(key: string, opts: AcquireOptions = {}): Promise<number> {
    return this.locked(async () => {
      await this.load();
      const range = opts.range ?? this.range;
      const current = this.leases.get(key);
      if (current !== undefined && (opts.heldByUs?.(current) || (await this.host.portIsFree(current))))
        return current;
      const step = await this.allocate([key], { move: new Set([key]), range });
      if (step.exhausted.length > 0)
        throw exhaustedError(key, range, [...this.leases.keys()].filter((k) => k !== key).length);
      this.leases = step.leases;
      await this.save();
      return this.leases.get(key)!;
    });
  }

  /** Releases one key, or every key starting with `prefix` when it ends with "#" (a Program's instances). */
  async release(keyOrPrefix: string): Promise<void> {
    return this.locked(async () => {
      await this.load();
      const { leases, released } = releaseLeases(this.leases, keyOrPrefix);
      if (released.length === 0) return;
      this.leases = leases;
      await this.save();
    });
  }
}
