// Directory fsyncs with group commit: a rename is durable once an fsync of its directory *starts*
// after it. Callers that arrive while one runs share the next one, so 2,000 files written into one
// directory cost a handful of directory fsyncs instead of 2,000 (each a journal commit on ext4).
import { constants as fsConstants, promises as fsp } from 'node:fs';

async function fsyncDirNow(dir: string): Promise<void> {
  // A directory removed meanwhile (a pruned tree, a test's teardown) has no entry left to make durable.
  const handle = await fsp.open(dir, fsConstants.O_RDONLY).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException)?.code === 'ENOENT') return undefined;
    throw err;
  });
  if (!handle) return;
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * A group-commit fsyncDir with its own bookkeeping (per directory: the fsync running now, and the
 * one queued behind it for later callers). Each Host owns one; no module state.
 */
export function dirSyncGroup(): (dir: string) => Promise<void> {
  const syncs = new Map<string, { running?: Promise<void>; next?: Promise<void> }>();
  return (dir) => fsyncDirGrouped(syncs, dir);
}

function fsyncDirGrouped(
  syncs: Map<string, { running?: Promise<void>; next?: Promise<void> }>,
  dir: string,
): Promise<void> {
  const state = syncs.get(dir) ?? {};
  syncs.set(dir, state);
  if (state.next) return state.next;
  const start = async (): Promise<void> => {
    state.next = undefined;
    state.running = fsyncDirNow(dir);
    try {
      await state.running;
    } finally {
      state.running = undefined;
      if (!state.next) syncs.delete(dir);
    }
  };
  if (!state.running) return start();
  // Queued behind the running fsync, which may have begun before this caller's rename.
  state.next = state.running.catch(() => undefined).then(start);
  return state.next;
}
