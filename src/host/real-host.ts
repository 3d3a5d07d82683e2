// The real Host: node's fs with atomic writes (real-fs.ts), execa for commands (argv only, never a
// shell), /proc for process identity, and a bind test for ports.
import { constants as fsConstants, promises as fsp } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { readProcStat } from './proc-stat.js';
import { createRealFs, memoizedReadFiles, realFs } from './real-fs.js';
import type { ExecOptions, ExecResult, Host } from './host.js';

export { createRealFs, realFs };

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
    fs: opts.longLived ? { ...createRealFs(), readFiles: memoizedReadFiles() } : createRealFs(),
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
