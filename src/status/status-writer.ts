// Writes status back after a pass: Applied from the executor's outcome, Healthy from observation,
// Ready from both, plus outputs, generation, revision and events. Secrets never reach here: outcome
// messages come from validators and the planner, which mask them. The conditions themselves are
// computed by compute-status.ts (pure); this file gathers its inputs (probes, runners) and stores.
import type { ApplyResult, ChangeOutcome } from '../apply/executor.js';
import type { Layout } from '../layout/layout.js';
import type { Resource, ResourceKey } from '../model/index.js';
import type { Rendered } from '../render/types.js';
import type { LoadResult } from '../source/index.js';
import { newStatus, setCondition, type ResourceStatus } from '../state/conditions.js';
import { appliedStatus, computeStatus, OUTCOME_REASON, type StatusFacts } from './compute-status.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';
import type { Host } from '../host/host.js';
import type { HealthVerdict } from '../observe/assess.js';
import { awaitingServe, isRuntimeKind } from './awaiting-serve.js';
import { lastVerdict } from '../observe/probe-policy.js';
import { probeRound } from '../observe/probe-round.js';
import type { ServiceId } from '../model/service.js';

export interface StatusInput {
  layout: Layout;
  /** For pool socket checks and repairs (see probe-round.ts); without it only probes run. */
  host?: Host;
  /** The user nginx's workers run as (undefined: tend's own). */
  webUser?: string;
  /** Keys to probe afresh whatever the probe policy says ("*": all); an API reconcile asks. */
  probeNow?: ReadonlySet<string>;
  load: LoadResult;
  rendered: readonly Rendered[];
  apply: ApplyResult;
  revision?: string;
  store: StatusStore;
  events?: EventLog;
  /** Services this pass started outside the apply (masters found dead): their resources are probed. */
  started?: readonly ServiceId[];
  /**
   * Services that owe a reload (their reload or start failed): the resources they serve are not
   * Ready, whatever an earlier probe said, until the service runs its configuration again.
   */
  degradedServices?: ReadonlyMap<ServiceId, string>;
  /** Maximum age of a healthy probe result before it is probed again (default PROBE_MAX_AGE_MS). */
  probeMaxAgeMs?: number;
  /** The whole status of a resource a runner owns (a running Program or Terminal), if any. */
  runtimeStatus?: (resource: Resource, current: ResourceStatus) => ResourceStatus | undefined;
  /** Health of kinds this pass does not probe itself (Programs, Terminals), from their runners. */
  externalHealth?: (resource: Resource) => HealthVerdict | undefined;
  now?: () => number;
}

export interface StatusResult {
  statuses: ResourceStatus[];
  /** Keys whose outage this pass repaired, to be probed again shortly. */
  recheck: ResourceKey[];
}

/** Sites refused because another vhost (tend's or not) serves one of their domains. */
function domainConflictKeys(errors: StatusInput['load']['errors']): Set<string> {
  const out = new Set<string>();
  for (const e of errors)
    if (
      e.key &&
      (e.code === 'TEND_ERR_DOMAIN_CONFLICT' ||
        (e.code === 'TEND_ERR_DUPLICATE' && e.field?.startsWith('spec.domains') === true))
    )
      out.add(e.key);
  return out;
}

/** Per resource: why the service it renders for does not run its configuration, if so. */
function degradedServiceOf(input: StatusInput): Map<ResourceKey, string> {
  const byKey = new Map<ResourceKey, string>();
  if (!input.degradedServices?.size) return byKey;
  for (const r of input.rendered) {
    const service = [...r.files, ...r.links]
      .map((f) => f.service)
      .find((s) => input.degradedServices!.has(s));
    if (service)
      byKey.set(
        r.key,
        `${service} is degraded: ${input.degradedServices.get(service)}; what it serves may not be this spec`,
      );
  }
  return byKey;
}

/**
 * The inputs under which a stored status was its own recomputation: the same outcome (none, or
 * unchanged), no fresh verdict and no degraded service, with the same generation, rendered outputs
 * and revision. computeStatus is pure and reads the clock only for the times of conditions that
 * change, so a status that was a fixed point under these inputs is one again: an idle resync hands
 * the stored status back instead of recomputing 2,000 of them to find them equal (0055).
 */
interface SettledInputs {
  generation: string;
  outputs: StatusFacts['outputs'];
  revision: string | undefined;
}

/** Keyed by the stored status itself: a status replaced in the store (by any writer) is a miss. */
const settled = new WeakMap<ResourceStatus, SettledInputs>();

/** The inputs a status can settle under: none changed by this pass but the clock. */
const settles = (outcome: ChangeOutcome | undefined, facts: StatusFacts): boolean =>
  (!outcome || outcome.status === 'unchanged') && facts.degraded === undefined;

function isSettled(prev: ResourceStatus, facts: StatusFacts): boolean {
  const was = settled.get(prev);
  return (
    was !== undefined &&
    was.generation === facts.generation &&
    was.outputs === facts.outputs &&
    was.revision === facts.revision
  );
}

export async function writeStatus(input: StatusInput): Promise<StatusResult> {
  const now = input.now ?? Date.now;
  const { store, events } = input;
  const outcomes = new Map<ResourceKey, ChangeOutcome>(input.apply.outcomes.map((o) => [o.key, o]));
  const outputs = new Map(input.rendered.map((r) => [r.key, r.outputs]));
  const degradedBy = degradedServiceOf(input);

  for (const o of input.apply.outcomes) {
    if (o.status === 'applied')
      events?.record({
        key: o.key,
        type: 'Normal',
        reason: o.action === 'create' ? 'Created' : o.action === 'delete' ? 'Deleted' : 'Updated',
        message: `${o.key} ${o.action === 'create' ? 'created' : o.action === 'delete' ? 'deleted' : 'updated'}`,
      });
    else if (o.status !== 'unchanged')
      events?.record({
        key: o.key,
        type: 'Warning',
        reason: OUTCOME_REASON[o.status],
        message: o.message ?? o.status,
      });
    if (o.action === 'delete' && o.status === 'applied') store.remove(o.key);
  }
  for (const r of input.apply.reloads)
    events?.record({
      type: 'Normal',
      reason: 'Reloaded',
      message: `${r.service} ${r.method === 'started' ? 'started' : 'reloaded'} in ${r.durationMs} ms (${r.method})`,
    });

  // A verified nginx HUP (new workers, no [emerg]) changes what the changed vhosts serve, and they
  // are probed as changed resources; re-probing all 1,000 others kept the loop busy for seconds
  // after every Site save, and the next save waited behind it (0023). A start or restart touches all.
  const hupOnly = (r: ApplyResult['reloads'][number]) =>
    r.service === 'nginx' && r.method !== 'started' && r.method !== 'restarted';
  const probeCtx = {
    touched: new Set([
      ...input.apply.reloads.filter((r) => !hupOnly(r)).map((r) => r.service),
      ...(input.started ?? []),
    ]),
    now: now(),
    ...(input.probeMaxAgeMs !== undefined ? { maxAgeMs: input.probeMaxAgeMs } : {}),
  };
  const round = await probeRound({
    ...(input.host ? { host: input.host } : {}),
    ...(input.webUser ? { webUser: input.webUser } : {}),
    ...(input.probeNow ? { probeNow: input.probeNow } : {}),
    ...(events ? { events } : {}),
    layout: input.layout,
    resources: input.load.resources,
    statusOf: (key) =>
      store.get(key) ?? newStatus(key.split('/')[0] as Resource['kind'], key.split('/')[1]!, now()),
    outcomes,
    ctx: probeCtx,
    now,
  });
  // What the store holds after the put: a status with the same facts leaves the stored one in place,
  // and the pass's result keeps that one, so the copy computed this pass dies young instead of being
  // promoted and kept until the next pass (a mark-compact's work at every resync, 0053).
  const keep = (st: ResourceStatus): ResourceStatus => {
    store.put(st);
    return store.get(st.key) ?? st;
  };
  // Synchronous: nothing here waits, and 2,000 promises a resync were garbage for nothing.
  const results = input.load.resources.map((loaded) => {
    const { resource, key, generation } = loaded;
    const prev = store.get(key) ?? newStatus(resource.kind, resource.metadata.name, now());
    const outcome = outcomes.get(key);
    const degraded = degradedBy.get(key);
    const facts: StatusFacts = {
      kind: resource.kind,
      generation,
      outputs: outputs.get(key),
      ...(input.revision ? { revision: input.revision } : {}),
      ...(degraded ? { degraded } : {}),
      now: now(),
    };
    // A one-shot pass has no runner: Programs and Terminals wait for tend serve (see awaiting-serve.ts).
    if (!input.runtimeStatus && isRuntimeKind(resource.kind)) {
      return keep(awaitingServe(appliedStatus(prev, outcome, facts), resource.kind, now()));
    }
    const fresh = round.verdicts.get(key);
    const settling = !isRuntimeKind(resource.kind) && fresh === undefined && settles(outcome, facts);
    if (settling && isSettled(prev, facts)) return prev;
    // Programs and Terminals under a runner: their runner owns health, readiness and outputs.
    const applied = appliedStatus(prev, outcome, facts);
    const runtime = input.runtimeStatus?.(resource, applied);
    if (runtime) return keep(runtime);
    const last = lastVerdict(applied);
    const verdict = fresh ?? last ?? input.externalHealth?.(resource);
    const kept = keep(computeStatus(prev, outcome, verdict, facts));
    // A verdict lent by a runner may change without any input here changing: never settled on.
    if (settling && last !== undefined && kept === prev)
      settled.set(prev, { generation, outputs: facts.outputs, revision: facts.revision });
    return kept;
  });

  const errorsByKey = new Map<string, string[]>();
  for (const e of input.load.errors)
    if (e.key)
      errorsByKey.set(e.key, [
        ...(errorsByKey.get(e.key) ?? []),
        `${e.file}:${e.line}:${e.col}: ${e.field ? `${e.field}: ` : ''}${e.message}`,
      ]);
  const conflicts = domainConflictKeys(input.load.errors);
  for (const key of input.load.invalidKeys) {
    const [kind, name] = key.split('/') as [Resource['kind'], string];
    const message = (errorsByKey.get(key) ?? ['the spec is invalid']).join('; ');
    const reason = conflicts.has(key) ? 'DomainConflict' : 'InvalidSpec';
    const st = setCondition(
      store.get(key) ?? newStatus(kind, name, now()),
      { type: 'Stalled', status: 'True', reason, message },
      now(),
    );
    store.put(setCondition(st, { type: 'Ready', status: 'False', reason, message }, now()));
  }
  await store.save();
  return { statuses: results, recheck: round.recheck };
}
