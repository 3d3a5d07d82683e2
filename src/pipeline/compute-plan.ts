// load → render → inventory → observe → plan: the I/O around the pure planner, shared by
// `tend reconcile --plan`, apply and the API, so that what is shown is exactly what would be applied.
import { acmeRenderInput } from '../acme/render-input.js';
import { fileCertInput } from '../acme/file-certs.js';
import { observe } from '../observe/observe.js';
import { hostRuleContext } from '../observe/rule-context.js';
import { siteRootWarnings } from '../observe/root-access.js';
import { isTendError } from '../errors/catalogue.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import { type Resource, type ResourceKey } from '../model/index.js';
import { plan, type Inventory, type Observed, type PendingResource, type Plan } from '../plan/index.js';
import { loadTemplates } from '../host/templates.js';
import { instancePorts, type RenderContext, type Rendered } from '../render/index.js';
import {
  gitRevision,
  loadDesiredState,
  type GitRevision,
  type HostSlice,
  type LoadResult,
} from '../source/index.js';
import { loadInventory } from '../state/inventory-store.js';
import { readCreatedAccounts } from '../apply/tenants.js';
import { wantedProgramLeases } from '../state/port-allocation.js';
import { PortLeases } from '../state/port-leases.js';
import { ControllerSnapshot } from './snapshot.js';
import { renderMemo, shareObservedText } from './render-memo.js';

export { LOAD_CACHE_FILE } from './snapshot.js';
import { probeSecret } from '../state/probe-secret.js';

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
   * What this pass may reuse from earlier ones (pipeline/snapshot.ts): the daemon's own; a fresh
   * one when absent (a CLI process).
   */
  snapshot?: ControllerSnapshot;
  /**
   * The plan of a moment ago (converge's deletion grace): when the desired state loaded the same,
   * its load, render and observation are reused instead of computed again.
   */
  previous?: ComputedPlan;
  /**
   * A git source (src/gitsource/): the checkout to load and its revision, read once per pass so a
   * pass never mixes two revisions. Undefined from it: load desiredDir (which then fails to read).
   */
  resolveDesired?: ResolveDesired;
  /** A fleet host: plan only this host's slice, so other hosts' resources are neither applied nor pruned. */
  hostSlice?: HostSlice;
}

export type ResolveDesired = () => Promise<{ dir: string; revision: string } | undefined>;

export interface ComputedPlan {
  plan: Plan;
  load: LoadResult;
  rendered: Rendered[];
  observed: Observed;
  inventory: Inventory;
  git?: GitRevision;
  /** Lease keys this plan allocated a port to (already recorded unless the plan is read-only). */
  leased: string[];
  /** Wall-clock milliseconds per phase, for the pass log. */
  phases: { loadMs: number; renderMs: number; observeMs: number; planMs: number };
}

/**
 * Program name → the port leased to each instance (`Program/x#i` is instance i); a list stops at the
 * first instance without a lease. Read through the lease store, ports.json's one reader.
 */
export async function readProgramPorts(host: Host, stateDir: string): Promise<Map<string, number[]>> {
  return new PortLeases({ host, stateDir }).programPorts();
}

/** A Site proxying to a `port: auto` Program without a lease cannot be rendered yet: say what it waits for. */
function waitingForPort(
  r: Resource,
  all: ReadonlyMap<ResourceKey, Resource>,
  ports: ReadonlyMap<string, readonly number[]>,
  leaseErrors: ReadonlyMap<string, Error>,
) {
  if (r.kind !== 'Site' || !r.spec.proxy?.program) return undefined;
  const name = r.spec.proxy.program;
  const program = all.get(`Program/${name}`);
  if (program?.kind !== 'Program' || program.spec.port !== 'auto') return undefined;
  if (instancePorts(program, { programPorts: ports }) !== undefined) return undefined;
  const error = [...leaseErrors].find(([key]) => key.startsWith(`Program/${name}#`))?.[1];
  if (error) return `waiting for Program/${name}'s ports: ${error.message}`;
  return `waiting for Program/${name}'s ports: one is leased to each instance when Program/${name} is applied`;
}

/** The same desired state: every key at the same generation, and the same errors and held keys. */
function sameLoad(a: LoadResult, b: LoadResult): boolean {
  if (a === b) return true;
  const digest = (l: LoadResult) =>
    JSON.stringify([
      l.ok,
      l.resources.map((r) => [r.key, r.generation]),
      l.errors,
      l.unknownFiles,
      l.unknownKeys,
      l.invalidKeys,
      l.files,
    ]);
  return digest(a) === digest(b);
}

/** Same entries (entries are frozen and shared between loads of the same bytes). */
function sameInventory(a: Inventory, b: Inventory): boolean {
  const ka = Object.keys(a.resources);
  if (ka.length !== Object.keys(b.resources).length) return false;
  return ka.every((k) => a.resources[k] === b.resources[k]);
}

export async function computePlan(opts: ComputePlanOptions): Promise<ComputedPlan> {
  const { host, layout, desiredDir } = opts;
  const snapshot = opts.snapshot ?? new ControllerSnapshot();
  const t0 = performance.now();
  const ruleContext = await hostRuleContext(host, layout);
  const source = await opts.resolveDesired?.();
  const [load, git, inventory, createdAccounts] = await Promise.all([
    loadDesiredState(source?.dir ?? desiredDir, {
      ruleContext,
      cache: snapshot.outcomeCache(layout.stateDir),
      ...(opts.reuseLoad ? { memo: snapshot.loadMemo(desiredDir) } : {}),
      ...(opts.hostSlice ? { hostSlice: opts.hostSlice } : {}),
      // A daemon checks on its main thread: a worker's isolate left ~17 MB in its thread's malloc
      // arena for the daemon's life and reset V8's young-generation growth (host/v8-flags.ts),
      // for a first load no faster at 1,000 Sites + Pools (0051). One-shot commands keep it.
      ...(snapshot.longLived ? { parallel: 'never' as const } : {}),
    }),
    source ? { commit: source.revision, dirty: false } : gitRevision(desiredDir),
    loadInventory(host, layout.stateDir, { readOnly: opts.readOnly === true, memo: snapshot.inventory }),
    readCreatedAccounts(host, layout.stateDir),
  ]);
  // The deletion grace's second look: the same load (the memo answers with the same object when no
  // file changed) and the same inventory plan the same, so the plan of a moment ago stands.
  const prev = opts.previous;
  if (
    prev &&
    sameLoad(prev.load, load) &&
    prev.git?.commit === git?.commit &&
    sameInventory(prev.inventory, inventory)
  )
    return prev;

  const resources = new Map<ResourceKey, Resource>(load.resources.map((r) => [r.key, r.resource]));
  // Ports are allocated before planning (a pure step, each new port proved free by binding), so a
  // Site proxying to a new `port: auto` Program renders in this very pass. A read-only plan leases
  // nothing (a port shown but not recorded could be taken before the apply): such a Site waits.
  const leased = await snapshot
    .portLeases(host, layout.stateDir)
    .ensure(wantedProgramLeases(resources.values()), { persist: opts.readOnly !== true });
  const programPorts = leased.ports;

  const t1 = performance.now();
  // As root, embedded nginx workers run as www-data (see the nginx driver), so sockets must admit it.
  const webUser = host.isRoot() ? 'www-data' : undefined;
  const secret = await probeSecret(host, layout.stateDir, opts.readOnly !== true);
  const ctx: RenderContext = {
    layout,
    resources,
    programPorts,
    templates: loadTemplates(),
    ...(webUser ? { webUser } : {}),
    ...(secret ? { probeSecret: secret } : {}),
    ...(await acmeRenderInput(host, layout, resources.values())),
    tlsFileCopies: await fileCertInput(
      host,
      layout,
      resources.values(),
      snapshot.fileCerts(layout.stateDir),
      {
        readOnly: opts.readOnly === true,
      },
    ),
  };
  const rendered: Rendered[] = [];
  const pending = new Map<ResourceKey, PendingResource>();
  const generations = new Map<ResourceKey, string>();
  const adopt = new Set<ResourceKey>();
  for (const { key, generation } of load.resources) generations.set(key, generation);
  for (const { key, resource, generation } of load.resources) {
    if ('adopt' in resource.spec && resource.spec.adopt === true) adopt.add(key);
    const waiting = waitingForPort(resource, resources, programPorts, leased.errors);
    if (waiting) {
      pending.set(key, { code: 'TEND_ERR_DEPENDENCY_PENDING', message: waiting, generation });
      continue;
    }
    try {
      rendered.push(
        renderMemo(snapshot.renderMemo(layout), resource, generation, ctx, generations, git?.commit),
      );
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
  shareObservedText(snapshot.renderMemo(layout), observed);
  // A root missing or closed to its Pool is worth a warning, not a refusal: the operator may fix it
  // later. One nginx's workers cannot reach was refused by the load (decision 0042).
  const access = await siteRootWarnings(host, resources.values(), ruleContext.accounts);
  for (const [i, r] of rendered.entries()) {
    const more = access.get(r.key);
    if (more) rendered[i] = { ...r, warnings: [...(r.warnings ?? []), ...more] };
  }
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
  return {
    plan: result,
    load,
    rendered,
    observed,
    inventory,
    leased: leased.added,
    phases,
    ...(git ? { git } : {}),
  };
}
