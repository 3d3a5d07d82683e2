// Cost of reading php-fpm status pages (issue 17): a probe round reads each Pool's status page once on
// its status socket through tend's FastCGI client. Against one real php-fpm 8.2 pool (a static pool of
// 5 workers with pm.status_listen, as tend renders it), 1,000 reads in a row stand for a round at 1,000
// Pools; tend's CPU (process.cpuUsage) and php-fpm's (master and workers, /proc/<pid>/stat) are
// measured for `?json` and for `?json&full` (what pools of ≤ 64 children get). An idle daemon reads
// each Pool at most once per probe max age (10 min), so its added load is the round's CPU over that
// age; the figure for a round every 30 s resync is printed too, as the worst case.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFpmStatus } from '../src/drivers/php-fpm/fpm-status.js';
import { PROBE_MAX_AGE_MS } from '../src/observe/probe-policy.js';

const POOLS = 1_000;
const TICK_MS = 1000 / 100; // USER_HZ
const RESYNC_MS = 30_000;
/** The bound for the idle daemon's added load. */
const IDLE_BUDGET = 0.02;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** CPU ms of a process tree rooted at the master: its own, its reaped children's, its live children's. */
function treeCpuMs(master: number): number {
  const fields = (pid: number) => {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return s.slice(s.lastIndexOf(')') + 2).split(' ');
  };
  const f = fields(master);
  // utime, stime, cutime, cstime are fields 14-17 (1-based); after the comm, index 11-14.
  let ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === master) continue;
    try {
      const c = fields(Number(e));
      if (Number(c[1]) === master) ticks += Number(c[11]) + Number(c[12]);
    } catch {
      /* exited */
    }
  }
  return ticks * TICK_MS;
}

async function round(socketPath: string, full: boolean, master: number) {
  const fpmBefore = treeCpuMs(master);
  const cpuBefore = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < POOLS; i++) await readFpmStatus({ socketPath }, '/fpm-status', full, 5_000);
  const wallMs = performance.now() - t0;
  const cpu = process.cpuUsage(cpuBefore);
  const tendMs = (cpu.user + cpu.system) / 1000;
  const fpmMs = treeCpuMs(master) - fpmBefore;
  return { wallMs, tendMs, fpmMs };
}

export async function benchFpmStatus(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'tend-bench-fpmstatus-'));
  const status = join(dir, 'status.sock');
  const conf = join(dir, 'php-fpm.conf');
  writeFileSync(
    conf,
    [
      '[global]',
      `pid = ${join(dir, 'fpm.pid')}`,
      `error_log = ${join(dir, 'fpm.log')}`,
      'daemonize = no',
      '[bench]',
      'user = www-data',
      'group = www-data',
      `listen = ${join(dir, 'pool.sock')}`,
      'pm = static',
      'pm.max_children = 5',
      'pm.status_path = /fpm-status',
      `pm.status_listen = ${status}`,
      '',
    ].join('\n'),
  );
  const fpm = spawn('/usr/sbin/php-fpm8.2', ['-F', '-y', conf, '-R'], { stdio: 'ignore' });
  try {
    for (let i = 0; i < 200 && !existsSync(status); i++) await sleep(50);
    if (!existsSync(status)) throw new Error(`php-fpm did not open ${status}`);
    const master = fpm.pid!;
    await round(status, true, master); // warm-up: JIT, socket paths, workers
    for (const full of [false, true]) {
      const r = await round(status, full, master);
      const totalMs = r.tendMs + r.fpmMs;
      const idleShare = totalMs / PROBE_MAX_AGE_MS;
      const resyncShare = totalMs / RESYNC_MS;
      console.log(
        `fpm status ${full ? '?json&full' : '?json     '}: ${POOLS} reads in ${r.wallMs.toFixed(0)} ms wall; ` +
          `CPU per round tend ${r.tendMs.toFixed(0)} ms + php-fpm ${r.fpmMs.toFixed(0)} ms = ${totalMs.toFixed(0)} ms ` +
          `(${(totalMs / POOLS).toFixed(3)} ms a pool)`,
      );
      console.log(
        `  idle daemon (each pool read once per ${PROBE_MAX_AGE_MS / 60_000} min): ${(idleShare * 100).toFixed(3)} % of a core ` +
          `(budget ${IDLE_BUDGET * 100} %: ${idleShare < IDLE_BUDGET ? 'ok' : 'OVER'}); ` +
          `if every pool were read each ${RESYNC_MS / 1000} s resync: ${(resyncShare * 100).toFixed(2)} %`,
      );
      if (idleShare >= IDLE_BUDGET) process.exitCode = 1;
    }
  } finally {
    fpm.kill('SIGQUIT');
    await new Promise((r) => fpm.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}
