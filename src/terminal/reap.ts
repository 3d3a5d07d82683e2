// Ends a terminal session completely: every process in the pty's session and every descendant of
// it gets SIGHUP, then SIGKILL after a grace period. Killing only the shell (code-connect's bug)
// leaves `sleep 1000 &`, and killing only its process group misses jobs bash put in groups of their own.
// The sweep cannot see `setsid` escapes whose parent already exited; the session's cgroup (when the
// host has cgroups, see host/cgroup.ts) holds them too, and is killed as a whole.
import type { Cgroup } from '../host/cgroup.js';
import type { Host } from '../host/index.js';
import { hasExited, readProcStat, type ProcStat } from '../host/proc-stat.js';

export const KILL_GRACE_MS = 2_000;
const POLL_MS = 50;

type ProcEntry = ProcStat;

async function processTable(host: Host): Promise<ProcEntry[]> {
  const entries: ProcEntry[] = [];
  for (const name of await host.fs.readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const entry = await readProcStat(host.fs, Number(name));
    // Zombies have already exited; they only wait for their parent to reap them.
    if (entry && !hasExited(entry.state)) entries.push(entry);
  }
  return entries;
}

/**
 * Live members of the session led by `leader` (the pty's shell, which node-pty makes a session
 * leader) plus their descendants, which catches children that called setsid() while their parent
 * still lived. tend's own process and session are never included.
 */
export async function sessionMembers(host: Host, leader: number): Promise<ProcEntry[]> {
  if (!Number.isInteger(leader) || leader <= 1) return [];
  const table = await processTable(host);
  const own = table.find((p) => p.pid === process.pid);
  const members = new Map<number, ProcEntry>();
  for (const p of table) if (p.session === leader) members.set(p.pid, p);
  for (let grew = true; grew;) {
    grew = false;
    for (const p of table)
      if (!members.has(p.pid) && members.has(p.ppid)) {
        members.set(p.pid, p);
        grew = true;
      }
  }
  return [...members.values()].filter(
    (p) => p.pid > 1 && p.pid !== process.pid && (own === undefined || p.session !== own.session),
  );
}

function signalAll(host: Host, members: readonly ProcEntry[], signal: NodeJS.Signals): void {
  // Groups first, so a child forked between the scan and the signal is still hit; then each pid.
  for (const pgrp of new Set(members.map((p) => p.pgrp))) if (pgrp > 1) host.kill(-pgrp, signal);
  for (const p of members) host.kill(p.pid, signal);
}

/**
 * SIGHUP (and SIGCONT, so stopped jobs see it) to the whole session and its cgroup, then SIGKILL to
 * whatever is left after `graceMs`; the emptied cgroup is removed. Resolves true when nothing of the
 * session remains.
 */
export async function killSessionTree(
  host: Host,
  leader: number,
  graceMs = KILL_GRACE_MS,
  group?: Cgroup,
): Promise<boolean> {
  let members = await sessionMembers(host, leader);
  const done = async () => {
    members = await sessionMembers(host, leader);
    return members.length === 0 && (group === undefined || group.pids().length === 0);
  };
  if (!(await done())) {
    for (const signal of ['SIGHUP', 'SIGCONT'] as const) {
      signalAll(host, members, signal);
      group?.signal(signal);
    }
    const deadline = Date.now() + graceMs;
    let gone = false;
    while (!gone && Date.now() < deadline) {
      await host.sleep(POLL_MS);
      gone = await done();
    }
    if (!gone) await forceKill(host, leader, group, done);
  }
  const clean = await done();
  if (clean) group?.remove();
  return clean;
}

/** The cgroup at once (nothing in it can fork away meanwhile), then the sweep for what is outside it. */
async function forceKill(
  host: Host,
  leader: number,
  group: Cgroup | undefined,
  done: () => Promise<boolean>,
): Promise<void> {
  if (group) await group.kill();
  for (let round = 0; round < 5; round++) {
    if (await done()) return;
    signalAll(host, await sessionMembers(host, leader), 'SIGKILL');
    await host.sleep(POLL_MS);
  }
}
