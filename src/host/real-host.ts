// The real Host: node's fs with atomic writes, execa for commands (argv only, never a shell),
// /proc for process identity, and a bind test for ports.
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants as fsConstants,
  fstatSync,
  openSync,
  promises as fsp,
  readFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { dirname, basename, join, resolve } from 'node:path';
import { fsyncDir } from './dir-sync.js';
import { readProcStat } from './proc-stat.js';
import { ContentMemo, stableIdentity } from './file-identity.js';
import {
  atomicTempName,
  type ExecOptions,
  type ExecResult,
  type FileStat,
  type Host,
  type HostFs,
} from './host.js';

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

const READ_BATCH = 256;

/**
 * readFiles for a long-lived process: a file whose stat identity is unchanged since the last read
 * is not read again (see file-identity.ts). A one-shot command reads each file once, so it would
 * only pay the extra stat.
 */
function memoizedReadFiles(): NonNullable<HostFs['readFiles']> {
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
 * Temp files this process is writing right now. A daemon writes run files, events and status while
 * a pass sweeps stale temp files, so the sweep must know which ones are alive.
 */
const inFlight = new Set<string>();

async function whileWriting(temp: string, write: (temp: string) => Promise<void>): Promise<void> {
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

export const realFs: HostFs = {
  async readFile(path) {
    try {
      return await fsp.readFile(path, 'utf8');
    } catch (err) {
      if (isMissing(err) || (err as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw err;
    }
  },
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
    await whileWriting(tempNameFor(path), async (temp) => {
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
  async stat(path) {
    try {
      return toStat(await fsp.stat(path));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  },
  async lstat(path) {
    try {
      return toStat(await fsp.lstat(path));
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
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
    await whileWriting(tempNameFor(path), async (temp) => {
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

async function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  // Loaded on first use: execa costs ~150 ms to import, and a plan never runs a command.
  const { execa } = await import('execa');
  const result = await execa(file, args, {
    reject: false,
    shell: false,
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: opts.replaceEnv !== true,
    timeout: opts.timeoutMs,
    input: opts.input,
    stripFinalNewline: true,
  });
  if (result.failed && result.exitCode === undefined) {
    // Could not start at all (ENOENT, EACCES) or killed by timeout: report as a failed exec.
    return {
      exitCode: 127,
      stdout: String(result.stdout ?? ''),
      stderr: String(result.stderr || result.message),
    };
  }
  return { exitCode: result.exitCode ?? 1, stdout: String(result.stdout), stderr: String(result.stderr) };
}

export async function processStartTime(pid: number): Promise<number | undefined> {
  return (await readProcStat(realFs, pid))?.startTime;
}

export function portIsFree(port: number, address = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ port, host: address, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

export interface RealHostOptions {
  /** A daemon re-reads the same files every pass: skip those whose stat identity is unchanged. */
  longLived?: boolean;
}

export function createRealHost(opts: RealHostOptions = {}): Host {
  return {
    fs: opts.longLived ? { ...realFs, readFiles: memoizedReadFiles() } : realFs,
    exec,
    kill(pid, signal) {
      try {
        process.kill(pid, signal);
        return true;
      } catch (err) {
        return (err as NodeJS.ErrnoException).code === 'EPERM';
      }
    },
    processStartTime,
    async which(binary) {
      for (const dir of (
        process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
      ).split(':')) {
        const candidate = join(dir, binary);
        try {
          await fsp.access(candidate, fsConstants.X_OK);
          return candidate;
        } catch {
          /* not in this directory */
        }
      }
      return undefined;
    },
    now: () => Date.now(),
    sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    portIsFree,
    isRoot: () => process.getuid?.() === 0,
  };
}
