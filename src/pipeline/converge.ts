// One reconcile pass: recover an interrupted apply, plan, apply the file changes, apply the runtime
// changes (Programs, Terminals, Jobs), make sure the services tend owns are running, then write status back. `tend reconcile` runs it once; `tend serve` runs it in a loop.
import { applyPlan, type ApplyResult } from '../apply/executor.js';
import { recoverInterruptedApply, type RecoveryReport } from '../apply/recover.js';
import { sweepTempFiles, writableDirs } from '../apply/temp-sweep.js';
import { prepareTenants } from '../apply/tenants.js';
import { detectPhpVersions } from '../observe/observe.js';
import { serviceDriverFor, type ServiceContext } from '../drivers/services.js';
import type { ServiceDriver } from '../drivers/service.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource, ResourceKey } from '../model/index.js';
import type { ServiceId } from '../render/types.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import { loadInventory, saveInventory } from '../state/inventory-store.js';
import { fileJournal } from '../state/journal.js';
import { owedReloads } from '../state/owed-reloads.js';
import type { StatusStore } from '../state/status-store.js';
import type { Inventory, Plan } from '../plan/types.js';
import type { HealthVerdict } from '../observe/assess.js';
import {
  computePlan,
  type ComputedPlan,
  type ComputePlanOptions,
  type ResolveDesired,
} from './compute-plan.js';
import { settleServices } from './service-debt.js';
import { ControllerSnapshot } from './snapshot.js';
import { DELETION_GRACE_MS, vanishedKeys } from './deletion-grace.js';
import { writeStatus } from '../status/status-writer.js';

export interface ConvergeOptions {
  host: Host;
  layout: Layout;
  desiredDir: string;
  store: StatusStore;
  events?: EventLog;
  allowMassDelete?: boolean;
  only?: ResourceKey;
  serviceContext?: Partial<ServiceContext>;
  externalHealth?: (resource: Resource) => HealthVerdict | undefined;
  runtimeStatus?: (resource: Resource, current: ResourceStatus) => ResourceStatus | undefined;
  /** See observe/probe-policy.ts. */
  probeMaxAgeMs?: number;
  /** Keys to probe afresh ("*": all), whatever the probe policy says: an API reconcile asks. */
  probeNow?: ReadonlySet<string>;
  /**
   * The runtime stage: the daemon hands the applied plan's Program, Terminal and Job steps (with the
   * drift its drivers observe) to the runtime drivers here, right after the file changes and before
   * health probes, so a saved Program runs without waiting for probes. `applied` is the part of the
   * plan that was applied (held changes taken out). A one-shot reconcile runs nothing (no daemon).
   */
  applyRuntime?: (computed: ComputedPlan, applied: Plan) => Promise<void>;
  /** Asked before starting an owned service found not running (tend serve's master watch). */
  beforeServiceStart?: (service: ServiceId) => Promise<void>;
  /** A daemon: see ComputePlanOptions.reuseLoad. */
  reuseLoad?: boolean;
  /** The controller's cache (pipeline/snapshot.ts); a fresh one per converge when absent. */
  snapshot?: ControllerSnapshot;
  /** How long resources that left the desired state must stay gone before they are pruned. */
  deletionGraceMs?: number;
  /** A git source: see ComputePlanOptions.resolveDesired. */
  resolveDesired?: ResolveDesired;
  /** A fleet host's slice: see ComputePlanOptions.hostSlice. */
  hostSlice?: ComputePlanOptions['hostSlice'];
  /** The part of the plan to apply (suspended resources and a paused daemon hold theirs back). */
  holdChanges?: (computed: ComputedPlan) => Plan;
  /**
   * Told of the plan this pass acts on before it changes anything, status included: a reader that
   * pairs status with the desired state (the API) must see this load from the first status change.
   */
  onPlanned?: (computed: ComputedPlan) => void;
}

export interface ConvergeResult {
  computed: ComputedPlan;
  apply: ApplyResult;
  recovery?: RecoveryReport;
  statuses: ResourceStatus[];
  /** Keys whose outage this pass repaired (a pool socket's mode), to be probed again shortly. */
  recheck: ResourceKey[];
  /** Wall-clock milliseconds per phase of the pass, for the pass log. */
  phases: ComputedPlan['phases'] & {
    prepareMs: number;
    applyMs: number;
    /** Programs, Terminals and the masters tend owns, started or checked. */
    servicesMs: number;
    statusMs: number;
  };
}

export function serviceRegistry(ctx: ServiceContext): (id: ServiceId) => ServiceDriver {
  const drivers = new Map<ServiceId, ServiceDriver>();
  return (id) => {
    let d = drivers.get(id);
    if (!d) drivers.set(id, (d = serviceDriverFor(id, ctx)));
    return d;
  };
}

/**
 * A Site or Pool removed from the desired state before it ever went live (held back, blocked) has
 * no delete to clear its status: drop it once the source loads cleanly and the inventory lacks it.
 */
function forgetNeverApplied(store: StatusStore, computed: ComputedPlan, inventory: Inventory): void {
  const { load } = computed;
  if (load.unknownFiles.length > 0) return;
  const desired = new Set<string>([
    ...load.resources.map((r) => r.key),
    ...load.invalidKeys,
    ...load.unknownKeys,
  ]);
  for (const s of store.list())
    if ((s.kind === 'Site' || s.kind === 'Pool') && !desired.has(s.key) && !inventory.resources[s.key])
      store.remove(s.key);
}

export async function converge(opts: ConvergeOptions): Promise<ConvergeResult> {
  const { host, layout } = opts;
  const stateDir = layout.stateDir;
  // A recursive mkdir gives every new directory the mode: the root must stay traversable for nginx's workers.
  await host.fs.mkdirp(layout.root, 0o755);
  await host.fs.mkdirp(stateDir, 0o700);
  const snapshot = opts.snapshot ?? new ControllerSnapshot();
  const services = serviceRegistry({ host, layout, ...opts.serviceContext });
  const journal = fileJournal(host, stateDir);
  const inventoryIo = {
    loadInventory: () => loadInventory(host, stateDir, { memo: snapshot.inventory }),
    saveInventory: (inv: Parameters<typeof saveInventory>[2]) =>
      saveInventory(host, stateDir, inv, snapshot.inventory),
  };
  const t0 = performance.now();
  // Temp files are litter from a killed process: the first pass of each process sweeps them (a
  // failed write in this one removes its own), so a daemon does not list its directories every pass.
  if (!snapshot.swept.has(stateDir)) {
    const inventoried = Object.values((await inventoryIo.loadInventory()).resources);
    const owned = inventoried.flatMap((e) => [...e.files, ...e.links]);
    // Installed versions, not only inventoried ones: a kill during the first pass may precede the inventory.
    const phpVersions = await detectPhpVersions(host, layout);
    const journaled = ((await journal.read()) ?? []).flatMap((e) => e.before.map((b) => b.path));
    await sweepTempFiles(host, writableDirs(layout, [...owned, ...journaled], phpVersions), stateDir);
    snapshot.swept.add(stateDir);
  }
  const recovery = await recoverInterruptedApply({ host, journal, services, ...inventoryIo });
  if (recovery)
    opts.events?.record({
      type: 'Warning',
      reason: 'Recovered',
      message:
        `finished an interrupted apply: undid ${recovery.undone.length}, recorded ${recovery.recorded.length}` +
        (recovery.unfinished.size > 0
          ? `; still owed a reload: ${[...recovery.unfinished.keys()].join(', ')}`
          : ''),
    });

  const t1 = performance.now();
  const planOpts = {
    host,
    layout,
    desiredDir: opts.desiredDir,
    ...(opts.allowMassDelete ? { allowMassDelete: true } : {}),
    ...(opts.only ? { only: opts.only } : {}),
    ...(opts.reuseLoad ? { reuseLoad: true } : {}),
    ...(opts.resolveDesired ? { resolveDesired: opts.resolveDesired } : {}),
    ...(opts.hostSlice ? { hostSlice: opts.hostSlice } : {}),
    snapshot,
  };
  let computed = await computePlan(planOpts);
  // Resources gone from the desired state are confirmed gone after a grace (see deletion-grace.ts):
  // a second look loads again, and reuses this plan when nothing changed meanwhile.
  if (!opts.only && vanishedKeys(computed, opts.store).length > 0) {
    await host.sleep(opts.deletionGraceMs ?? DELETION_GRACE_MS);
    computed = await computePlan({ ...planOpts, previous: computed });
  }
  opts.onPlanned?.(computed);
  // nginx -t opens every log file a vhost names, so their directories must exist first.
  await host.fs.mkdirp(layout.nginx.siteLog('x', 'access').replace(/\/[^/]+$/, ''));
  // php-fpm -t refuses a pool whose user is missing: accounts and tenant dirs come first.
  await prepareTenants({
    host,
    stateDir,
    rendered: computed.rendered,
    ...(opts.events ? { events: opts.events } : {}),
  });
  const t2 = performance.now();
  const toApply = opts.holdChanges ? opts.holdChanges(computed) : computed.plan;
  const apply = await applyPlan(toApply, { host, services, journal, ...inventoryIo });
  const t3 = performance.now();
  await opts.applyRuntime?.(computed, toApply);

  const inventory = await inventoryIo.loadInventory();
  const { started, degraded } = await settleServices({
    services,
    owned: Object.values(inventory.resources).flatMap((e) => e.services),
    ...(recovery ? { recovery } : {}),
    apply,
    owed: owedReloads(host, stateDir),
    ...(opts.beforeServiceStart ? { beforeStart: opts.beforeServiceStart } : {}),
    ...(opts.events ? { events: opts.events } : {}),
  });

  forgetNeverApplied(opts.store, computed, inventory);

  const t4 = performance.now();
  // As root, embedded nginx's workers run as the web user (see the nginx driver); else as tend.
  const webUser = host.isRoot() ? (opts.serviceContext?.webUser ?? 'www-data') : undefined;
  const { statuses, recheck } = await writeStatus({
    layout,
    host,
    ...(webUser ? { webUser } : {}),
    ...(opts.probeNow ? { probeNow: opts.probeNow } : {}),
    load: computed.load,
    rendered: computed.rendered,
    apply,
    started,
    degradedServices: degraded,
    ...(opts.probeMaxAgeMs !== undefined ? { probeMaxAgeMs: opts.probeMaxAgeMs } : {}),
    ...(computed.git?.commit ? { revision: computed.git.commit } : {}),
    store: opts.store,
    ...(opts.events ? { events: opts.events } : {}),
    ...(opts.externalHealth ? { externalHealth: opts.externalHealth } : {}),
    ...(opts.runtimeStatus ? { runtimeStatus: opts.runtimeStatus } : {}),
  });
  const ms = (a: number, b: number) => Math.round(b - a);
  const phases = {
    prepareMs: ms(t0, t1),
    ...computed.phases,
    applyMs: ms(t2, t3),
    servicesMs: ms(t3, t4),
    statusMs: ms(t4, performance.now()),
  };
  return { computed, apply, ...(recovery ? { recovery } : {}), statuses, recheck, phases };
}
