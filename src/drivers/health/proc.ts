// Process facts read from /proc through the Host's fs, so identity checks stay fakeable in unit
// tests: state (a zombie is dead), parent, start time, children and the command line.
import type { Host } from '../../host/index.js';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z, T…; Z and X are processes that have already exited. */
  state: string;
  ppid: number;
  /** Field 22: start time in clock ticks since boot; with the pid it names one process forever. */
  startTime: number;
}

export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  // The command name (field 2) may hold spaces and ")"; fields after the last ")" are fixed.
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  const ppid = Number(rest[1]);
  const startTime = Number(rest[19]);
  if (!Number.isFinite(ppid) || !Number.isFinite(startTime) || rest[0] === undefined) return undefined;
  return { pid, comm, state: rest[0], ppid, startTime };
}

export async function readProcStat(host: Host, pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const text = await host.fs.readFile(`/proc/${pid}/stat`).catch(() => undefined);
  return text === undefined ? undefined : parseProcStat(pid, text);
}

/** Alive means: exists and has not exited (a zombie's pid still answers kill(0) but it is gone). */
export async function liveStat(host: Host, pid: number): Promise<ProcStat | undefined> {
  const stat = await readProcStat(host, pid);
  return stat && stat.state !== 'Z' && stat.state !== 'X' ? stat : undefined;
}

/** The command line with NULs turned into spaces (daemons rewrite it into a title). */
export async function readCmdline(host: Host, pid: number): Promise<string> {
  const text = await host.fs.readFile(`/proc/${pid}/cmdline`).catch(() => undefined);
  return (text ?? '').replace(/\0+/g, ' ').trim();
}

/** Live children of a process, by scanning every /proc/<pid>/stat for the parent pid. */
export async function childrenOf(host: Host, ppid: number): Promise<number[]> {
  const entries = await host.fs.readdir('/proc').catch(() => [] as string[]);
  const stats = await Promise.all(
    entries.filter((name) => /^\d+$/.test(name)).map((name) => liveStat(host, Number(name))),
  );
  return stats
    .filter((s): s is ProcStat => s !== undefined && s.ppid === ppid)
    .map((s) => s.pid)
    .sort((a, b) => a - b);
}

/** Reads a pid file: a positive integer on the first line, anything else is no pid. */
export async function readPidFile(host: Host, path: string): Promise<number | undefined> {
  const text = await host.fs.readFile(path);
  const pid = Number((text ?? '').trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
