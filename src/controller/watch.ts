// Watches the desired-state directory and reports changed YAML paths in debounced batches, so that a
// `git pull` touching hundreds of files or an editor's atomic save each trigger one reconcile. The
// directory itself may be replaced (deleted and restored, moved away and back, a symlink swapped to
// a new checkout): its parent is watched for that, and the watch is re-armed on the new directory.
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { watch as watchDir, type FSWatcher as DirWatcher, type Stats } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { asTendError } from '../errors/catalogue.js';
import { realTimers, type Timers } from './timers.js';

/** Quiet time after the last event before a batch is delivered (a checkout writes files µs apart). */
export const DEFAULT_SETTLE_MS = 40;

export interface WatchOptions {
  /** Quiet time after the last event before a batch is delivered. */
  settleMs?: number;
  /** Upper bound on how long a batch may keep growing while events keep arriving. */
  maxWaitMs?: number;
  onError?: (err: unknown) => void;
  /** The watch was re-armed on a new directory, or the directory is gone (`present: false`). */
  onRearm?: (event: RearmEvent) => void;
  timers?: Timers;
}

export interface RearmEvent {
  /** Why: the parent saw the directory's name change, or a check found a new identity. */
  reason: string;
  /** The directory now watched (symlinks resolved), or the path that is gone. */
  path: string;
  present: boolean;
}

export interface DesiredStateWatcher {
  close(): Promise<void>;
  /** Resolves once the initial scan is done; changes before that are not reported. */
  ready: Promise<void>;
  /**
   * Re-arms when the directory is no longer the one watched (another inode, or a symlink now
   * pointing elsewhere): a fallback for replacements the parent's watch could not see.
   */
  check(): Promise<void>;
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

/** Quiet time after the directory's name changed in its parent before the watch is re-armed. */
const REARM_SETTLE_MS = 100;

/** What the watch is on: the resolved directory and its inode, or undefined when it is gone. */
async function identityOf(root: string): Promise<{ real: string; id: string } | undefined> {
  try {
    const real = await realpath(root);
    const st = await stat(real);
    return st.isDirectory() ? { real, id: `${real}|${st.dev}|${st.ino}` } : undefined;
  } catch {
    return undefined;
  }
}

/** A chokidar watch of one resolved directory, reporting paths as seen through `root`. */
function armOn(real: string, root: string, batcher: Batcher, onError: (err: unknown) => void) {
  const ignored = ignoredUnder(real);
  const asSeen = (path: string) => join(root, relative(real, path));
  const watcher = watch(real, { ignoreInitial: true, ignored, persistent: true });
  // A directory's inotify event names the entry that changed: a write, a create, a delete, or an
  // editor's temp file renamed over the original (which is then one path, however many events).
  watcher.on('raw', (_event, name, details) => {
    const watched = (details as { watchedPath?: unknown } | undefined)?.watchedPath;
    if (!name || typeof watched !== 'string') return;
    const path = join(resolve(real, watched), name);
    if (!ignored(path) && isYamlPath(path)) batcher.push(asSeen(path));
  });
  // A directory that appears or goes brings or takes YAML the events above may not name (files
  // copied in before its watch began); the loader re-reads the tree either way.
  watcher.on('all', (event, path) => {
    if ((event === 'addDir' || event === 'unlinkDir') && !ignored(path)) batcher.push(asSeen(path));
  });
  watcher.on('error', onError);
  const ready = new Promise<void>((resolveReady) => watcher.once('ready', () => resolveReady()));
  return { watcher, ready };
}

export function watchDesiredState(
  dir: string,
  onBatch: (changedPaths: string[]) => void,
  opts: WatchOptions = {},
): DesiredStateWatcher {
  const root = resolve(dir);
  const onError = opts.onError ?? (() => {});
  const timers = opts.timers ?? realTimers;
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
  let armed: { watcher: FSWatcher; id: string } | undefined;
  let armedId: string | undefined;
  let closed = false;
  // Re-arms run one at a time, in order: a chokidar watch is closed before the next one opens.
  let chain: Promise<void> = Promise.resolve();

  const arm = async (): Promise<{ real: string } | undefined> => {
    const identity = await identityOf(root);
    armedId = identity?.id;
    if (!identity || closed) return identity;
    const next = armOn(identity.real, root, batcher, onError);
    armed = { watcher: next.watcher, id: identity.id };
    await next.ready;
    return identity;
  };

  const rearm = (reason: string, onlyIfChanged: boolean): Promise<void> => {
    chain = chain.then(async () => {
      if (closed) return;
      if (onlyIfChanged && (await identityOf(root))?.id === armedId) return;
      const old = armed;
      armed = undefined;
      await old?.watcher.close();
      const identity = await arm();
      if (closed) return;
      opts.onRearm?.({ reason, path: identity?.real ?? root, present: identity !== undefined });
      // Whatever the new directory holds differs from what was loaded: the loader reads it anew.
      batcher.push(root);
    });
    // A failed re-arm is reported; the chain stays usable for the next one.
    chain = chain.catch(onError);
    return chain;
  };

  // The parent reports the directory's own name being created, removed or renamed over: the
  // three ways a deployment replaces it. Content changes inside it are not the parent's news.
  let parent: DirWatcher | undefined;
  let settle: unknown;
  try {
    parent = watchDir(dirname(root), { persistent: false }, (event, name) => {
      if (event !== 'rename' || name !== basename(root)) return;
      if (settle !== undefined) timers.clearTimeout(settle);
      settle = timers.setTimeout(() => {
        settle = undefined;
        void rearm(`${root} was replaced`, false);
      }, REARM_SETTLE_MS);
    });
    parent.on('error', onError);
  } catch (err) {
    // No parent to watch (it is gone, or unreadable): check() on each resync still re-arms.
    onError(err);
  }

  chain = arm().then(() => undefined, onError);
  const ready = chain;

  return {
    ready,
    check: () => rearm(`${root} is no longer the directory watched`, true),
    async close() {
      closed = true;
      batcher.close();
      if (settle !== undefined) timers.clearTimeout(settle);
      parent?.close();
      await chain.catch(() => undefined);
      await armed?.watcher.close();
    },
  };
}

/** How `tend serve` reports the watcher's trouble: an error as a warning, a re-arm by whether the directory is back. */
export function watchLogging(log: Logger): Pick<WatchOptions, 'onError' | 'onRearm'> {
  return {
    onError: (err) => log.warn({ err: asTendError(err).message }, 'watch error'),
    onRearm: ({ reason, path, present }) => {
      if (present) log.info({ reason, path }, 'desired-state watch re-armed');
      else
        log.warn({ reason, path }, 'desired-state directory is gone; watching its parent for it to return');
    },
  };
}
