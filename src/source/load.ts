// Loads the desired-state directory: every YAML document validated, located and cross-checked.
// Files are read in batches; those the outcome cache does not know are checked, on two cores when
// there are many.
import { resolve } from 'node:path';
import { siteRootsOf, type ResourceKey, type RuleContext } from '../model/index.js';
import { stableIdentity } from '../host/file-identity.js';
import { lazyLocator } from './check-file.js';
import { startChecker, type Parallel } from './check-parallel.js';
import { crossCheck, type Candidate, type Elsewhere } from './cross.js';
import type { OutcomeCache } from './outcome-cache.js';
import { listYamlFiles, readYamlFile, realRoot, toRel, type ReadOutcome } from './files.js';
import type { LoadedResource, LoadError, LoadResult } from './types.js';
import { fileInSlice, hostNamesIn, resourceInSlice, type HostSlice } from './host-slice.js';
import { HOST_NAME_PATTERN } from '../model/envelope.js';
import {
  contextKey,
  readsAsBefore,
  remember,
  treeFingerprint,
  trustedFiles,
  type LoadMemo,
  type RememberedFile,
} from './load-memo.js';

export type { LoadMemo } from './load-memo.js';

export interface LoadOptions {
  ruleContext?: RuleContext;
  /** Whether to check files in a worker thread too; 'auto' decides by tree size and cores. */
  parallel?: Parallel;
  /** Outcomes of files checked before, by path and text: only new or changed files are parsed. */
  cache?: OutcomeCache;
  /**
   * The last result, reused while the rule context and every file's stat identity are unchanged, or
   * every file's text (a racy file is read again, and compared).
   */
  memo?: LoadMemo;
  /** Load only this host's slice of a fleet tree (host-slice.ts); undefined: every resource. */
  hostSlice?: HostSlice;
}

/** Files read between two yields to the event loop, so a daemon reloading a large tree stays responsive. */
const READ_BATCH = 128;

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

async function readAll(
  treeReal: string,
  absFiles: readonly string[],
  remembered: readonly (RememberedFile | undefined)[],
): Promise<ReadOutcome[]> {
  const out: ReadOutcome[] = [];
  let fresh = 0;
  for (let i = 0; i < absFiles.length; i++) {
    const known = remembered[i];
    if (known) {
      out.push(known.read);
      continue;
    }
    if (++fresh % READ_BATCH === 0) await new Promise((resolve) => setImmediate(resolve));
    out.push(readYamlFile(absFiles[i]!, treeReal));
  }
  return out;
}

export async function loadDesiredState(dir: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const root = resolve(dir);
  const listed = await listYamlFiles(root);
  const slice = opts.hostSlice;
  // Other hosts' files (hosts/<other>/) are not read at all: their errors are not this host's.
  const absFiles = slice ? listed.filter((abs) => fileInSlice(toRel(root, abs), slice)) : listed;
  const hostNames = hostNamesIn(
    listed.map((abs) => toRel(root, abs)),
    [],
  );
  const memo = opts.memo;
  if (!memo) return withHostNames((await loadFiles(root, absFiles, opts, [])).result, hostNames);
  const now = memo.now?.() ?? Date.now();
  const identities = absFiles.map((abs) => stableIdentity(abs, now));
  // A directory opened (or closed) above a root changes the verdict though no file changed.
  const traversal = (await opts.ruleContext?.traversal?.prepare(memo.roots ?? [])) ?? '';
  const context = contextKey(absFiles, opts.ruleContext, slice, traversal);
  const fingerprint = treeFingerprint(context, identities);
  if (fingerprint !== undefined && memo.fingerprint === fingerprint && memo.result) return memo.result;
  const remembered = trustedFiles(memo, absFiles, identities);
  const reads = await readAll(realRoot(root), absFiles, remembered);
  // A racy file (one just written) is never trusted by its stat, but its text can be compared. So a
  // save costs one full load, where it cost one for every pass while the file was racy, and one more
  // for the first pass after (the racy file had no record to compare with).
  if (readsAsBefore(memo, context, absFiles, reads)) {
    const files = memo.files!;
    remember(
      memo,
      absFiles,
      identities,
      absFiles.map((abs) => files.get(abs)!),
    );
    memo.fingerprint = fingerprint;
    return memo.result!;
  }
  const loaded = await loadFiles(root, absFiles, opts, remembered, reads);
  const result = withHostNames(loaded.result, hostNames);
  // Keyed by the verdicts on the roots this load judged (the next load asks about the same ones).
  const judged = (await opts.ruleContext?.traversal?.prepare(loaded.roots)) ?? '';
  memo.context = contextKey(absFiles, opts.ruleContext, slice, judged);
  memo.fingerprint = fingerprint === undefined ? undefined : treeFingerprint(memo.context, identities);
  memo.result = result;
  memo.roots = loaded.roots;
  remember(memo, absFiles, identities, loaded.perFile);
  return result;
}

/** Adds the host names found in hosts/ to those the load saw in metadata.hosts. */
function withHostNames(result: LoadResult, fromDirs: readonly string[]): LoadResult {
  if (fromDirs.length === 0) return result;
  // A directory no host can be named after (hosts/Web_1/) would apply nowhere, silently: refuse it.
  const bad = fromDirs.filter((n) => !HOST_NAME_PATTERN.test(n));
  const errors: LoadError[] = bad.map((n) => ({
    code: 'TEND_ERR_SCHEMA',
    file: `hosts/${n}`,
    line: 0,
    col: 0,
    message: `expected a host name as the directory under hosts/ (lowercase letters, digits, "." and "-", 1-63 characters), got ${JSON.stringify(n)}: its files would apply to no host`,
  }));
  const good = fromDirs.filter((n) => HOST_NAME_PATTERN.test(n));
  const hostNames = [...new Set([...(result.hostNames ?? []), ...good])].sort();
  if (errors.length === 0) return { ...result, hostNames };
  return { ...result, ok: false, errors: [...errors, ...result.errors], hostNames };
}

async function loadFiles(
  root: string,
  absFiles: string[],
  opts: LoadOptions,
  remembered: readonly (RememberedFile | undefined)[],
  alreadyRead?: ReadOutcome[],
): Promise<{ result: LoadResult; perFile: Omit<RememberedFile, 'identity'>[]; roots: string[] }> {
  const files = absFiles.map((a) => toRel(root, a));
  const errors: LoadError[] = [];
  const unknownFiles = new Set<string>();
  const unknownKeys = new Set<ResourceKey>();
  const elsewhere = new Map<ResourceKey, Elsewhere>();
  const clean: Candidate[] = [];
  /** Every clean resource before the host slice, for the host names metadata.hosts mentions. */
  const seen: { resource: Candidate['resource'] }[] = [];

  const reads = alreadyRead ?? (await readAll(realRoot(root), absFiles, remembered));
  const readable = reads.flatMap((r, i) => (r.ok ? [{ file: files[i]!, text: r.text, i }] : []));
  // The cache is asked even when the memo answers: a save keeps only the entries this load used.
  const outcomes = readable.map((r) => {
    const cached = opts.cache?.get(r.file, r.text);
    return remembered[r.i]?.outcome ?? cached;
  });
  const misses = readable.filter((_, i) => outcomes[i] === undefined);
  const checker = startChecker(misses.length, opts.parallel);
  try {
    const checked = await checker.run(
      misses.map((r) => r.file),
      misses.map((r) => r.text),
    );
    let m = 0;
    outcomes.forEach((o, i) => {
      if (o !== undefined) return;
      const { file, text } = readable[i]!;
      outcomes[i] = checked[m++]!;
      opts.cache?.set(file, text, outcomes[i]!);
    });
    // Merged in file order, so "declared twice" always points back at the first file.
    let k = 0;
    reads.forEach((read, i) => {
      const file = files[i]!;
      if (!read.ok) {
        const code = read.code ?? (read.limit ? 'TEND_ERR_SOURCE_LIMIT' : 'TEND_ERR_SOURCE_UNREADABLE');
        errors.push({ code, file, line: 0, col: 0, message: read.message });
        unknownFiles.add(file);
        return;
      }
      const out = outcomes[k]!;
      const locator = lazyLocator(file, read.text);
      k++;
      errors.push(...out.errors);
      if (out.unknown) unknownFiles.add(file);
      for (const key of out.recovered) {
        unknownKeys.add(key);
        if (!elsewhere.has(key)) elsewhere.set(key, { key, file, line: 0, col: 0, why: 'unparseable' });
      }
      for (const c of out.clean) {
        seen.push(c);
        if (!opts.hostSlice || resourceInSlice(c.resource, file, opts.hostSlice))
          clean.push({ ...c, file, locate: locator(c.index) });
      }
      for (const { key, line, col } of out.invalid)
        if (!elsewhere.has(key)) elsewhere.set(key, { key, file, line, col, why: 'invalid' });
    });
  } finally {
    checker.close();
  }
  opts.cache?.save();
  const perFile: Omit<RememberedFile, 'identity'>[] = reads.map((read) => ({ read }));
  readable.forEach((r, k) => (perFile[r.i]!.outcome = outcomes[k]));

  const roots = siteRootsOf(clean.map((c) => c.resource));
  await opts.ruleContext?.traversal?.prepare(roots);
  const cross = crossCheck(clean, elsewhere, opts.ruleContext);
  errors.push(...cross.errors);
  const invalidKeys = new Set<ResourceKey>(
    [...elsewhere.values()].filter((e) => e.why === 'invalid').map((e) => e.key),
  );
  const resources: LoadedResource[] = [];
  clean.forEach((c, i) => {
    if (cross.failed.has(i)) {
      invalidKeys.add(c.key);
      return;
    }
    const { resource, key, file, line, col, generation } = c;
    resources.push(deepFreeze({ resource, key, file, line, col, generation }));
  });
  // Stable sort: file order, then position, so the output reads top to bottom like the files.
  errors.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : a.line - b.line || a.col - b.col));
  const result = {
    ok: errors.length === 0 && unknownFiles.size === 0,
    resources,
    errors,
    unknownFiles: [...unknownFiles].sort(),
    unknownKeys: [...unknownKeys].sort(),
    invalidKeys: [...invalidKeys].sort(),
    files,
    ...(hostNamesIn([], seen).length > 0 ? { hostNames: hostNamesIn([], seen) } : {}),
  };
  return { result, perFile, roots };
}
