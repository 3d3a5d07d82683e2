// Whether a file is unchanged since it was last read, from its stat alone: a daemon re-reads
// thousands of files every resync, and a stat costs a fraction of an open, read and close.
//
// The identity is device, inode, size, mtime and ctime (float milliseconds). ctime cannot be set from
// user space, and every write, chmod and rename-over moves it. Timestamps advance by clock ticks,
// though, so two writes within one tick can leave the same times: a file whose ctime was less
// than RACY_MS before it was read is "racy" and never trusted (git's index uses the same rule).
import { statSync, type Stats } from 'node:fs';

export const RACY_MS = 2_000;

export type FileIdentity = string;

/**
 * Times as float milliseconds (sub-microsecond at today's dates): BigInt stats cost ~1 KB each, and
 * a daemon stats ~4,000 files a pass. Writes closer together than that are what the racy rule is for.
 */
function identityOf(st: Stats): FileIdentity {
  return `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`;
}

/** The identity of path now, or undefined when it is missing, not a regular file, or racy. */
export function stableIdentity(path: string, nowMs = Date.now()): FileIdentity | undefined {
  let st: Stats | undefined;
  try {
    st = statSync(path, { throwIfNoEntry: false });
  } catch {
    return undefined; // the read that follows reports what is wrong
  }
  if (!st?.isFile()) return undefined;
  if (nowMs - st.ctimeMs < RACY_MS) return undefined;
  return identityOf(st);
}

/**
 * Content memo by path and identity, bounded so a daemon's memory stays flat however many paths
 * pass through it (the oldest entries go first).
 */
export class ContentMemo<T> {
  private readonly entries = new Map<string, { identity: FileIdentity; value: T }>();

  constructor(private readonly maxEntries = 50_000) {}

  get(path: string, identity: FileIdentity | undefined): T | undefined {
    if (identity === undefined) return undefined;
    const hit = this.entries.get(path);
    return hit?.identity === identity ? hit.value : undefined;
  }

  set(path: string, identity: FileIdentity | undefined, value: T): void {
    if (identity === undefined) {
      this.entries.delete(path);
      return;
    }
    this.entries.delete(path);
    this.entries.set(path, { identity, value });
    if (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
