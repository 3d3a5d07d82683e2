// Per-resource status kept in <stateDir>/status.json, so it survives a restart of tend. Writers
// change it in memory as often as they like and flush with save(): one atomic write per flush that
// changed a fact (a status that learned nothing new is not even replaced in memory). Event-driven
// writers (a program exiting, a probe flipping) use saveSoon(), which folds a burst into one write.
import { z } from 'zod';
import { isTendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import type { Kind, ResourceKey } from '../model/index.js';
import { resourceStatusSchema, type Phase, type ResourceStatus } from './conditions.js';
import { describeIssues } from './inventory-store.js';
import { parseStateFile } from './state-fs.js';

export const STATUS_FILE = 'status.json';

export type StatusWatcher = (
  key: ResourceKey,
  before: ResourceStatus | undefined,
  after: ResourceStatus | undefined,
) => void;

const statusFileSchema = z.strictObject({
  version: z.literal(1),
  resources: z.record(z.string(), resourceStatusSchema),
});

/** How long saveSoon() gathers changes before one write. */
export const SAVE_SOON_MS = 250;

export const statusPath = (stateDir: string) => `${stateDir}/${STATUS_FILE}`;

export interface StatusLoadOptions {
  /**
   * throw (the default, for readers such as `tend status`): a corrupt file is TEND_ERR_STATE_CORRUPT.
   * reset (for the controller): status is rebuilt by observation, so keep a copy and start empty.
   */
  onCorrupt?: 'throw' | 'reset';
}

export class StatusStore {
  private readonly entries = new Map<ResourceKey, ResourceStatus>();
  /**
   * The keys in list() order, kept until a key comes or goes: a pass lists the store several times,
   * and sorting 2,000 keys each time was the largest piece of JavaScript in an idle resync (0052).
   */
  private sortedKeys: ResourceKey[] | undefined;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();
  private soon: ReturnType<typeof setTimeout> | undefined;
  /** What the last write left on disk; undefined until this store has written. */
  private written: { size: number; mtimeMs: number } | undefined;
  /** Set when a corrupt file was reset on load: the controller reports it as an event. */
  loadWarning?: string;
  /** Told of every status whose facts changed, and of every removal (the API's live stream). */
  private readonly watchers = new Set<StatusWatcher>();

  private constructor(
    private readonly host: Host,
    readonly stateDir: string,
  ) {}

  static async load(host: Host, stateDir: string, opts: StatusLoadOptions = {}): Promise<StatusStore> {
    const store = new StatusStore(host, stateDir);
    const path = statusPath(stateDir);
    const content = await host.fs.readFile(path);
    if (content === undefined) return store;
    try {
      const file = await parseStateFile(
        host,
        path,
        content,
        (value) => {
          const r = statusFileSchema.safeParse(value);
          return r.success ? { ok: true, value: r.data } : { ok: false, reason: describeIssues(r.error) };
        },
        'Status is rebuilt from observation: remove the file or let the controller reset it.',
      );
      for (const status of Object.values(file.resources)) store.set(status as ResourceStatus);
      // A file damaged later is noticed even if nothing changes before the next save.
      const st = await host.fs.stat(path);
      if (st) store.written = { size: st.size, mtimeMs: st.mtimeMs };
    } catch (err) {
      if (opts.onCorrupt !== 'reset' || !isTendError(err, 'TEND_ERR_STATE_CORRUPT')) throw err;
      store.loadWarning = err.message;
      store.dirty = true;
    }
    return store;
  }

  get(key: ResourceKey): ResourceStatus | undefined {
    return this.entries.get(key);
  }

  /** A status with the same facts as the stored one (updatedAt aside) leaves the store as it was. */
  put(status: ResourceStatus): void {
    const current = this.entries.get(status.key);
    if (current && sameFacts(current, status)) return;
    this.set(status);
    this.dirty = true;
    this.notify(status.key, current, status);
  }

  remove(key: ResourceKey): boolean {
    const current = this.entries.get(key);
    const had = this.entries.delete(key);
    if (had) {
      this.sortedKeys = undefined;
      this.dirty = true;
      this.notify(key, current, undefined);
    }
    return had;
  }

  private set(status: ResourceStatus): void {
    if (!this.entries.has(status.key)) this.sortedKeys = undefined;
    this.entries.set(status.key, status);
  }

  /** Calls `fn` after every change of facts; the returned function stops it. */
  watch(fn: StatusWatcher): () => void {
    this.watchers.add(fn);
    return () => this.watchers.delete(fn);
  }

  private notify(
    key: ResourceKey,
    before: ResourceStatus | undefined,
    after: ResourceStatus | undefined,
  ): void {
    for (const fn of this.watchers) {
      try {
        fn(key, before, after);
      } catch {
        // A watcher's failure must not fail the writer (a pass, a probe).
      }
    }
  }

  /** Sorted by key, so every reader shows the same order. */
  list(filter: { kind?: Kind; phase?: Phase } = {}): ResourceStatus[] {
    // The default sort compares UTF-16 code units, as comparing keys with < and > does.
    this.sortedKeys ??= [...this.entries.keys()].sort();
    const out: ResourceStatus[] = [];
    for (const key of this.sortedKeys) {
      const s = this.entries.get(key)!;
      if (filter.kind !== undefined && s.kind !== filter.kind) continue;
      if (filter.phase !== undefined && s.phase !== filter.phase) continue;
      out.push(s);
    }
    return out;
  }

  get isDirty(): boolean {
    return this.dirty;
  }

  /**
   * A save within `delayMs`, shared by every call until then: 100 programs starting at once are one
   * ~3 MB write, not 100. Status is rebuilt by observation, so a crash loses nothing that matters.
   */
  saveSoon(delayMs = SAVE_SOON_MS): void {
    if (this.soon !== undefined) return;
    this.soon = setTimeout(() => {
      this.soon = undefined;
      void this.save().catch(() => undefined);
    }, delayMs);
    this.soon.unref();
  }

  /**
   * Whether the file on disk is still the one this store wrote: size and mtime as written. Someone
   * truncating or replacing it (a full disk, a hand edit) makes the next save rewrite it.
   */
  private async fileIntact(): Promise<boolean> {
    if (this.written === undefined) return true;
    const st = await this.host.fs.stat(statusPath(this.stateDir));
    return st !== undefined && st.size === this.written.size && st.mtimeMs === this.written.mtimeMs;
  }

  /** Writes the file when something changed, or when it was damaged; concurrent calls are serialized. */
  save(): Promise<void> {
    if (this.soon !== undefined) clearTimeout(this.soon);
    this.soon = undefined;
    const next = this.saving
      .catch(() => undefined)
      .then(async () => {
        if (!this.dirty && (await this.fileIntact())) return;
        this.dirty = false;
        const list = this.list();
        const resources: Record<string, ResourceStatus> = {};
        for (const status of list) resources[status.key] = status;
        try {
          await this.host.fs.writeFileAtomic(
            statusPath(this.stateDir),
            // Compact: at 2,000 resources indentation doubles the bytes and the time; `tend status` reads it.
            `${JSON.stringify({ version: 1, resources })}\n`,
            0o644,
          );
          const st = await this.host.fs.stat(statusPath(this.stateDir));
          this.written = st ? { size: st.size, mtimeMs: st.mtimeMs } : undefined;
        } catch (err) {
          this.dirty = true;
          throw err;
        }
      });
    this.saving = next;
    return next;
  }
}

/**
 * Whether two statuses hold the same facts, updatedAt aside: every resync rebuilds each status, and
 * one that learned nothing must not cost a ~3 MB write at 2,000 resources. Status is JSON data.
 */
function sameFacts(a: ResourceStatus, b: ResourceStatus): boolean {
  return a === b || sameFields(a as unknown as Fields, b as unknown as Fields, 'updatedAt');
}

type Fields = Record<string, unknown>;

// Loops rather than Object.keys: every resync compares ~2,000 statuses, and key arrays were a large
// share of what an idle daemon allocates (and then collects).
function fieldCount(o: Fields, skip: string | undefined): number {
  let n = 0;
  for (const k in o) if (Object.hasOwn(o, k) && k !== skip) n++;
  return n;
}

function sameFields(a: Fields, b: Fields, skip?: string): boolean {
  if (fieldCount(a, skip) !== fieldCount(b, skip)) return false;
  for (const k in a) {
    if (!Object.hasOwn(a, k) || k === skip) continue;
    if (!Object.hasOwn(b, k) || !sameJson(a[k], b[k])) return false;
  }
  return true;
}

function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  return sameFields(a as Fields, b as Fields);
}
