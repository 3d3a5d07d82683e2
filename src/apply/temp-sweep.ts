// A process killed between an atomic write and its rename leaves a hidden temp file beside the
// target. Nothing reads them, but they are litter in directories tend owns, so the next pass (which
// holds the lock, so no write of ours is in flight) removes them.
import { dirname } from 'node:path';
import { ATOMIC_TEMP_PATTERN, type Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';

/** The directories tend writes to: its own dirs, plus the dirs of every path it owns or journaled. */
export function writableDirs(layout: Layout, ownedPaths: Iterable<string>): string[] {
  const dirs = new Set([
    layout.stateDir,
    layout.nginx.includeDir,
    dirname(layout.nginx.siteFile('x')),
    layout.supervisord.includeDir,
  ]);
  for (const path of ownedPaths) dirs.add(dirname(path));
  return [...dirs].sort();
}

/** Removes stale atomic-write temp files in dirs; returns the paths removed. */
export async function sweepTempFiles(host: Host, dirs: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const dir of dirs) {
    const names = await host.fs.readdir(dir).catch(() => [] as string[]);
    for (const name of names.filter((n) => ATOMIC_TEMP_PATTERN.test(n))) {
      const path = `${dir}/${name}`;
      await host.fs.remove(path);
      removed.push(path);
    }
  }
  return removed;
}
