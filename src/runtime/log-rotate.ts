// Embedded-profile log rotation: a log past its size (or age) is renamed to `.1` (older ones shift
// up to `.<keep>`, the oldest is dropped), a fresh empty file with the old one's mode and owner takes
// its name, and the master that writes it is told to reopen (nginx and php-fpm: SIGUSR1). Rename,
// never copy-and-truncate: a writer keeps appending to the renamed file until it reopens, so no line
// is lost and none goes to a deleted file. See docs/decisions/0036-pool-logs-and-fpm-metrics.md.
import { nginxAccessLog } from '../drivers/nginx/main-config.js';
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/layout.js';

export interface RotationLimits {
  /** Rotate a log past this many bytes. */
  maxBytes: number;
  /** Rotated generations kept (`.1` … `.<keep>`). */
  keep: number;
  /** Rotate a non-empty log older than this (since its last rotation), when set. */
  maxAgeMs?: number;
}

/** Whether one log is due, from its size and the mtime of its `.1` (its last rotation). */
export function isDue(
  size: number,
  lastRotatedMs: number | undefined,
  now: number,
  limits: RotationLimits,
): boolean {
  if (size === 0) return false;
  if (size > limits.maxBytes) return true;
  return (
    limits.maxAgeMs !== undefined && lastRotatedMs !== undefined && now - lastRotatedMs >= limits.maxAgeMs
  );
}

/**
 * Rotates one log when due; true when it did. A symlink or non-file is never touched. `recreate`
 * false leaves the new file to its writer: for a log in a tenant's dir (PHP's error_log, opened at
 * each write), where root must not create or chown a path the tenant could swap for a symlink.
 */
export async function rotateOne(
  host: Host,
  path: string,
  limits: RotationLimits,
  recreate = true,
): Promise<boolean> {
  const rename = host.fs.rename?.bind(host.fs);
  if (!rename) return false;
  const st = await host.fs.lstat(path);
  if (!st?.isFile) return false;
  // The last rotation's time only matters for an age limit: without one, each check of a log that
  // is not due is one lstat, not two (5,000 a minute at 1,000 Sites + Pools).
  const ageMatters = limits.maxAgeMs !== undefined && st.size > 0 && st.size <= limits.maxBytes;
  const previous = ageMatters ? await host.fs.lstat(`${path}.1`) : undefined;
  if (!isDue(st.size, previous?.mtimeMs, host.now(), limits)) return false;
  await host.fs.remove(`${path}.${limits.keep}`);
  for (let i = limits.keep - 1; i >= 1; i--)
    if ((await host.fs.lstat(`${path}.${i}`))?.isFile) await rename(`${path}.${i}`, `${path}.${i + 1}`);
  await rename(path, `${path}.1`);
  if (!recreate) return true;
  // The new file exists before the writer reopens, with the mode and owner the old one had.
  if (host.fs.ensureLogFile) await host.fs.ensureLogFile(path, st.mode & 0o777);
  else await host.fs.writeFileAtomic(path, '', st.mode & 0o777);
  if (host.isRoot()) await host.fs.chown(path, st.uid, st.gid);
  return true;
}

/** The embedded logs tend's masters write, each with the master to tell: nginx's and each php-fpm's. */
async function embeddedLogs(host: Host, layout: Layout): Promise<{ path: string; master: string }[]> {
  const out: { path: string; master: string }[] = [
    { path: layout.nginx.errorLog, master: layout.nginx.pidFile },
    { path: nginxAccessLog(layout), master: layout.nginx.pidFile },
  ];
  const logDir = (p: string) => p.slice(0, p.lastIndexOf('/'));
  const nginxDir = logDir(layout.nginx.siteLog('x', 'access'));
  for (const n of await host.fs.readdir(nginxDir))
    if (n.endsWith('.log')) out.push({ path: `${nginxDir}/${n}`, master: layout.nginx.pidFile });
  const phpDir = logDir(layout.php.slowlog('8.2', 'x'));
  for (const n of await host.fs.readdir(phpDir)) {
    const m = /^(\d\.\d)-.+\.log$/.exec(n);
    if (m) out.push({ path: `${phpDir}/${n}`, master: layout.php.pidFile(m[1]!) });
  }
  // PHP's per-pool error logs: renamed only (PHP opens the path at each write; no master to tell).
  for (const n of await host.fs.readdir(`${phpDir}/tenants`))
    if (/^\d\.\d-/.test(n)) out.push({ path: `${phpDir}/tenants/${n}/error.log`, master: '' });
  for (const v of new Set(out.flatMap((l) => /php-fpm(\d\.\d)\.pid$/.exec(l.master)?.[1] ?? [])))
    out.push({ path: layout.php.errorLog(v), master: layout.php.pidFile(v) });
  return out;
}

export interface RotationResult {
  rotated: string[];
  /** Pid files of the masters told to reopen. */
  signalled: string[];
}

/** One rotation round of the embedded profile's nginx and php-fpm logs. */
export async function rotateEmbeddedLogs(
  host: Host,
  layout: Layout,
  limits: RotationLimits,
): Promise<RotationResult> {
  const rotated: string[] = [];
  const masters = new Set<string>();
  for (const log of await embeddedLogs(host, layout))
    if (await rotateOne(host, log.path, limits, log.master !== '')) {
      rotated.push(log.path);
      if (log.master !== '') masters.add(log.master);
    }
  const signalled: string[] = [];
  for (const pidFile of masters) {
    const pid = Number((await host.fs.readFile(pidFile))?.trim());
    if (Number.isInteger(pid) && pid > 1 && host.kill(pid, 'SIGUSR1')) signalled.push(pidFile);
  }
  return { rotated, signalled };
}
