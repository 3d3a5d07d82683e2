// Process facts read from /proc through the Host's fs, so identity checks stay fakeable in unit
// tests: state (a zombie is dead), parent, start time, children and the command line.
import type { Host } from '../../host/index.js';
import { hasExited, readProcStat as readStat, type ProcStat } from '../../host/proc-stat.js';

export type { ProcStat } from '../../host/proc-stat.js';

export const readProcStat = (host: Host, pid: number): Promise<ProcStat | undefined> =>
  readStat(host.fs, pid);

/** Alive means: exists and has not exited (a zombie's pid still answers kill(0) but it is gone). */
export async function liveStat(host: Host, pid: number): Promise<ProcStat | undefined> {
  const stat = await readProcStat(host, pid);
  return stat && !hasExited(stat.state) ? stat : undefined;
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
