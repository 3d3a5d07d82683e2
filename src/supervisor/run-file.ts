// Per-instance run files (<runDir>/<program>-<n>.json) that let a new supervisor find and adopt
// running instances, and the /proc reads that prove a pid is still the same process.
import type { Host } from '../host/index.js';
import { hasExited, readProcStat } from '../host/proc-stat.js';
import type { Program } from '../model/index.js';

export interface RunFile {
  version: 1;
  program: string;
  index: number;
  pid: number;
  pgid: number;
  /** Field 22 of /proc/pid/stat: with the pid, the identity of the process (pids are reused). */
  startTime: number;
  /** Wall-clock ms when it was spawned, for uptime after adoption. */
  startedAt: number;
  generation: string;
  instanceGeneration: string;
  port: number | undefined;
  logFile: string;
  fifo: string;
  restarts: number;
  /** The Program as applied, so an adopted instance is restarted per its policy before apply(). */
  resource: Program;
  /** Its process tree's cgroup in scope `programs` (see placement.ts); absent: none was made. */
  cgroup?: string;
}

export const runFilePath = (runDir: string, program: string, index: number) =>
  `${runDir}/${program}-${index}.json`;
export const fifoPath = (runDir: string, program: string, index: number) =>
  `${runDir}/${program}-${index}.fifo`;
export const logPath = (logDir: string, program: string, index: number) =>
  `${logDir}/${program}-${index}.log`;

export async function writeRunFile(host: Host, runDir: string, rf: RunFile): Promise<void> {
  // 0600: the applied resource may hold secret env values.
  await host.fs.writeFileAtomic(runFilePath(runDir, rf.program, rf.index), `${JSON.stringify(rf)}\n`, 0o600);
}

export async function readRunFiles(host: Host, runDir: string): Promise<RunFile[]> {
  const out: RunFile[] = [];
  for (const name of await host.fs.readdir(runDir)) {
    if (!/^[a-z0-9-]+-\d+\.json$/.test(name)) continue;
    const text = await host.fs.readFile(`${runDir}/${name}`);
    if (text === undefined) continue;
    try {
      const rf = JSON.parse(text) as RunFile;
      if (rf.version === 1 && Number.isInteger(rf.pid) && rf.pid > 1 && typeof rf.program === 'string')
        out.push(rf);
    } catch {
      // A torn file cannot happen with atomic writes; anything else unreadable is not ours to trust.
    }
  }
  return out;
}

/** True while `pid` is the very process recorded (same start time) and not a zombie. */
export async function isSameLiveProcess(host: Host, pid: number, startTime: number): Promise<boolean> {
  const st = await readProcStat(host.fs, pid);
  return st !== undefined && st.startTime === startTime && !hasExited(st.state);
}
