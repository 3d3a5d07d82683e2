// Port leases (<stateDir>/ports.json): a port per key (`Program/web#0`) taken from a range, verified
// free by binding, persisted atomically, and kept by the same key across restarts.
import type { Host } from '../host/index.js';
import { TendError } from '../errors/catalogue.js';

export const PORTS_FILE = 'ports.json';
export const DEFAULT_PORT_RANGE = { from: 20000, to: 20999 } as const;

export interface PortRange {
  from: number;
  to: number;
}

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
      let parsed: LeaseFile;
      try {
        parsed = JSON.parse(text) as LeaseFile;
      } catch (err) {
        throw new TendError(
          'TEND_ERR_INTERNAL',
          `expected JSON in ${this.path}, got: ${(err as Error).message}`,
        );
      }
      for (const [key, port] of Object.entries(parsed.leases ?? {}))
        if (Number.isInteger(port) && port >= 1 && port <= 65535) this.leases.set(key, port);
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
      const taken = new Set([...this.leases].filter(([k]) => k !== key).map(([, p]) => p));
      for (let port = range.from; port <= range.to; port++) {
        if (taken.has(port) || port === current) continue;
        if (!(await this.host.portIsFree(port))) continue;
        this.leases.set(key, port);
        await this.save();
        return port;
      }
      throw new TendError(
        'TEND_ERR_PORT_EXHAUSTED',
        `expected a free port in ${range.from}-${range.to} for ${key}, got none (${taken.size} leased, the rest bound by other processes)`,
        { key, range },
      );
    });
  }

  /** Releases one key, or every key starting with `prefix` when it ends with "#" (a Program's instances). */
  async release(keyOrPrefix: string): Promise<void> {
    return this.locked(async () => {
      await this.load();
      let changed = false;
      for (const key of [...this.leases.keys()]) {
        const match = keyOrPrefix.endsWith('#') ? key.startsWith(keyOrPrefix) : key === keyOrPrefix;
        if (match) changed = this.leases.delete(key) || changed;
      }
      if (changed) await this.save();
    });
  }
}
