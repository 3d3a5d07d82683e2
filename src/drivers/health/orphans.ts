// Workers a dead master left behind. A SIGKILLed nginx or php-fpm master leaves its workers alive,
// still holding the listen sockets, so every restart fails ("Address already in use", "Another FPM
// instance seems to already listen"). They are found by three facts together, never by a name alone:
// their parent is not a live master of ours, their title is a worker's, and they hold one of the
// service's own listening sockets. Then: the graceful signal, a grace period, SIGKILL.
import type { Host } from '../../host/index.js';
import { liveStat, readCmdline, type ProcStat } from './proc.js';

export interface OrphanQuery {
  /** A worker's process title, e.g. /^nginx: (worker|cache)/ or /^php-fpm: pool /. */
  title: RegExp;
  /** Unix socket paths the service listens on. */
  unixPaths?: readonly string[];
  /** TCP ports the service listens on (any address). */
  tcpPorts?: readonly number[];
  /** A master's title: a worker whose parent is a live master is that master's, not an orphan. */
  masterTitle: RegExp;
}

export interface Orphan {
  pid: number;
  startTime: number;
  title: string;
}

/** How long an orphan may take to finish its request before SIGKILL; heal must stay well under 5 s. */
export const ORPHAN_GRACE_MS = 1_500;

const TCP_LISTEN = '0A';
/** __SO_ACCEPTCON in /proc/net/unix's Flags column. */
const ACCEPTCON = 0x10000;

/** Inodes of listening TCP sockets on the given ports, from /proc/net/tcp and tcp6. */
export function listeningTcpInodes(text: string, ports: ReadonlySet<number>): Set<string> {
  const inodes = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const port = Number.parseInt((cols[1] ?? '').split(':')[1] ?? '', 16);
    if (cols[3] === TCP_LISTEN && ports.has(port) && cols[9] && cols[9] !== '0') inodes.add(cols[9]);
  }
  return inodes;
}

/** Inodes of listening unix sockets bound at the given paths. */
export function listeningUnixInodes(text: string, paths: ReadonlySet<string>): Set<string> {
  const inodes = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const path = cols.slice(7).join(' ');
    const listening = (Number.parseInt(cols[3] ?? '', 16) & ACCEPTCON) !== 0;
    if (paths.has(path) && listening && cols[6]) inodes.add(cols[6]);
  }
  return inodes;
}

async function socketInodes(host: Host, q: OrphanQuery): Promise<Set<string>> {
  const inodes = new Set<string>();
  if (q.tcpPorts?.length) {
    const ports = new Set(q.tcpPorts);
    for (const file of ['/proc/net/tcp', '/proc/net/tcp6'])
      for (const i of listeningTcpInodes((await host.fs.readFile(file).catch(() => '')) ?? '', ports))
        inodes.add(i);
  }
  if (q.unixPaths?.length) {
    const text = (await host.fs.readFile('/proc/net/unix').catch(() => '')) ?? '';
    for (const i of listeningUnixInodes(text, new Set(q.unixPaths))) inodes.add(i);
  }
  return inodes;
}

async function holdsAny(host: Host, pid: number, inodes: ReadonlySet<string>): Promise<boolean> {
  const fds = await host.fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await host.fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
    const inode = /^socket:\[(\d+)\]$/.exec(target ?? '')?.[1];
    if (inode && inodes.has(inode)) return true;
  }
  return false;
}

/** Live processes that match all three facts of the query. */
export async function findOrphans(host: Host, q: OrphanQuery): Promise<Orphan[]> {
  const inodes = await socketInodes(host, q);
  if (inodes.size === 0) return [];
  const names = (await host.fs.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  const found: Orphan[] = [];
  for (const name of names) {
    const pid = Number(name);
    if (pid === process.pid) continue;
    const stat = await liveStat(host, pid);
    if (!stat) continue;
    const title = await readCmdline(host, pid);
    if (!q.title.test(title) || !(await holdsAny(host, pid, inodes))) continue;
    const parent = stat.ppid > 1 ? await liveStat(host, stat.ppid) : undefined;
    if (parent && q.masterTitle.test(await readCmdline(host, parent.pid))) continue;
    found.push({ pid, startTime: stat.startTime, title });
  }
  return found;
}

const sameProcess = (stat: ProcStat | undefined, o: Orphan) => stat?.startTime === o.startTime;

async function survivors(host: Host, orphans: readonly Orphan[]): Promise<Orphan[]> {
  const out: Orphan[] = [];
  for (const o of orphans) if (sameProcess(await liveStat(host, o.pid), o)) out.push(o);
  return out;
}

/**
 * `graceful` to each orphan, SIGKILL to those still there after `graceMs`, and waits until all are
 * gone (their sockets close when they exit, even before their new parent reaps them). Signals go
 * only while pid and start time still match. Returns how it went, for the event.
 */
export async function stopOrphans(
  host: Host,
  orphans: readonly Orphan[],
  graceful: NodeJS.Signals,
  graceMs: number,
): Promise<string> {
  if (orphans.length === 0) return 'no orphaned workers';
  const started = host.now();
  for (const o of await survivors(host, orphans)) host.kill(o.pid, graceful);
  const deadline = host.now() + graceMs;
  let left = await survivors(host, orphans);
  while (left.length > 0 && host.now() < deadline) {
    await host.sleep(25);
    left = await survivors(host, left);
  }
  const forced = left.length;
  for (let round = 0; left.length > 0 && round < 40; round++) {
    for (const o of left) host.kill(o.pid, 'SIGKILL');
    await host.sleep(25);
    left = await survivors(host, left);
  }
  const pids = orphans.map((o) => o.pid).join(',');
  return (
    `stopped ${orphans.length} orphaned worker(s) (${pids}) with ${graceful}` +
    (forced > 0 ? `, ${forced} by SIGKILL after ${graceMs} ms` : '') +
    ` in ${host.now() - started} ms` +
    (left.length > 0 ? `; ${left.length} would not die` : '')
  );
}
