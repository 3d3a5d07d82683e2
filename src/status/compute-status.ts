// The pure core of a resource's status after a pass: from its previous status, the executor's outcome
// for it and the health verdict (probes run in observe/ before this; nothing here does I/O), the
// Stalled, Applied, Healthy, Saturated and Ready conditions. Ready is True only when the spec is
// applied and a verdict proves it healthy; with no verdict it is Unknown and says why.
import type { ChangeOutcome } from '../apply/executor.js';
import type { Kind } from '../model/index.js';
import type { HealthVerdict } from '../observe/assess.js';
import { setCondition, type ResourceStatus } from '../state/conditions.js';
import { setSaturated } from './saturation-condition.js';

export const OUTCOME_REASON: Record<ChangeOutcome['status'], string> = {
  applied: 'Applied',
  unchanged: 'UpToDate',
  held: 'ValidationFailed',
  blocked: 'NotOwned',
  failed: 'ReloadFailed',
};

/** Held because another process owns the address: the reason says so, not a validator's refusal. */
const CONFLICT_REASON: Readonly<Record<string, string>> = {
  TEND_ERR_PORT_IN_USE: 'PortConflict',
  TEND_ERR_SOCKET_IN_USE: 'SocketConflict',
};

/** The Applied reason of an outcome that did not apply (a conflict's own, else by status). */
const failedReason = (o: ChangeOutcome) =>
  (o.code ? CONFLICT_REASON[o.code] : undefined) ?? OUTCOME_REASON[o.status];

/** What the pass knows about the resource besides its outcome and verdict. */
export interface StatusFacts {
  kind: Kind;
  /** The generation (spec hash) this pass loaded. */
  generation: string;
  /** Outputs rendered for it this pass (paths, URLs). */
  outputs?: Record<string, string | number> | undefined;
  /** The desired state's git revision. */
  revision?: string;
  /** Why the service that serves it does not run its configuration (a reload it owes), if so. */
  degraded?: string;
  now: number;
}

/** An outcome that leaves the loaded generation live (no outcome: nothing to change). */
export const appliedOk = (outcome: ChangeOutcome | undefined): boolean =>
  !outcome || outcome.status === 'applied' || outcome.status === 'unchanged';

/** Stalled (the spec is valid), Applied, outputs, generation, revision and lastError from the outcome. */
export function appliedStatus(
  prev: ResourceStatus,
  outcome: ChangeOutcome | undefined,
  facts: StatusFacts,
): ResourceStatus {
  const { now } = facts;
  let st = setCondition(
    prev,
    { type: 'Stalled', status: 'False', reason: 'SpecValid', message: 'the spec is valid' },
    now,
  );
  if (appliedOk(outcome)) {
    st = setCondition(
      st,
      {
        type: 'Applied',
        status: 'True',
        reason: outcome ? OUTCOME_REASON[outcome.status] : 'UpToDate',
        message: `generation ${facts.generation} is applied`,
      },
      now,
    );
    // Programs and Terminals publish runtime outputs (pids, ports, URL) from their runners, which
    // refresh them after the pass: keep them, so an unchanged pass leaves the status as it was.
    const runtime = facts.kind === 'Program' || facts.kind === 'Terminal' ? st.outputs : {};
    st = { ...st, observedGeneration: facts.generation, outputs: { ...runtime, ...facts.outputs } };
    if (facts.revision && (outcome?.status === 'applied' || !st.lastAppliedRevision))
      st.lastAppliedRevision = facts.revision;
    delete st.lastError;
    return st;
  }
  const failed = outcome!;
  const message = failed.message ?? failed.status;
  st = setCondition(st, { type: 'Applied', status: 'False', reason: failedReason(failed), message }, now);
  return {
    ...st,
    lastError: { code: failed.code ?? 'TEND_ERR_INTERNAL', message, at: new Date(now).toISOString() },
  };
}

/**
 * The whole status of a probed resource (a Site or Pool, or a kind whose runner lends a verdict):
 * appliedStatus, then Healthy from the verdict (False, reason ServiceDegraded, when the service
 * owes a reload whatever the probe said), Saturated for Pools, and Ready from both.
 */
export function computeStatus(
  prev: ResourceStatus,
  outcome: ChangeOutcome | undefined,
  verdict: HealthVerdict | undefined,
  facts: StatusFacts,
): ResourceStatus {
  const { now, degraded } = facts;
  let st = appliedStatus(prev, outcome, facts);
  const applied = appliedOk(outcome);
  if (degraded) verdict = { ok: false, message: degraded, details: verdict?.details ?? st.health ?? {} };
  if (verdict) {
    st = setCondition(
      st,
      {
        type: 'Healthy',
        status: verdict.ok ? 'True' : 'False',
        reason: verdict.ok
          ? 'ProbeSucceeded'
          : degraded
            ? 'ServiceDegraded'
            : (verdict.reason ?? 'ProbeFailed'),
        message: verdict.message,
      },
      now,
    );
    st = { ...st, health: verdict.details };
    if (facts.kind === 'Pool') st = setSaturated(st, verdict, now);
  }
  const ready = applied && verdict?.ok === true;
  const readyReason = !applied
    ? (outcome?.code && CONFLICT_REASON[outcome.code]) || 'ApplyFailed'
    : !verdict
      ? 'NotProbed'
      : verdict.ok
        ? 'Ready'
        : (verdict.reason ?? 'ProbeFailed');
  const readyMessage = !applied
    ? `the new spec was not applied${verdict?.ok ? '; the previous version keeps serving' : ''}: ${st.lastError?.message ?? ''}`
    : (verdict?.message ?? 'no health probe for this kind in a one-shot pass');
  return setCondition(
    st,
    {
      type: 'Ready',
      status: ready ? 'True' : verdict || !applied ? 'False' : 'Unknown',
      reason: readyReason,
      message: readyMessage,
    },
    now,
  );
}
