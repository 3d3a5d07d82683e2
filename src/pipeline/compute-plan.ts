// load → render → inventory → observe → plan: the I/O around the pure planner, shared by
// `tend reconcile --plan`, apply and the API, so that what is shown is exactly what would be applied.
import { resolve } from 'node:path';
import { observe } from '../observe/observe.js';
import { hostRuleContext } from '../observe/rule-context.js';
import { TendError, isTendError } from '../errors/catalogue.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import { keyOf, type Resource, type ResourceKey } from '../model/index.js';
import { plan, type Inventory, type Observed, type PendingResource, type Plan } from '../plan/index.js';
import { loadTemplates } from '../host/templates.js';
import { instancePorts, renderOne, type RenderContext, type Rendered } from '../render/index.js';
import {
  deferredSaves,
  fileOutcomeCache,
  gitRevision,
  loadDesiredState,
  type GitRevision,
  type LoadMemo,
  type LoadResult,
  type OutcomeCache,
} from '../source/index.js';
import { loadInventory } from '../state/inventory-store.js';
import { readCreatedAccounts } from '../apply/tenants.js';
import { sitesUsing } from '../render/pool-tenancy.js';

export interface ComputePlanOptions {
  host: Host;
  desiredDir: string;
  layout: Layout;
  allowMassDelete?: boolean;
  massDeleteShare?: number;
  only?: ResourceKey;
  /**
   * Planning only (`tend reconcile --plan`): no side effect on the host or tend's records, not even a
   * corrupt file's copy. (The load cache, a derived file in an existing state dir, is still refreshed.)
   */
  readOnly?: boolean;
  /** A daemon's pass: reuse the last load while the desired-state tree is unchanged (LoadMemo). */
  reuseLoad?: boolean;
  /**
   * A git source (src/gitsource/): the checkout to load and its revision, read once per pass so a
   * pass never mixes two revisions. Undefined from it: load desiredDir (which then fails to read).
   */
  resolveDesired?: ResolveDesired;
}

export type ResolveDesired = () => Promise<{ dir: string; revision: string } | undefined>;

export interface ComputedPlan {
  plan: Plan;
  load: LoadResult;
  rendered: Rendered[];
  observed: Observed;
  inventory: Inventory;
  git?: GitRevision;
  /** Wall-clock milliseconds per phase, for the pass log. */
  phases: { loadMs: number; renderMs: number; observeMs: number; planMs: number };
}

export const PORTS_FILE = 'ports.json';
export const LOAD_CACHE_FILE = 'load-cache.json';

/**
 * Program name → the port leased to each instance (`Program/x#i` is instance i), as the supervisor
 * leases them one by one; a list stops at the first instance without a lease. Read-only: the lease
 * store allocates; a plan only shows what is already leased. Accepts `{version, leases}` or a flat map.
 */
export async function readProgramPorts(host: Host, stateDir: string): Promise<Map<string, number[]>> {
  const path = `${stateDir}/${PORTS_FILE}`;
  const text = await host.fs.readFile(path);
  const ports = new Map<string, number[]>();
  if (text === undefined) return ports;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new TendError('TEND_ERR_STATE_CORRUPT', `expected JSON in ${path}, got: ${(err as Error).message}`);
  }
  const obj = (parsed ?? {}) as Record<string, unknown>;
  const leases = (typeof obj.leases === 'object' && obj.leases !== null ? obj.leases : obj) as Record<
    string,
    unknown
  >;
  const byInstance = new Map<string, Map<number, number>>();
  for (const [key, port] of Object.entries(leases)) {
    const m = /^Program\/([a-z0-9-]+)#(0|[1-9][0-9]*)$/.exec(key);
    if (!m || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    const slots = byInstance.get(m[1]!) ?? new Map<number, number>();
    slots.set(Number(m[2]), port);
    byInstance.set(m[1]!, slots);
  }
  for (const [name, slots] of byInstance) {
    const list: number[] = [];
    for (let i = 0; slots.has(i); i++) list.push(slots.get(i)!);
    if (list.length > 0) ports.set(name, list);
  }
  return ports;
}

/** A Site proxying to a `port: auto` Program without a lease cannot be rendered yet: say what it waits for. */
function waitingForPort(
  r: Resource,
  all: ReadonlyMap<ResourceKey, Resource>,
  ports: ReadonlyMap<string, readonly number[]>,
) {
  if (r.kind !== 'Site' || !r.spec.proxy?.program) return undefined;
  const name = r.spec.proxy.program;
  const program = all.get(`Program/${name}`);
  if (program?.kind !== 'Program' || program.spec.port !== 'auto') return undefined;
  if (instancePorts(program, { programPorts: ports }) !== undefined) return undefined;
  return `waiting for Program/${name}'s ports: one is leased to each instance when Program/${name} is applied`;
}

const caches = new Map<string, OutcomeCache>();
const loadMemos = new Map<string, LoadMemo>();

/** One load memo per desired-state dir: a daemon's resync skips an unchanged tree entirely. */
function loadMemoFor(desiredDir: string): LoadMemo {
  let memo = loadMemos.get(desiredDir);
  if (!memo) loadMemos.set(desiredDir, (memo = {}));
  return memo;
}

/**
 * One outcome cache per state dir for the process's lifetime, so a daemon reads the file once; a
 * daemon (which reuses loads) saves it in the background rather than inside its passes.
 */
function outcomeCacheFor(stateDir: string, daemon: boolean): OutcomeCache {
  let cache = caches.get(stateDir);
  if (!cache) {
    const file = fileOutcomeCache(`${stateDir}/${LOAD_CACHE_FILE}`);
    caches.set(stateDir, (cache = daemon ? deferredSaves(file) : file));
  }
  return cache;
}

/**
 * Rendering is pure, so a daemon need not redo it for what did not change: a resource renders the
 * same while its own generation, the generations of what it references and its program ports do.
 */
const renderCache = new WeakMap<Layout, Map<ResourceKey, { stamp: string; rendered: Rendered }>>();

function renderMemo(
  resource: Resource,
  generation: string,
  ctx: RenderContext,
  generations: ReadonlyMap<ResourceKey, string>,
): Rendered {
  const refs: string[] = [];
  if (resource.kind === 'Site') {
    const pool = resource.spec.php?.pool;
    const program = resource.spec.proxy?.program;
    if (pool) refs.push(generations.get(`Pool/${pool}`) ?? '-');
    if (program)
      refs.push(generations.get(`Program/${program}`) ?? '-', String(ctx.programPorts?.get(program) ?? ''));
  }
  // A pool's open_basedir and account home come from the Sites that use it.
  if (resource.kind === 'Pool')
    for (const site of sitesUsing(resource, ctx)) refs.push(generations.get(keyOf(site)) ?? '-');
  if (resource.kind === 'Program') refs.push(String(ctx.programPorts?.get(resource.metadata.name) ?? ''));
  const stamp = [generation, ctx.webUser ?? '', ...refs].join('|');
  const cache = renderCache.get(ctx.layout) ?? new Map<ResourceKey, { stamp: string; rendered: Rendered }>();
  renderCache.set(ctx.layout, cache);
  const key = keyOf(resource);
  const hit = cache.get(key);
  if (hit?.stamp === stamp) return hit.rendered;
  const rendered = renderOne(resource, ctx);
  cache.set(key, { stamp, rendered });
  return rendered;
}

export async function computePlan(opts: ComputePlanOptions): Promise<ComputedPlan> {
  const { host, layout, desiredDir } = opts;
  const t0 = performance.now();
  const ruleContext = await hostRuleContext(host, layout);
  const source = await opts.resolveDesired?.();
  const [load, git, inventory, programPorts, createdAccounts] = await Promise.all([
    loadDesiredState(source?.dir ?? desiredDir, {
      ruleContext,
      cache: outcomeCacheFor(layout.stateDir, opts.reuseLoad === true),
      ...(opts.reuseLoad ? { memo: loadMemoFor(resolve(desiredDir)) } : {}),
    }),
    source ? { commit: source.revision, dirty: false } : gitRevision(desiredDir),
    loadInventory(host, layout.stateDir, { readOnly: opts.readOnly === true }),
    readProgramPorts(host, layout.stateDir),
    readCreatedAccounts(host, layout.stateDir),
  ]);

  const t1 = performance.now();
  const resources = new Map<ResourceKey, Resource>(load.resources.map((r) => [r.key, r.resource]));
  // As root, embedded nginx workers run as www-data (see the nginx driver), so sockets must admit it.
  const webUser = host.isRoot() ? 'www-data' : undefined;
  const ctx: RenderContext = {
    layout,
    resources,
    programPorts,
    templates: loadTemplates(),
    ...(webUser ? { webUser } : {}),
  };
  const rendered: Rendered[] = [];
  const pending = new Map<ResourceKey, PendingResource>();
  const generations = new Map<ResourceKey, string>();
  const adopt = new Set<ResourceKey>();
  for (const { key, generation } of load.resources) generations.set(key, generation);
  for (const { key, resource, generation } of load.resources) {
    if ('adopt' in resource.spec && resource.spec.adopt === true) adopt.add(key);
    const waiting = waitingForPort(resource, resources, programPorts);
    if (waiting) {
      pending.set(key, { code: 'TEND_ERR_DEPENDENCY_PENDING', message: waiting, generation });
      continue;
    }
    try {
      rendered.push(renderMemo(resource, generation, ctx, generations));
    } catch (err) {
      // One resource that cannot be rendered is blocked alone; it is desired, so never deleted.
      if (!isTendError(err)) throw err;
      pending.set(key, { code: err.code, message: err.message, generation });
    }
  }

  const want = { files: [] as string[], links: [] as string[] };
  for (const r of rendered) {
    for (const f of r.files) want.files.push(f.path);
    for (const l of r.links) want.links.push(l.path);
  }
  for (const entry of Object.values(inventory.resources)) {
    want.files.push(...entry.files);
    want.links.push(...entry.links);
  }
  const t2 = performance.now();
  const observed = await observe(host, layout, want);
  const t3 = performance.now();

  const result = plan({
    desired: rendered,
    generations,
    adopt,
    observed,
    inventory,
    load,
    pending,
    ...(git ? { revision: git.commit } : {}),
    accounts: createdAccounts,
    options: {
      ...(opts.allowMassDelete !== undefined ? { allowMassDelete: opts.allowMassDelete } : {}),
      ...(opts.massDeleteShare !== undefined ? { massDeleteShare: opts.massDeleteShare } : {}),
      ...(opts.only !== undefined ? { only: opts.only } : {}),
    },
  });
  const ms = (a: number, b: number) => Math.round(b - a);
  const phases = {
    loadMs: ms(t0, t1),
    renderMs: ms(t1, t2),
    observeMs: ms(t2, t3),
    planMs: ms(t3, performance.now()),
  };
  return { plan: result, load, rendered, observed, inventory, phases, ...(git ? { git } : {}) };
}
