// Pool files of one PHP version and what php-fpm says about them: section names and listen
// addresses read back from disk (to prove the master serves), and the files php-fpm -t blames. It
// names them three ways ("[/path/x.conf:3] …", "Unable to include /path/x.conf from …", "… in
// /path/x.conf") and by pool name ("[pool shop] …"), which maps back to the file declaring it.
import type { Host } from '../../host/index.js';
import type { ListenTarget } from '../health/observe.js';

export interface PoolFileInfo {
  file: string;
  sections: string[];
  listens: ListenTarget[];
  /** `pm.status_listen`: a dead master's workers hold these too, so a restart must free them. */
  statusListens: ListenTarget[];
}

/** php-fpm's `listen`: a path, a port, or address:port (IPv6 in brackets). */
export function parseListen(value: string): ListenTarget | undefined {
  const v = value.trim().replace(/^"(.*)"$/, '$1');
  if (v.startsWith('/')) return { socketPath: v };
  const m = /^(?:\[([0-9a-fA-F:]+)\]|([^:]+)):(\d+)$/.exec(v) ?? /^()()(\d+)$/.exec(v);
  if (!m) return undefined;
  const host = m[1] || m[2] || '127.0.0.1';
  return { host: host === '0.0.0.0' || host === '*' ? '127.0.0.1' : host, port: Number(m[3]) };
}

export function parsePoolFile(file: string, content: string): PoolFileInfo {
  const sections: string[] = [];
  const listens: ListenTarget[] = [];
  const statusListens: ListenTarget[] = [];
  for (const raw of content.split('\n')) {
    const line = raw.trim();
    const section = /^\[([^\]]+)\]$/.exec(line);
    if (section?.[1]) sections.push(section[1]);
    const listen = /^listen\s*=\s*(.+)$/.exec(line);
    const target = listen?.[1] ? parseListen(listen[1]) : undefined;
    if (target) listens.push(target);
    const status = /^pm\.status_listen\s*=\s*(.+)$/.exec(line);
    const statusTarget = status?.[1] ? parseListen(status[1]) : undefined;
    if (statusTarget) statusListens.push(statusTarget);
  }
  return { file, sections, listens, statusListens };
}

/** The files php-fpm's `include = <poolDir>/*.conf` picks up (glob skips dot files). */
export async function readPools(host: Host, poolDir: string): Promise<PoolFileInfo[]> {
  const names = (await host.fs.readdir(poolDir)).filter((n) => n.endsWith('.conf') && !n.startsWith('.'));
  const pools: PoolFileInfo[] = [];
  for (const name of names) {
    const file = `${poolDir}/${name}`;
    const content = await host.fs.readFile(file);
    if (content !== undefined) pools.push(parsePoolFile(file, content));
  }
  return pools;
}

const FATAL = /\b(ERROR|ALERT|EMERG(?:ENCY)?):/;

export function phpFpmFailingFiles(output: string, pools: readonly PoolFileInfo[] = []): string[] {
  const files = new Set<string>();
  for (const line of output.split('\n')) {
    if (!FATAL.test(line)) continue;
    const bracket = /\[(\/[^\]\s]+?):\d+\]/.exec(line);
    const include = /Unable to include (\/\S+) from/.exec(line);
    const within = / in (\/\S+?)(?::\d+)?(?:\s|$)/.exec(line);
    const path = bracket?.[1] ?? include?.[1] ?? within?.[1];
    if (path) {
      files.add(path);
      continue;
    }
    const pool = /\[pool ([^\]]+)\]/.exec(line)?.[1];
    const owner = pool === undefined ? undefined : pools.find((p) => p.sections.includes(pool));
    if (owner) files.add(owner.file);
  }
  return [...files];
}

/** The validator's message: its ERROR/ALERT/WARNING lines, or the success notice. */
export function phpFpmValidationMessage(output: string): string {
  const lines = output.split('\n').filter((l) => /\b(ERROR|ALERT|WARNING|EMERG(?:ENCY)?):/.test(l));
  return (lines.length > 0 ? lines.join('\n') : output).trim();
}
