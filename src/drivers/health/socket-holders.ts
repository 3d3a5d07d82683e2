// Who holds a listening socket: the socket inodes bound at a unix path (/proc/net/unix) or a TCP
// port (/proc/net/tcp, tcp6), and the processes whose fds point at them (/proc/<pid>/fd). Read-only
// and best effort: a process whose fds cannot be read holds nothing this can name.
import type { Host } from '../../host/index.js';
import { listeningTcpInodes, listeningUnixInodes } from './orphans.js';
import { liveStat, readCmdline } from './proc.js';

export interface SocketHolder {
  pid: number;
  ppid: number;
  /** The command line (a daemon's title, e.g. "php-fpm: pool shop"). */
  command: string;
  /** The parent's command line, so a worker can be told from its master's siblings. */
  parentCommand: string;
}

/** Inodes of the listening sockets bound at a unix path. */
export async function unixListenInodes(host: Host, path: string): Promise<Set<string>> {
  const text = (await host.fs.readFile('/proc/net/unix').catch(() => undefined)) ?? '';
  return listeningUnixInodes(text, new Set([path]));
}

/** Inodes of the listening TCP sockets on a port, any address. */
export async function tcpListenInodes(host: Host, port: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = (await host.fs.readFile(table).catch(() => undefined)) ?? '';
    for (const i of listeningTcpInodes(text, new Set([port]))) inodes.add(i);
  }
  return inodes;
}

/** The socket inodes one process holds open (its fds read `socket:[inode]`). */
export async function socketInodesOf(host: Host, pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await host.fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const target = await host.fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
    const inode = /^socket:\[(\d+)\]$/.exec(target ?? '')?.[1];
    if (inode) inodes.add(inode);
  }
  return inodes;
}

async function holdsAny(host: Host, pid: number, inodes: ReadonlySet<string>): Promise<boolean> {
  const held = await socketInodesOf(host, pid);
  return [...inodes].some((i) => held.has(i));
}

/** Every live process holding one of the inodes (a master and its forked workers all do). */
export async function holdersOf(host: Host, inodes: ReadonlySet<string>): Promise<SocketHolder[]> {
  if (inodes.size === 0) return [];
  const pids = (await host.fs.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  const found: SocketHolder[] = [];
  for (const name of pids) {
    const pid = Number(name);
    if (!(await holdsAny(host, pid, inodes))) continue;
    const stat = await liveStat(host, pid);
    if (!stat) continue;
    found.push({
      pid,
      ppid: stat.ppid,
      command: await readCmdline(host, pid),
      parentCommand: stat.ppid > 1 ? await readCmdline(host, stat.ppid) : '',
    });
  }
  return found;
}

/** "pid 123 (python3 squat.py)", for messages; a long command line is cut. */
export function describeHolder(h: SocketHolder): string {
  const command = h.command.length > 80 ? `${h.command.slice(0, 77)}...` : h.command;
  return `pid ${h.pid}${command ? ` (${command})` : ''}`;
}

/** Who listens on a TCP port now ("pid 12 (python3)"); undefined when the port can be bound. */
export async function tcpPortHolder(
  host: Host,
  port: number,
  address = '127.0.0.1',
): Promise<string | undefined> {
  if (await host.portIsFree(port, address)) return undefined;
  const holders = await holdersOf(host, await tcpListenInodes(host, port));
  return holders[0] ? describeHolder(holders[0]) : 'another process (its owner could not be read)';
}
