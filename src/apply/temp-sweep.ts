// A process killed between an atomic write and its rename leaves a hidden temp file beside the
// target. Nothing reads them, but they are litter in directories tend owns, so the next pass removes
// them. The pass holds the lock, so no other tend writes there; within a daemon the supervisor,
// events and status write at any time, so temp files this process is writing are left alone.
import { dirname } from 'node:path';
import { ATOMIC_TEMP_PATTERN, type Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';

/**
 * The directories tend writes to: its own dirs, the main configs it renders (embedded), the run dirs
 * holding identity and run files, plus the dirs of every path it owns or journaled.
 */
export function writableDirs(
  layout: Layout,
  ownedPaths: Iterable<string>,
  phpVersions: Iterable<string> = [],
): string[] {
  const dirs = new Set([
    layout.stateDir,
    layout.nginx.includeDir,
    dirname(layout.nginx.siteFile('x')),
    dirname(layout.nginx.mainConfig),
    layout.supervisord.includeDir,
    dirname(layout.supervisord.mainConfig),
    dirname(layout.supervisord.socket),
    layout.programs.runDir,
  ]);
  for (const version of phpVersions) dirs.add(dirname(layout.php.mainConfig(version)));
  for (const path of ownedPaths) dirs.add(dirname(path));
  return [...dirs].sort();
}

/**
 * Removes stale atomic-write temp files in dirs and in the direct subdirectories of the state dir
 * (service records, terminal tokens, and whatever is added there later); returns the paths removed.
 */
export async function sweepTempFiles(
  host: Host,
  dirs: readonly string[],
  stateDir?: string,
): Promise<string[]> {
  const all = new Set(dirs);
  if (stateDir) for (const sub of await subdirsOf(host, stateDir)) all.add(sub);
  const removed: string[] = [];
  for (const dir of [...all].sort()) {
    const names = await host.fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => ATOMIC_TEMP_PATTERN.test(n))) {
      const path = `${dir}/${name}`;
      if (host.fs.tempInFlight?.(path)) continue;
      await host.fs.remove(path);
      removed.push(path);
    }
  }
  return removed;
}

async function subdirsOf(host: Host, dir: string): Promise<string[]> {
  const names = await host.fs.readdir(dir).catch(() => [] as string[]);
  const subdirs: string[] = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    if ((await host.fs.lstat(path))?.isDirectory) subdirs.push(path);
  }
  return subdirs;
}
