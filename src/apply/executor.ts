// The executor: runs a Plan on the host. Write every change, gate each service with its validator
// (bisecting to hold back only the resources that break it), record what tend owns, then reload
// each touched service exactly once. The journal makes every step restartable.
import { asTendError } from '../errors/catalogue.js';
import type { ServiceDriver } from '../drivers/service.js';
import type { Host } from '../host/host.js';
import type { ResourceKey } from '../model/index.js';
import { sensitivePrefixes } from '../plan/secrets.js';
import type { Change, ChangeAction, Inventory, Plan } from '../plan/types.js';
import type { ServiceId } from '../render/types.js';
import { mapLimit } from '../observe/observe.js';
import { orderedOps, performOp } from './file-ops.js';
import { runGate, type GateMember } from './gate.js';
import { bisectRefused, hupFirstEligible, hupWindowHook } from './hup-first.js';
import { preflightRefusals } from './preflight.js';
import type { ApplyJournal, JournalEntry } from '../state/journal.js';
import { recordEntries } from './record.js';
import { reloadInOrder, reloadOrStart, serviceOrder, type ReloadRecord } from './reload.js';
import { opNeedsRestart } from './restart-rules.js';
import { restoreSnapshot, snapshotOps } from './snapshot.js';

export interface ExecutorDeps {
  host: Host;
  services: (id: ServiceId) => ServiceDriver;
  journal: ApplyJournal;
  loadInventory: () => Promise<Inventory>;
  saveInventory: (inv: Inventory) => Promise<void>;
}

export type OutcomeStatus = 'applied' | 'held' | 'blocked' | 'unchanged' | 'failed';
export interface ChangeOutcome {
  key: ResourceKey;
  action: ChangeAction;
  status: OutcomeStatus;
  code?: string;
  message?: string;
}
export interface ApplyResult {
  outcomes: ChangeOutcome[];
  reloads: ReloadRecord[];
  /** Services whose reload or start failed in this pass, with the reason (they owe a reload). */
  failedReloads?: Map<ServiceId, string>;
  validations: number;
  durationMs: number;
  /** Wall-clock milliseconds per step, for the pass log (absent when nothing was applied). */
  steps?: { journalMs: number; writeMs: number; validateMs: number; reloadMs: number };
}

/** The secret-line prefixes of every file the change writes (deduplicated; undefined when none). */
function changePrefixes(c: Change): string[] | undefined {
  const all = new Set<string>();
  for (const op of c.ops)
    if (op.op === 'write') for (const p of sensitivePrefixes(op.content, op.secrets)) all.add(p);
  return all.size > 0 ? [...all] : undefined;
}

const WRITE_PARALLELISM = 32;

export async function applyPlan(plan: Plan, deps: ExecutorDeps): Promise<ApplyResult> {
  const started = Date.now();
  const outcomes: ChangeOutcome[] = [];
  for (const c of plan.changes) {
    if (c.blocked)
      outcomes.push({
        key: c.key,
        action: c.action,
        status: 'blocked',
        code: c.blocked.code,
        message: c.blocked.message,
      });
    else if (c.action === 'no-op') outcomes.push({ key: c.key, action: c.action, status: 'unchanged' });
  }
  const refused = await preflightRefusals(
    plan.changes.filter((c) => !c.blocked && c.action !== 'no-op'),
    deps.services,
  );
  for (const [key, r] of refused) {
    const c = plan.changes.find((x) => x.key === key)!;
    outcomes.push({ key: c.key, action: c.action, status: 'held', code: r.code, message: r.message });
  }
  const active = plan.changes.filter((c) => !c.blocked && c.action !== 'no-op' && !refused.has(c.key));
  if (active.length === 0) return { outcomes, reloads: [], validations: 0, durationMs: Date.now() - started };

  // Changes touch disjoint paths, so their snapshots and writes overlap (each write waits on two
  // fsyncs); the ops of one change stay in order.
  const entries: JournalEntry[] = await mapLimit(active, WRITE_PARALLELISM, async (c) => ({
    key: c.key,
    kind: c.kind,
    name: c.name,
    action: c.action,
    generation: c.generation,
    // What the resource renders, not what this change wrote: an update that rewrites nothing must
    // leave an entry as complete as a create's, or a later delete would leave its files live.
    services: c.owns?.services ?? c.services,
    files: c.owns?.files ?? c.ops.filter((o) => o.op === 'write').map((o) => o.path),
    links: c.owns?.links ?? c.ops.filter((o) => o.op === 'link').map((o) => o.path),
    before: await snapshotOps(deps.host, c.ops),
    sensitivePrefixes: c.owns ? c.owns.sensitivePrefixes : changePrefixes(c),
    ...(c.owns?.runtime ? { runtime: c.owns.runtime } : {}),
    done: false,
  }));
  await deps.journal.begin(entries);
  const tJournal = Date.now();
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const applyChange = async (c: Change) => {
    for (const op of orderedOps(c.ops)) await performOp(deps.host, op);
  };
  const revertChange = async (c: Change) => {
    for (const snap of [...byKey.get(c.key)!.before].reverse()) await restoreSnapshot(deps.host, snap);
  };
  await mapLimit(active, WRITE_PARALLELISM, applyChange);
  const tWritten = Date.now();

  const services = [...new Set(active.flatMap((c) => c.services))]
    .filter((s) => s !== 'none')
    .sort(serviceOrder);
  const held = new Map<ResourceKey, string>();
  /** Services whose gate accepted every member: what is on disk now is what their validator passed. */
  const gatePassed = new Set<ServiceId>();
  let validations = 0;
  const memberOf = (c: Change): GateMember => ({
    key: c.key,
    paths: c.ops.map((o) => o.path),
    apply: () => applyChange(c),
    revert: () => revertChange(c),
  });
  const nginxChanges = active.filter((c) => c.services.includes('nginx'));
  const hupFirst = (await hupFirstEligible(nginxChanges, deps.services('nginx')))
    ? deps.services('nginx')
    : undefined;
  /** nginx changes whose scoped check passed: the master's HUP is their whole-config check (0023). */
  const awaitingHup = new Set<ResourceKey>();
  const gateOf = async (service: ServiceId) => {
    const driver = deps.services(service);
    const members: GateMember[] = active
      .filter((c) => c.services.includes(service) && !held.has(c.key))
      .map(memberOf);
    if (service === 'nginx' && hupFirst) {
      const scoped = await hupFirst.validateScoped!(members.flatMap((m) => m.paths));
      if (scoped) validations += 1;
      if (scoped?.ok) {
        for (const m of members) awaitingHup.add(m.key as ResourceKey);
        return;
      }
    }
    const gate = await runGate(() => driver.validate(), members);
    validations += gate.validations;
    for (const [key, message] of gate.held) held.set(key as ResourceKey, message);
    if (members.length > 0 && gate.held.size === 0) gatePassed.add(service);
  };
  // Validators read disjoint files when no change belongs to two services: then nginx -t and each
  // php-fpm -t run side by side (a bisection in one never moves the other's files).
  if (active.every((c) => c.services.filter((s) => s !== 'none').length <= 1))
    await Promise.all(services.map(gateOf));
  else for (const service of services) await gateOf(service);
  // A change held by one service is reverted everywhere, so no service keeps half of it; a service
  // whose files moved after its gate must validate again before its reload.
  for (const c of active)
    if (held.has(c.key)) {
      await revertChange(c);
      for (const s of c.services) gatePassed.delete(s);
    }

  const accepted = active.filter((c) => !held.has(c.key));
  const tValidated = Date.now();
  // Changes awaiting the master's verdict stay not-done: a crash before it is undone on restart.
  const validatedKeys = accepted.filter((c) => !awaitingHup.has(c.key)).map((c) => c.key);
  if (validatedKeys.length > 0 || awaitingHup.size === 0) await deps.journal.markDone(validatedKeys);
  // Recorded while the services reload, not before: the journal (closed only after both) lets a
  // crash in between record the done entries on the next run, so nothing waits on this write.
  const recordNow = entries.filter((e) => !held.has(e.key) && !awaitingHup.has(e.key));
  const recorded = (async () => {
    // A HUP-first edit records after the master's verdict: no inventory write beside its reload.
    if (recordNow.length === 0) return;
    const inventory = await deps.loadInventory();
    recordEntries(inventory, recordNow, new Date().toISOString());
    await deps.saveInventory(inventory);
  })();
  // Settled now so a failed write cannot go unhandled while the reloads run; rethrown below.
  recorded.catch(() => undefined);

  const touched = services.flatMap((service) => {
    const changes = accepted.filter((c) => c.services.includes(service));
    if (changes.length === 0) return [];
    const driver = deps.services(service);
    driver.noteChanges?.(
      changes.map((c) => ({ name: c.name, action: c.action as 'create' | 'update' | 'delete' })),
    );
    const restart = changes.some((c) => c.ops.some(opNeedsRestart));
    const validated = gatePassed.has(service) || (service === 'nginx' && awaitingHup.size > 0);
    return [{ service, driver, restart, validated }];
  });
  const { reloads, failures: reloadFailures } = await reloadInOrder(touched);
  await recorded;
  if (awaitingHup.size > 0) {
    await hupWindowHook(deps.host);
    const refused = reloadFailures.get('nginx');
    const waiting = accepted.filter((c) => awaitingHup.has(c.key));
    if (refused && hupFirst) {
      // The master kept the old config: find what it refused with the full nginx -t, as before.
      const gate = await bisectRefused(hupFirst, waiting.map(memberOf));
      validations += gate.validations;
      for (const [key, message] of gate.held) held.set(key as ResourceKey, message);
      for (const c of waiting) if (held.has(c.key)) await revertChange(c);
      if (gate.held.size > 0) {
        try {
          const again = await reloadOrStart(hupFirst, false, true, true);
          reloadFailures.delete('nginx');
          reloads.push({ service: 'nginx', ...again });
        } catch (err) {
          reloadFailures.set('nginx', asTendError(err));
        }
      }
    }
    const settled = waiting.filter((c) => !held.has(c.key));
    if (settled.length > 0) {
      await deps.journal.markDone(settled.map((c) => c.key));
      const inventory = await deps.loadInventory();
      const keys = new Set(settled.map((c) => c.key));
      recordEntries(
        inventory,
        entries.filter((e) => keys.has(e.key)),
        new Date().toISOString(),
      );
      await deps.saveInventory(inventory);
    }
  }
  // The journal stays open while a reload failed, so the next run retries the reload.
  if (reloadFailures.size === 0) await deps.journal.finish();

  for (const c of active) {
    const heldMessage = held.get(c.key);
    const reloadError = c.services.map((s) => reloadFailures.get(s)).find(Boolean);
    if (heldMessage !== undefined)
      outcomes.push({
        key: c.key,
        action: c.action,
        status: 'held',
        code: 'TEND_ERR_VALIDATION_FAILED',
        message: heldMessage,
      });
    else if (reloadError)
      outcomes.push({
        key: c.key,
        action: c.action,
        status: 'failed',
        code: reloadError.code,
        message: reloadError.message,
      });
    else outcomes.push({ key: c.key, action: c.action, status: 'applied' });
  }
  const steps = {
    journalMs: tJournal - started,
    writeMs: tWritten - tJournal,
    validateMs: tValidated - tWritten,
    reloadMs: Date.now() - tValidated,
  };
  const failedReloads = new Map([...reloadFailures].map(([s, e]) => [s, e.message]));
  return {
    outcomes,
    reloads,
    ...(failedReloads.size > 0 ? { failedReloads } : {}),
    validations,
    durationMs: Date.now() - started,
    steps,
  };
}
