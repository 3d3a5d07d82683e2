// The Host: what a reconcile pass does to the host it manages (managed files, validators and
// reloads, signals to the masters, the clock, port checks) goes through this interface, so unit tests
// can record those actions with a fake and integration tests use the real one (host/real-host.ts).
// Long-lived children, network clients and servers, and tend's own files are not behind it; they are
// tested with the real parts (docs/decisions/0029-what-the-host-covers.md).
export interface ExecResult {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  input?: string;
  /** Give the command exactly `env`, not tend's environment plus `env` (a tenant must not see tend's). */
  replaceEnv?: boolean;
}

export interface FileStat {
  isFile: boolean;
  isDirectory: boolean;
  isSymlink: boolean;
  mode: number;
  uid: number;
  gid: number;
  mtimeMs: number;
  size: number;
}

/**
 * The name an atomic write uses before its rename: hidden, beside the target, tagged tend. A crash
 * between write and rename leaves one behind; recovery sweeps them by this pattern.
 */
export const atomicTempName = (base: string, tag: string) => `.${base}.tend-${tag}.tmp`;
export const ATOMIC_TEMP_PATTERN = /^\..+\.tend-[0-9a-f]{8}\.tmp$/;

export interface HostFs {
  readFile(path: string): Promise<string | undefined>;
  /** Up to maxBytes from offset ('' when missing): bounded log tails. Optional; callers fall back. */
  readRange?(path: string, offset: number, maxBytes: number): Promise<string>;
  /**
   * Many small files at once (observation reads every managed file each pass): undefined where a
   * path is missing or not a regular file. Optional; callers fall back to readFile.
   */
  readFiles?(paths: readonly string[]): Promise<(string | undefined)[]>;
  /** Atomic: temp file in the same directory, fsync, rename, fsync the directory. */
  writeFileAtomic(path: string, content: string, mode?: number): Promise<void>;
  /** Whether this process is writing that temp file now (see ATOMIC_TEMP_PATTERN). Optional. */
  tempInFlight?(path: string): boolean;
  remove(path: string): Promise<void>;
  mkdirp(path: string, mode?: number): Promise<void>;
  stat(path: string): Promise<FileStat | undefined>;
  lstat(path: string): Promise<FileStat | undefined>;
  readdir(path: string): Promise<string[]>;
  readlink(path: string): Promise<string | undefined>;
  /** Atomic replace of a symlink (create under a temp name, rename over). */
  symlink(target: string, path: string): Promise<void>;
  chown(path: string, uid: number, gid: number): Promise<void>;
  /** Sets permission bits (a pool socket's mode is healed with it). Optional for fakes. */
  chmod?(path: string, mode: number): Promise<void>;
  /**
   * A log file a service will open by path: created empty with `mode` when missing (never
   * truncated), and an existing regular file loses any bits beyond `mode`. Optional.
   */
  ensureLogFile?(path: string, mode: number): Promise<void>;
  /** rename(2): replaces `to`, never follows a symlink at `from`. Optional for fakes (log rotation). */
  rename?(from: string, to: string): Promise<void>;
}

export interface Host {
  fs: HostFs;
  /** Runs argv directly (never through a shell); a non-zero exit is a result, not a throw. */
  exec(file: string, args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  /** Sends a signal; false when the process does not exist (ESRCH). EPERM means it exists. */
  kill(pid: number, signal: NodeJS.Signals | 0): boolean;
  /** Process start time in clock ticks since boot (field 22 of /proc/pid/stat), or undefined. */
  processStartTime(pid: number): Promise<number | undefined>;
  which(binary: string): Promise<string | undefined>;
  now(): number;
  sleep(ms: number): Promise<void>;
  /** True when a TCP port can be bound on the address right now. */
  portIsFree(port: number, address?: string): Promise<boolean>;
  isRoot(): boolean;
}
