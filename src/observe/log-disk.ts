// Disk use of tend's log dir (`<root>/log` embedded, `/var/log/tend` system: the parent of the
// Programs' log dir): the bytes of every regular file under it, walked without following symlinks
// (a tenant's error-log dir may hold one), for /metrics. A scrape walks at most once per
// LOG_DISK_CACHE_MS, so scraping often never turns into a disk walk loop.
import { Gauge, type Registry } from 'prom-client';
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/layout.js';

export const LOG_DISK_CACHE_MS = 10_000;
/** Past this many entries the walk stops: the figure is then a lower bound, never a stall. */
const WALK_MAX_ENTRIES = 100_000;

/** tend's log dir in a layout. */
export function tendLogDir(layout: Layout): string {
  const d = layout.programs.logDir;
  return d.slice(0, d.lastIndexOf('/')) || '/';
}

/** Bytes of the regular files under dir (symlinks are neither followed nor counted). */
export async function logDirBytes(host: Host, dir: string): Promise<number> {
  let bytes = 0;
  let entries = 0;
  const stack = [dir];
  while (stack.length > 0 && entries < WALK_MAX_ENTRIES) {
    const d = stack.pop()!;
    let names: string[];
    try {
      names = await host.fs.readdir(d);
    } catch {
      continue; // gone or unreadable meanwhile
    }
    for (const name of names) {
      entries++;
      const st = await host.fs.lstat(`${d}/${name}`);
      if (!st || st.isSymlink) continue;
      if (st.isDirectory) stack.push(`${d}/${name}`);
      else if (st.isFile) bytes += st.size;
    }
  }
  return bytes;
}

export function registerLogDiskMetrics(registry: Registry, host: Host, layout: Layout): void {
  const dir = tendLogDir(layout);
  let cached: { at: number; bytes: number } | undefined;
  new Gauge({
    name: 'tend_log_dir_bytes',
    help: "Bytes of the files in tend's log dir (nginx, php-fpm, Program and Job logs and their rotations).",
    registers: [registry],
    async collect() {
      const now = host.now();
      if (!cached || now - cached.at >= LOG_DISK_CACHE_MS)
        cached = { at: now, bytes: await logDirBytes(host, dir) };
      this.set(cached.bytes);
    },
  });
}
