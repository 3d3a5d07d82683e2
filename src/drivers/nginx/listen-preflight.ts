// Before a reload: every address:port a changed vhost listens on must be bindable by nginx. nginx -t
// never binds, and a reload that cannot bind keeps the old config for every Site, so a port another
// process holds is found here and only the vhost that asks for it is held back.
import type { Host } from '../../host/index.js';
import type { PreflightChange, PreflightRefusal } from '../service.js';

export interface Listen {
  address: string;
  port: number;
}

/** The `listen` directives of a rendered vhost (tend renders `listen <ip>:<port> …;`). */
export function listensOf(content: string): Listen[] {
  const found: Listen[] = [];
  for (const m of content.matchAll(/^\s*listen\s+(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):(\d+)\b/gm)) {
    found.push({ address: m[1] ?? m[2]!, port: Number(m[3]) });
  }
  return found;
}

/** Listening TCP sockets by port: inode numbers from /proc/net/tcp and tcp6 (state 0A). */
async function listeningInodes(host: Host): Promise<Map<number, string[]>> {
  const byPort = new Map<number, string[]>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = (await host.fs.readFile(table).catch(() => undefined)) ?? '';
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 10 || f[3] !== '0A') continue;
      const port = parseInt(f[1]!.split(':')[1] ?? '', 16);
      byPort.set(port, [...(byPort.get(port) ?? []), f[9]!]);
    }
  }
  return byPort;
}

/** Socket inodes a process holds open (its fds read `socket:[inode]`). */
async function socketInodesOf(host: Host, pid: number): Promise<Set<string>> {
  const inodes = new Set<string>();
  const fds = await host.fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    // Another user's process (or a sandbox) may refuse the read: then it holds nothing we can name.
    const target = await host.fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => undefined);
    const m = /^socket:\[(\d+)\]$/.exec(target ?? '');
    if (m) inodes.add(m[1]!);
  }
  return inodes;
}

/** Who holds a socket inode, for the message: "pid 123 (python3)", best effort. */
async function holderOf(host: Host, inodes: readonly string[]): Promise<string | undefined> {
  const wanted = new Set(inodes);
  const pids = (await host.fs.readdir('/proc').catch(() => [] as string[])).filter((n) => /^\d+$/.test(n));
  for (const pid of pids) {
    const held = await socketInodesOf(host, Number(pid));
    if (![...held].some((i) => wanted.has(i))) continue;
    const comm = ((await host.fs.readFile(`/proc/${pid}/comm`).catch(() => undefined)) ?? '').trim();
    return `pid ${pid}${comm ? ` (${comm})` : ''}`;
  }
  return undefined;
}

/**
 * Held-back changes with the reason. A port the running nginx already listens on is fine (its
 * reload keeps the socket), and so is the main config's own default listen: not a Site's doing.
 */
export async function refuseBusyListens(
  host: Host,
  changes: readonly PreflightChange[],
  opts: { masterPid?: number; mainListen: Listen },
): Promise<Map<string, PreflightRefusal>> {
  const refused = new Map<string, PreflightRefusal>();
  const wanted = changes.flatMap((c) =>
    c.files.flatMap((f) => listensOf(f.content).map((l) => ({ key: c.key, path: f.path, ...l }))),
  );
  const candidates = wanted.filter(
    (w) => !(w.port === opts.mainListen.port && w.address === opts.mainListen.address),
  );
  if (candidates.length === 0) return refused;
  let listening: Map<number, string[]> | undefined;
  let ours: Set<string> | undefined;
  const verdicts = new Map<string, string | undefined>();
  for (const w of candidates) {
    if (refused.has(w.key)) continue;
    const id = `${w.address}:${w.port}`;
    if (!verdicts.has(id)) {
      listening ??= await listeningInodes(host);
      ours ??= opts.masterPid ? await socketInodesOf(host, opts.masterPid) : new Set();
      const inodes = listening.get(w.port) ?? [];
      const nginxHolds = inodes.some((i) => ours!.has(i));
      let verdict: string | undefined;
      if (!nginxHolds && !(await host.portIsFree(w.port, w.address))) {
        const holder = (await holderOf(host, inodes)) ?? 'another process';
        verdict =
          `port ${w.port} on ${w.address} is already in use by ${holder}, so nginx cannot listen ` +
          `there; the change is held back and every other Site keeps serving. Free the port or ` +
          `choose another listenPort`;
      }
      verdicts.set(id, verdict);
    }
    const verdict = verdicts.get(id);
    if (verdict) refused.set(w.key, { code: 'TEND_ERR_PORT_IN_USE', message: `${w.path}: ${verdict}` });
  }
  return refused;
}
