// How many connections wait in each listening unix socket's accept queue, for every socket on the
// host in one `ss -xl` (sock_diag): php-fpm's own "listen queue" figure comes from TCP_INFO and reads 0
// for unix sockets, so this is the only way to see visitors queued behind a pool's busy workers.
// One exec per pass, no connect and no PHP worker: cheap enough to tell which pools need a look now.
import type { Host } from '../../host/index.js';

/** Parses `ss -xlHn` lines: "u_str LISTEN <recv-q> <send-q> <path> <inode> * 0". */
export function parseSsListen(text: string): Map<string, number> {
  const queues = new Map<string, number>();
  for (const line of text.split('\n')) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 5 || cols[1] !== 'LISTEN') continue;
    const queued = Number.parseInt(cols[2] ?? '', 10);
    const path = cols[4] ?? '';
    if (path.startsWith('/') && Number.isFinite(queued)) queues.set(path, queued);
  }
  return queues;
}

/** Queue lengths by socket path; undefined when ss is missing or fails (then php-fpm's figure stands). */
export async function unixListenQueues(host: Host): Promise<Map<string, number> | undefined> {
  try {
    const r = await host.exec('ss', ['-xlHn']);
    return r.exitCode === 0 ? parseSsListen(r.stdout) : undefined;
  } catch {
    return undefined;
  }
}
