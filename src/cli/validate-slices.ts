// `tend validate` on a fleet tree: every host slice it can find is loaded and checked on its own, so
// cross-resource rules (a duplicate domain, a pool reference) hold per host (decision 0037).
import { formatLoadError, loadDesiredState, type LoadOptions, type LoadResult } from '../source/index.js';
import type { HostSlice } from '../source/host-slice.js';

/**
 * Loads the tree whole when it names no host; otherwise once per host named under hosts/ or in
 * metadata.hosts, with the given labels and default, and merges the results. An error found in some
 * slices only says which.
 */
export async function loadEverySlice(
  dir: string,
  opts: LoadOptions,
  base: Omit<HostSlice, 'name'>,
  only?: string,
): Promise<{ result: LoadResult; hosts: string[] }> {
  // A name no host can have: only the shared files and resources, to learn the host names.
  const probe = await loadDesiredState(dir, { ...opts, hostSlice: { ...base, name: only ?? '-' } });
  const hosts = only !== undefined ? [only] : (probe.hostNames ?? []);
  if (hosts.length === 0) return { result: await loadDesiredState(dir, opts), hosts };
  const results = only !== undefined ? [probe] : [];
  for (const name of only !== undefined ? [] : hosts)
    results.push(await loadDesiredState(dir, { ...opts, hostSlice: { ...base, name } }));
  return { result: mergeSlices(hosts, results), hosts };
}

function mergeSlices(hosts: readonly string[], results: readonly LoadResult[]): LoadResult {
  const errors = new Map<string, { error: LoadResult['errors'][number]; in: string[] }>();
  const resources = new Map<string, LoadResult['resources'][number]>();
  results.forEach((r, i) => {
    for (const e of r.errors) {
      const id = formatLoadError(e);
      const seen = errors.get(id) ?? { error: e, in: [] };
      seen.in.push(hosts[i]!);
      errors.set(id, seen);
    }
    for (const res of r.resources) resources.set(`${res.file}:${res.line}:${res.col}`, res);
  });
  const union = (pick: (r: LoadResult) => readonly string[]) => [...new Set(results.flatMap(pick))].sort();
  return {
    ok: results.every((r) => r.ok),
    resources: [...resources.values()],
    errors: [...errors.values()].map(({ error, in: where }) =>
      where.length === hosts.length
        ? error
        : { ...error, message: `${error.message} (host ${where.join(', ')})` },
    ),
    unknownFiles: union((r) => r.unknownFiles),
    unknownKeys: union((r) => r.unknownKeys) as LoadResult['unknownKeys'],
    invalidKeys: union((r) => r.invalidKeys) as LoadResult['invalidKeys'],
    files: union((r) => r.files),
    hostNames: [...hosts],
  };
}
