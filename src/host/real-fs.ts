// The real file system behind HostFs: node's fs with atomic writes (temp, fsync, rename, fsync the
// directory), non-blocking reads, and a read memo for long-lived processes.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  lstatSync,
  openSync,
  promises as fsp,
  readFileSync,
  statSync,
} from 'node:fs';
import { dirname, basename, join, resolve } from 'node:path';
import { dirSyncGroup } from './dir-sync.js';
import { readRange } from './read-range.js';
import { ContentMemo, stableIdentity } from './file-identity.js';
import { atomicTempName, type FileStat, type HostFs } from './host.js';

const isMissing = (err: unknown) => (err as NodeJS.ErrnoException)?.code === 'ENOENT';

const toStat = (s: import('node:fs').Stats): FileStat => ({
  isFile: s.isFile(),
  isDirectory: s.isDirectory(),
  isSymlink: s.isSymbolicLink(),
  mode: s.mode & 0o7777,
  uid: s.uid,
  gid: s.gid,
  mtimeMs: s.mtimeMs,
  size: s.size,
});

function statNow(how: typeof statSync | typeof lstatSync, path: string): FileStat | undefined {
  try {
    const st = how(path, { throwIfNoEntry: false });
    return st ? toStat(st) : undefined;
  } catch (err) {
    if (isMissing(err)) return undefined;
    throw err;
  }
}

const READ_BATCH = 256;

/**
 * readFiles for a long-lived process: a file whose stat identity is unchanged since the last read
 * is not read again (see file-identity.ts). A one-shot command reads each file once, so it would
 * only pay the extra stat.
 */
export function memoizedReadFiles(): NonNullable<HostFs['readFiles']> {
  const memo = new ContentMemo<string>();
  return async (paths) => {
    const now = Date.now();
    const out: (string | undefined)[] = [];
    for (let i = 0; i < paths.length; i++) {
      if (i > 0 && i % READ_BATCH === 0) await new Promise((r) => setImmediate(r));
      const path = paths[i]!;
      const identity = stableIdentity(path, now);
      let content = memo.get(path, identity);
      if (content === undefined) {
        content = readSmallFileSync(path);
        if (content !== undefined) memo.set(path, identity, content);
      }
      out.push(content);
    }
    return out;
  };
}

/** Non-blocking open and a check on the descriptor, so a FIFO at a managed path cannot hang a pass. */
function readSmallFileSync(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
    if (!fstatSync(fd).isFile()) return undefined;
    return readFileSync(fd, 'utf8');
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw err;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Temp files this host is writing right now. A daemon writes run files, events and status while a
 * pass sweeps stale temp files, so the sweep must know which ones are alive. One set per Host (a
 * daemon writes and sweeps through its one Host), never a module's.
 */
async function whileWriting(
  inFlight: Set<string>,
  temp: string,
  write: (temp: string) => Promise<void>,
): Promise<void> {
  const key = resolve(temp);
  inFlight.add(key);
  try {
    await write(temp);
  } finally {
    inFlight.delete(key);
  }
}

/** A write through a descriptor fails without a path; a full disk must still name the file. */
function withPath(err: unknown, path: string): unknown {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e === 'object' && e.code !== undefined && e.path === undefined) e.path = path;
  return err;
}

const tempNameFor = (path: string) =>
  join(dirname(path), atomicTempName(basename(path), randomBytes(4).toString('hex')));

/** A process's or thread's stat line under /proc. */
const PROC_STAT = /^\/proc\/\d+(\/task\/\d+)?\/stat$/;

async function readFileUtf8(path: string): Promise<string | undefined> {
  // /proc/<pid>/stat is read on the calling thread: the kernel builds it from the task alone (no
  // lock on the process's memory, unlike cmdline or environ, which a tenant stuck in the kernel can
  // hold), and through the thread pool each read is four round trips, each a wake-up of the loop.
  // The master watch reads one per master twice a second for the daemon's life (0053).
  if (PROC_STAT.test(path)) return readSmallFileSync(path);
  try {
    return await fsp.readFile(path, 'utf8');
  } catch (err) {
    if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
    throw err;
  }
}

/** Reading only, with no state of its own: for code that has no Host (a pid's start time). */
export const realFs: Pick<HostFs, 'readFile'> = { readFile: readFileUtf8 };

/** node's fs for one Host: its own in-flight temp files and its own directory-fsync groups. */
export function createRealFs(): HostFs {
  const inFlight = new Set<string>();
  const fsyncDir = dirSyncGroup();
  return {
    readFile: readFileUtf8,
    readRange,
    async readFiles(paths) {
      // Synchronous reads in batches: ~10x faster than fs/promises for small files (one thread-pool
      // round trip per syscall), with a yield between batches so a daemon stays responsive.
      const out: (string | undefined)[] = [];
      for (let i = 0; i < paths.length; i++) {
        if (i > 0 && i % READ_BATCH === 0) await new Promise((r) => setImmediate(r));
        out.push(readSmallFileSync(paths[i]!));
      }
      return out;
    },
    async writeFileAtomic(path, content, mode = 0o644) {
      await fsp.mkdir(dirname(path), { recursive: true });
      await whileWriting(inFlight, tempNameFor(path), async (temp) => {
        // Any failure (a full disk fails the write or the sync) removes the temp file now, not at
        // the next start's sweep: a daemon retrying every pass would otherwise leave one per pass.
        try {
          const handle = await fsp.open(temp, 'w', mode);
          try {
            await handle.writeFile(content, 'utf8');
            await handle.chmod(mode);
            await handle.sync();
          } finally {
            await handle.close();
          }
          await fsp.rename(temp, path);
        } catch (err) {
          await fsp.rm(temp, { force: true });
          throw withPath(err, path);
        }
      });
      await fsyncDir(dirname(path));
    },
    tempInFlight: (path) => inFlight.has(resolve(path)),
    async remove(path) {
      await fsp.rm(path, { force: true, recursive: true });
    },
    async mkdirp(path, mode = 0o755) {
      await fsp.mkdir(path, { recursive: true, mode });
    },
    // Stats run on the calling thread: a daemon stats ~12,000 paths a resync at 1,000 Sites + Pools,
    // and through libuv's thread pool each cost four system calls and two thread switches more than
    // the stat itself, most of an idle daemon's CPU (0051). A stat waits on no disk once the inode
    // is cached, and one stuck on a dead mount would hold a pool thread all the same.
    async stat(path) {
      return statNow(statSync, path);
    },
    async lstat(path) {
      return statNow(lstatSync, path);
    },
    async readdir(path) {
      try {
        return (await fsp.readdir(path)).sort();
      } catch (err) {
        if (isMissing(err)) return [];
        throw err;
      }
    },
    async readlink(path) {
      try {
        return await fsp.readlink(path);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EINVAL') return undefined;
        throw err;
      }
    },
    async symlink(target, path) {
      await fsp.mkdir(dirname(path), { recursive: true });
      await whileWriting(inFlight, tempNameFor(path), async (temp) => {
        await fsp.symlink(target, temp);
        await fsp.rename(temp, path);
      });
      await fsyncDir(dirname(path));
    },
    async rename(from, to) {
      await fsp.rename(from, to);
    },
    async chown(path, uid, gid) {
      await fsp.chown(path, uid, gid);
    },
    async chmod(path, mode) {
      await fsp.chmod(path, mode);
    },
    async ensureLogFile(path, mode) {
      // O_NOFOLLOW: a link planted where a log goes must not make root chmod its target.
      const handle = await fsp.open(
        path,
        fsConstants.O_WRONLY |
          fsConstants.O_APPEND |
          fsConstants.O_CREAT |
          fsConstants.O_NOFOLLOW |
          fsConstants.O_NONBLOCK,
        mode,
      );
      try {
        const st = await handle.stat();
        if (st.isFile() && (st.mode & 0o777 & ~mode) !== 0) await handle.chmod(st.mode & 0o777 & mode);
      } finally {
        await handle.close();
      }
    },
  };
}
