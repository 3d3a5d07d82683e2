// Carries out one change's file operations on the host: atomic writes, removals, symlinks.
import type { Host } from '../host/host.js';
import type { FileOp } from '../plan/types.js';

export async function performOp(host: Host, op: FileOp): Promise<void> {
  switch (op.op) {
    case 'write':
      await host.fs.writeFileAtomic(op.path, op.content, op.mode);
      return;
    case 'remove':
      await host.fs.remove(op.path);
      return;
    case 'link':
      await host.fs.symlink(op.target, op.path);
      return;
    case 'unlink':
      await host.fs.remove(op.path);
      return;
  }
}

/** Links point at files, so a change removes links first and writes files before linking them. */
export function orderedOps(ops: readonly FileOp[]): FileOp[] {
  const rank = (op: FileOp) => ({ unlink: 0, remove: 1, write: 2, link: 3 })[op.op];
  return [...ops].sort((a, b) => rank(a) - rank(b));
}
