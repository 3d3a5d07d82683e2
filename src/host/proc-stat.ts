// The one reader of /proc/<pid>/stat. The command name (field 2) may hold spaces and ")", so the
// fields are read after the last ")"; every room that needs a process's state, parent, group,
// session or start time asks here, through the Host's fs so unit tests can fake /proc.
import type { HostFs } from './host.js';

export interface ProcStat {
  pid: number;
  comm: string;
  /** R, S, D, Z, T…; Z and X are processes that have already exited. */
  state: string;
  ppid: number;
  /** Process group (field 5). */
  pgrp: number;
  /** Session (field 6). */
  session: number;
  /** Field 22: start time in clock ticks since boot; with the pid it names one process forever. */
  startTime: number;
}

export function parseProcStat(pid: number, text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const comm = text.slice(text.indexOf('(') + 1, close);
  const rest = text.slice(close + 2).split(' ');
  const [state, ppid, pgrp, session, startTime] = [
    rest[0],
    Number(rest[1]),
    Number(rest[2]),
    Number(rest[3]),
    Number(rest[19]),
  ];
  if (!state || ![ppid, pgrp, session, startTime].every(Number.isInteger)) return undefined;
  return { pid, comm, state, ppid, pgrp, session, startTime };
}

/** The process's stat, or undefined when there is no such process (or /proc cannot be read). */
export async function readProcStat(fs: Pick<HostFs, 'readFile'>, pid: number): Promise<ProcStat | undefined> {
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  const text = await fs.readFile(`/proc/${pid}/stat`).catch(() => undefined);
  return text === undefined ? undefined : parseProcStat(pid, text);
}

/** Z (zombie) and X (dead): the process has exited; only its parent's reap is missing. */
export const hasExited = (state: string | undefined): boolean => state === 'Z' || state === 'X';
