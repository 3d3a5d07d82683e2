// Processes of an end-to-end test: the masters tend started for a temp root, their workers, and
// killing all of them at the end (QUIT by pid file first, then KILL to whatever names the root).
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

interface Proc {
  pid: number;
  ppid: number;
  cmd: string;
}

/** Every live process with its parent and command line, read from /proc. */
function allProcesses(): Proc[] {
  const found: Proc[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      found.push({
        pid: Number(entry),
        ppid: Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]),
        cmd,
      });
    } catch {
      /* exited while listing */
    }
  }
  return found;
}

/** Processes whose command line mentions `needle` (the temp root), this test runner excepted. */
export const processesMentioning = (needle: string): Proc[] =>
  allProcesses().filter((p) => p.cmd.includes(needle) && p.pid !== process.pid);

/** nginx and php-fpm masters running for this root (their titles carry the -c / config path). */
export function mastersFor(root: string): { nginx: number[]; php: number[] } {
  const procs = processesMentioning(root);
  const pids = (title: string) => procs.filter((p) => p.cmd.startsWith(title)).map((p) => p.pid);
  return { nginx: pids('nginx: master'), php: pids('php-fpm: master') };
}

/** Child pids of a process (nginx workers, php-fpm children), sorted. */
export const childrenOf = (pid: number): number[] =>
  allProcesses()
    .filter((p) => p.ppid === pid)
    .map((p) => p.pid)
    .sort((a, b) => a - b);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const pidFiles = (dir: string): string[] =>
  existsSync(dir)
    ? readdirSync(dir)
        .filter((n) => n.endsWith('.pid'))
        .map((n) => join(dir, n))
    : [];

/**
 * Stops every master under `base`: first by its pid file (QUIT), then anything whose command line
 * names the base (KILL). Returns what still runs afterwards (should be nothing).
 */
export async function killMasters(base: string): Promise<string[]> {
  const files = [join(base, 'root/run'), join(base, '.tend/run')].flatMap(pidFiles);
  for (const file of files) {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(pid) && pid > 1 && processesMentioning(base).some((p) => p.pid === pid)) {
      try {
        process.kill(pid, 'SIGQUIT');
      } catch {
        /* already gone */
      }
    }
  }
  for (let i = 0; i < 40 && processesMentioning(base).length > 0; i++) await sleep(50);
  // Workers and pool children do not name the root in their titles: take them with their master.
  const targets = processesMentioning(base).map((p) => p.pid);
  for (const pid of [...targets]) targets.push(...childrenOf(pid));
  for (const pid of targets) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  for (let i = 0; i < 40 && processesMentioning(base).length > 0; i++) await sleep(50);
  return processesMentioning(base).map((p) => `${p.pid} ${p.cmd}`);
}

/** The files a process holds open, as /proc/<pid>/fd says (a deleted one ends in " (deleted)"). */
export function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return []; // closed meanwhile
    }
  });
}
