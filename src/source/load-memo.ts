// A daemon's last load, and when it still holds. A file whose stat identity is unchanged (see
// host/file-identity.ts) is not read again; a racy one (just written) is read again and compared by
// its text. When the rule context and every file's text are as the last load saw them, so is the
// result (decisions 0045, 0054, 0057).
import type { RuleContext } from '../model/index.js';
import type { FileIdentity } from '../host/file-identity.js';
import type { FileOutcome } from './check-file.js';
import type { ReadOutcome } from './files.js';
import type { HostSlice } from './host-slice.js';
import type { LoadResult } from './types.js';

/** What one file read and checked to; its stat identity when that could be trusted (not racy). */
export interface RememberedFile {
  identity?: FileIdentity;
  read: ReadOutcome;
  outcome?: FileOutcome;
}

export interface LoadMemo {
  /** The context and every identity of the last load; undefined when a file was racy or unreadable. */
  fingerprint?: string;
  /** The rule context and file list the last load ran under (contextKey). */
  context?: string;
  result?: LoadResult;
  /**
   * Per file of the last load, what it read and checked to: a one-file edit re-reads one file, not
   * the tree (cross-resource rules still run over everything), and a racy file is compared with it.
   */
  files?: Map<string, RememberedFile>;
  /** The clock the racy-file rule reads (tests move it forward). */
  now?: () => number;
  /** The Site roots the last load judged: their traversal verdicts are part of the context. */
  roots?: string[];
}

/** Everything but the files' contents that a load's result depends on. */
export function contextKey(
  absFiles: readonly string[],
  ctx: RuleContext | undefined,
  slice?: HostSlice,
  traversal = '',
): string {
  const context = [
    ctx?.installedPhp ?? [],
    [...(ctx?.reservedPorts ?? [])],
    ctx?.webBases ?? [],
    ctx?.protectedPaths ?? [],
    ctx?.accounts?.stamp ?? '',
    ctx?.liveVhosts?.stamp ?? '',
    traversal,
    slice ?? null,
  ];
  return JSON.stringify([context, absFiles]);
}

/**
 * Undefined when any file is racy or unreadable: such a tree is always read again. Identities hold
 * no newline and the context is JSON, so joining them is unambiguous (and escapes nothing again).
 */
export function treeFingerprint(
  context: string,
  identities: readonly (FileIdentity | undefined)[],
): string | undefined {
  if (identities.includes(undefined)) return undefined;
  return `${context}\n${identities.join('\n')}`;
}

/** What each file read last time, where its identity is the same now (else undefined: read it). */
export function trustedFiles(
  memo: LoadMemo,
  absFiles: readonly string[],
  identities: readonly (FileIdentity | undefined)[],
): (RememberedFile | undefined)[] {
  return absFiles.map((abs, i) => {
    const known = memo.files?.get(abs);
    return known && identities[i] !== undefined && known.identity === identities[i] ? known : undefined;
  });
}

const sameRead = (a: ReadOutcome, b: ReadOutcome | undefined): boolean =>
  a === b ||
  (b !== undefined &&
    (a.ok && b.ok
      ? a.text === b.text
      : !a.ok && !b.ok && a.message === b.message && a.limit === b.limit && a.code === b.code));

/** Every file reads as the last load read it, under the same context: the last result holds. */
export function readsAsBefore(
  memo: LoadMemo,
  context: string,
  absFiles: readonly string[],
  reads: readonly ReadOutcome[],
): boolean {
  const files = memo.files;
  return (
    memo.result !== undefined &&
    memo.context === context &&
    files !== undefined &&
    reads.every((r, i) => sameRead(r, files.get(absFiles[i]!)?.read))
  );
}

/** Records what each file read and checked to, with the identities that can be trusted now. */
export function remember(
  memo: LoadMemo,
  absFiles: readonly string[],
  identities: readonly (FileIdentity | undefined)[],
  perFile: readonly RememberedFile[],
): void {
  // Rebuilt from this load only, so files that left the tree leave the memo too.
  const files = new Map<string, RememberedFile>();
  absFiles.forEach((abs, i) => {
    // A record of the last load brings its old identity along: this load's replaces it.
    const { read, outcome } = perFile[i]!;
    const identity = identities[i];
    files.set(abs, {
      read,
      ...(outcome ? { outcome } : {}),
      ...(identity !== undefined ? { identity } : {}),
    });
  });
  memo.files = files;
}
