// The render memo of a long-lived pipeline: what a resource rendered to, kept while nothing it
// depends on changed (its generation, what it references, its ports, its certificates).
import { keyOf, type Pool, type Resource, type ResourceKey } from '../model/index.js';
import { renderOne, type RenderContext, type Rendered } from '../render/index.js';
import { sitesByPool } from '../render/pool-tenancy.js';
import { runtimeFieldsOf } from '../plan/runtime-change.js';
import { withRevision } from '../supervisor/restart-on.js';
import type { Observed } from '../plan/types.js';
import type { RenderMemoEntry } from './snapshot.js';

/**
 * A `restartOn: revision` Program runs with the revision in its environment (TEND_REVISION), so a
 * new revision is a new instance generation and a roll: its recorded fields carry it, and the plan
 * shows the roll like any other field change. supervisord programs do not get it.
 */
function runsAt(resource: Resource, revision: string | undefined): Resource {
  if (resource.kind !== 'Program' || resource.spec.backend !== 'native') return resource;
  return withRevision([resource], revision)[0]!;
}

/**
 * Pool name → the keys of the Sites `sitesUsing` gives it, worked out once per set of resources:
 * asking `sitesUsing` per Pool walked every resource for each (2.1 million checks a pass at 1,000
 * Pools, the largest CPU item of an idle pass's render). Keyed by the resources map itself, which a
 * plan builds fresh each pass and never changes; a map of another size is indexed again.
 */
const usersIndex = new WeakMap<RenderContext['resources'], { size: number; byPool: Map<string, string[]> }>();

export function sitesUsingKeys(pool: Pool, ctx: Pick<RenderContext, 'resources'>): readonly string[] {
  let index = usersIndex.get(ctx.resources);
  if (!index || index.size !== ctx.resources.size) {
    const byPool = new Map<string, string[]>();
    for (const [name, sites] of sitesByPool(ctx.resources.values()))
      byPool.set(
        name,
        sites.map((s) => keyOf(s)),
      );
    index = { size: ctx.resources.size, byPool };
    usersIndex.set(ctx.resources, index);
  }
  return index.byPool.get(pool.metadata.name) ?? [];
}

/**
 * Rendering is pure, so a daemon need not redo it for what did not change: a resource renders the
 * same while its own generation, the generations of what it references and its program ports do.
 */
export function renderMemo(
  cache: Map<ResourceKey, RenderMemoEntry>,
  resource: Resource,
  generation: string,
  ctx: RenderContext,
  generations: ReadonlyMap<ResourceKey, string>,
  /** The desired state's revision (its git commit), which `restartOn: revision` Programs run with. */
  revision?: string,
): Rendered {
  const refs: string[] = [];
  if (resource.kind === 'Site') {
    const pool = resource.spec.php?.pool;
    const program = resource.spec.proxy?.program;
    if (pool) refs.push(generations.get(`Pool/${pool}`) ?? '-');
    if (program)
      refs.push(generations.get(`Program/${program}`) ?? '-', String(ctx.programPorts?.get(program) ?? ''));
    // An ACME Site re-renders when its live certificate changes (issued, renewed).
    if (resource.spec.tls?.acme)
      refs.push(ctx.acmeCertificates?.get(resource.metadata.name)?.certificate ?? '');
    if (resource.spec.tls?.certificate)
      refs.push(ctx.tlsFileCopies?.get(resource.metadata.name)?.certificate ?? '');
  }
  // A pool's open_basedir and account home come from the Sites that use it.
  if (resource.kind === 'Pool')
    for (const site of sitesUsingKeys(resource, ctx)) refs.push(generations.get(site as ResourceKey) ?? '-');
  if (resource.kind === 'Program') refs.push(String(ctx.programPorts?.get(resource.metadata.name) ?? ''));
  if (resource.kind === 'Program' && resource.spec.restartOn === 'revision') refs.push(revision ?? '');
  const stamp = [generation, ctx.webUser ?? '', ctx.probeSecret ?? '', ...refs].join('|');
  const key = keyOf(resource);
  const hit = cache.get(key);
  if (hit?.stamp === stamp) return hit.rendered;
  const files = renderOne(resource, ctx);
  // A runtime resource carries its spec fields, so its plan shows a field diff (plan/runtime-change.ts).
  const runtime = runtimeFieldsOf(runsAt(resource, revision));
  const rendered = runtime ? { ...files, runtime } : files;
  cache.set(key, { stamp, rendered });
  return rendered;
}

/**
 * A file found on the host as rendered is held once: the memo takes the text the host read (its read
 * memo keeps that copy anyway), so 2,000 vhosts and pools are not held twice in a daemon (0051).
 */
export function shareObservedText(cache: Map<ResourceKey, RenderMemoEntry>, observed: Observed): void {
  for (const entry of cache.values()) {
    if (entry.shared) continue;
    const { files } = entry.rendered;
    const seen = files.map((f) => observed.files.get(f.path)?.content);
    if (!files.every((f, i) => seen[i] === f.content)) continue;
    entry.rendered = { ...entry.rendered, files: files.map((f, i) => ({ ...f, content: seen[i]! })) };
    entry.shared = true;
  }
}
