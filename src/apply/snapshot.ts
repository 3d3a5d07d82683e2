// What was at each path before an apply touched it, so a held-back change restores it exactly.
import type { Host } from '../host/host.js';
import type { FileOp } from '../plan/types.js';

import type { PathSnapshot } from '../state/journal.js';

export type { PathSnapshot };

export async function snapshotPath(host: Host, path: string): Promise<PathSnapshot> {
  const st = await host.fs.lstat(path);
  if (!st) return { path, kind: 'absent' };
  if (st.isSymlink) return { path, kind: 'link', target: (await host.fs.readlink(path)) ?? '' };
  return { path, kind: 'file', content: (await host.fs.readFile(path)) ?? '', mode: st.mode };
}

export async function snapshotOps(host: Host, ops: readonly FileOp[]): Promise<PathSnapshot[]> {
  return Promise.all(ops.map((op) => snapshotPath(host, op.path)));
}

/** Puts a path back the way the snapshot found it (idempotent, so recovery may repeat it). */
export async function restoreSnapshot(host: Host, snap: PathSnapshot): Promise<void> {
  if (snap.kind === 'absent') {
    await host.fs.remove(snap.path);
  } else if (snap.kind === 'file') {
    await host.fs.writeFileAtomic(snap.path, snap.content, snap.mode);
  } else {
    await host.fs.symlink(snap.target, snap.path);
  }
}
