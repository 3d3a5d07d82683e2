// Watches the desired-state directory and reports changed YAML paths in debounced batches, so that a
// `git pull` touching hundreds of files or an editor's atomic save each trigger one reconcile.
import { extname, join, relative, resolve, sep } from 'node:path';
import type { Stats } from 'node:fs';
import { watch } from 'chokidar';
import { realTimers, type Timers } from './timers.js';

/** Quiet time after the last event before a batch is delivered (a checkout writes files µs apart). */
export const DEFAULT_SETTLE_MS = 40;

export interface WatchOptions {
  /** Quiet time after the last event before a batch is delivered. */
  settleMs?: number;
  /** Upper bound on how long a batch may keep growing while events keep arriving. */
  maxWaitMs?: number;
  onError?: (err: unknown) => void;
  timers?: Timers;
}

export interface DesiredStateWatcher {
  close(): Promise<void>;
  /** Resolves once the initial scan is done; changes before that are not reported. */
  ready: Promise<void>;
}

export function isYamlPath(path: string): boolean {
  const ext = extname(path).toLowerCase();
  return ext === '.yaml' || ext === '.yml';
}

/**
 * Collects paths and delivers them once no event arrived for `settleMs`, or `maxWaitMs` after the
 * first one, whichever comes first. A path appears once per batch however many events it saw.
 */
export class Batcher {
  private pending = new Set<string>();
  private settleTimer: unknown;
  private maxTimer: unknown;
  private closed = false;

  constructor(
    private readonly deliver: (paths: string[]) => void,
    private readonly settleMs: number,
    private readonly maxWaitMs: number,
    private readonly timers: Timers = realTimers,
  ) {}

  push(path: string): void {
    if (this.closed) return;
    this.pending.add(path);
    if (this.settleTimer !== undefined) this.timers.clearTimeout(this.settleTimer);
    this.settleTimer = this.timers.setTimeout(() => this.flush(), this.settleMs);
    if (this.maxTimer === undefined)
      this.maxTimer = this.timers.setTimeout(() => this.flush(), this.maxWaitMs);
  }

  flush(): void {
    this.clearTimers();
    if (this.pending.size === 0) return;
    const paths = [...this.pending].sort();
    this.pending = new Set();
    this.deliver(paths);
  }

  /** Drops anything pending: after close nobody is listening. */
  close(): void {
    this.closed = true;
    this.clearTimers();
    this.pending.clear();
  }

  private clearTimers(): void {
    if (this.settleTimer !== undefined) this.timers.clearTimeout(this.settleTimer);
    if (this.maxTimer !== undefined) this.timers.clearTimeout(this.maxTimer);
    this.settleTimer = undefined;
    this.maxTimer = undefined;
  }
}

/**
 * Dot-directories (.git, .tend) are never desired state, and chokidar watches directories only:
 * with a watcher per file, one save in a directory of 1,000 files cost it ~120 ms of CPU (it
 * re-reads and re-stats the directory and compares every entry) inside the pass the save starts.
 * File names come from the directories' own events instead (see `raw` below).
 */
function ignoredUnder(root: string) {
  return (path: string, stats?: Stats): boolean => {
    const rel = relative(root, path);
    if (rel === '') return false;
    if (rel.split(sep).some((segment) => segment.startsWith('.'))) return true;
    // Without stats chokidar is only asking early; directories must pass so that they are watched.
    return stats !== undefined && !stats.isDirectory();
  };
}

export function watchDesiredState(
  dir: string,
  onBatch: (changedPaths: string[]) => void,
  opts: WatchOptions = {},
): DesiredStateWatcher {
  const root = resolve(dir);
  const onError = opts.onError ?? (() => {});
  const batcher = new Batcher(
    (paths) => {
      try {
        onBatch(paths);
      } catch (err) {
        onError(err);
      }
    },
    opts.settleMs ?? DEFAULT_SETTLE_MS,
    opts.maxWaitMs ?? 2000,
    opts.timers,
  );
  const ignored = ignoredUnder(root);
  const watcher = watch(root, { ignoreInitial: true, ignored, persistent: true });

  // A directory's inotify event names the entry that changed: a write, a create, a delete, or an
  // editor's temp file renamed over the original (which is then one path, however many events).
  watcher.on('raw', (_event, name, details) => {
    const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (!name || typeof watched !== 'string') return;
    const path = join(resolve(root, watched), name);
    if (!ignored(path) && isYamlPath(path)) batcher.push(path);
  });
  // A directory that appears or goes brings or takes YAML the events above may not name (files
  // copied in before its watch began); the loader re-reads the tree either way.
  watcher.on('all', (event, path) => {
    if ((event === 'addDir' || event === 'unlinkDir') && !ignored(path)) batcher.push(path);
  });
  watcher.on('error', onError);

  const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));

  return {
    ready,
    async close() {
      batcher.close();
      await watcher.close();
    },
  };
}
