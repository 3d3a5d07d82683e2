// Resource status in the Kubernetes style: conditions are the facts, the phase is derived from them
// so that no writer can set a phase that contradicts its conditions.
//
// Condition types (status True | False | Unknown):
//   Applied     the files of observedGeneration are live. False: the last apply failed (reason says why).
//   Reconciling tend is working on the resource now (applying, waiting for a process or a probe).
//               reason "Deleting" while tend removes it.
//   Stalled     tend cannot make progress until the spec changes (a config error). Never retried.
//   Healthy     the last health probe (or process state). False: it failed; Unknown: not probed yet.
//   Ready       the summary people read: applied and healthy. reason "Expired" for an expired Terminal.
//   Saturated   Pools: visitors wait for a worker (listen queue, or max children reached grew).
//               True makes the Pool's probe fail, so it reads Degraded. See decision 0026.
import { z } from 'zod';
import { KINDS, type Kind, type ResourceKey } from '../model/index.js';

export const CONDITION_TYPES = [
  'Ready',
  'Reconciling',
  'Stalled',
  'Healthy',
  'Applied',
  'Saturated',
  // Programs and Jobs with limits: False names the cgroup controller (or prlimit) the host lacks.
  'LimitsEnforced',
  // An operator's holds (see controls/): suspended reconciliation, a Program stopped by hand.
  'Suspended',
  'Stopped',
] as const;
export type ConditionType = (typeof CONDITION_TYPES)[number];

export const PHASES = [
  'Pending',
  'Progressing',
  'Ready',
  'Degraded',
  'Failed',
  'Expired',
  'Deleting',
  'Unknown',
  // A Job's own phases (see runtime/jobs.ts); Failed above serves Jobs too.
  'Scheduled',
  'Running',
  'Succeeded',
  'Suspended',
  // A Program whose instances ran to exit 0 and are not restarted (restart: never | on-failure).
  'Completed',
  // A Program an operator stopped (`tend stop`); it stays stopped until `tend start`.
  'Stopped',
] as const;
export type Phase = (typeof PHASES)[number];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface Condition {
  /** One of CONDITION_TYPES; a string so a later type does not break old status files. */
  type: string;
  status: ConditionStatus;
  /** CamelCase, machine readable: "ValidationFailed", "ProbeFailed", "Applied". */
  reason: string;
  /** For people; never holds a secret. */
  message: string;
  lastTransitionTime: string;
}

export interface ResourceStatus {
  key: ResourceKey;
  kind: Kind;
  name: string;
  phase: Phase;
  conditions: Condition[];
  /** The generation (spec hash) last applied. */
  observedGeneration?: string;
  /** The git commit of the desired state last applied. */
  lastAppliedRevision?: string;
  lastError?: { code: string; message: string; at: string };
  health?: Record<string, unknown>;
  outputs: Record<string, string | number>;
  /** A Site's TLS certificate as tend last saw it (src/acme/status.ts). */
  certificate?: CertificateStatus;
  /** When the status last changed (a pass that changes nothing leaves it). */
  updatedAt: string;
}

export interface CertificateStatus {
  /** `Issuer/name` for ACME, `files` for file-based certificates. */
  source: string;
  serial?: string;
  notAfter?: string;
  domains?: string[];
  lastAttempt?: { at: string; ok: boolean; error?: { type: string; detail: string } };
  nextAttemptAt?: string;
  /** Which rule times the renewal: the CA's ARI window, or a third of the lifetime left (and why). */
  renewal?: RenewalStatus;
}

export interface RenewalStatus {
  rule: 'ari' | 'one-third-lifetime';
  at: string;
  window?: { start: string; end: string };
  explanationURL?: string;
  /** Why ARI is not used (one-third-lifetime only). */
  reason?: string;
  nextCheckAt?: string;
}

const certificateStatusSchema = z.strictObject({
  source: z.string(),
  serial: z.string().optional(),
  notAfter: z.string().optional(),
  domains: z.array(z.string()).optional(),
  lastAttempt: z
    .strictObject({
      at: z.string(),
      ok: z.boolean(),
      error: z.strictObject({ type: z.string(), detail: z.string() }).optional(),
    })
    .optional(),
  nextAttemptAt: z.string().optional(),
  renewal: z
    .strictObject({
      rule: z.enum(['ari', 'one-third-lifetime']),
      at: z.string(),
      window: z.strictObject({ start: z.string(), end: z.string() }).optional(),
      explanationURL: z.string().optional(),
      reason: z.string().optional(),
      nextCheckAt: z.string().optional(),
    })
    .optional(),
});

export const conditionSchema = z.strictObject({
  type: z.string().min(1),
  status: z.enum(['True', 'False', 'Unknown']),
  reason: z.string(),
  message: z.string(),
  lastTransitionTime: z.string(),
});

export const resourceStatusSchema = z.strictObject({
  key: z.custom<ResourceKey>((v) => typeof v === 'string' && v.includes('/')),
  kind: z.enum(KINDS),
  name: z.string().min(1),
  phase: z.enum(PHASES),
  conditions: z.array(conditionSchema),
  observedGeneration: z.string().optional(),
  lastAppliedRevision: z.string().optional(),
  lastError: z.strictObject({ code: z.string(), message: z.string(), at: z.string() }).optional(),
  health: z.record(z.string(), z.unknown()).optional(),
  outputs: z.record(z.string(), z.union([z.string(), z.number()])),
  certificate: certificateStatusSchema.optional(),
  updatedAt: z.string(),
});

const iso = (now: number | string) => (typeof now === 'string' ? now : new Date(now).toISOString());

export function getCondition(conditions: readonly Condition[], type: string): Condition | undefined {
  return conditions.find((c) => c.type === type);
}

const is = (
  conditions: readonly Condition[],
  type: ConditionType,
  status: ConditionStatus,
  reason?: string,
) => {
  const c = getCondition(conditions, type);
  return c !== undefined && c.status === status && (reason === undefined || c.reason === reason);
};

/**
 * The phase table, first match wins:
 *   Reconciling=True, reason Deleting → Deleting
 *   Suspended=True                    → Suspended (an operator paused reconciling it)
 *   Stopped=True, reason StoppedByOperator → Stopped (every instance stopped by hand)
 *   Ready=False, reason Expired       → Expired
 *   Ready=False, reason Completed     → Completed (a Program that ran to exit 0, not restarted)
 *   Ready=True                        → Ready
 *   Stalled=True                      → Failed    (needs a spec change)
 *   Ready=Unknown, reason ServeNotRunning → Unknown (a runtime resource read while tend serve is down)
 *   Ready=Unknown, reason SupervisordUnreachable → Unknown (supervisord does not answer)
 *   Reconciling=True                  → Progressing
 *   Applied=False                     → Failed    (the last apply failed; a retry is scheduled)
 *   Healthy=False                     → Degraded  (applied, but the probe fails)
 *   anything else                     → Pending   (not reconciled yet)
 */
/** The reason a Program or Terminal reads Unknown when no `tend serve` runs (see state/offline-status.ts). */
export const SERVE_NOT_RUNNING = 'ServeNotRunning';
/** The reason a supervisord-backend Program reads Unknown when supervisord does not answer. */
export const SUPERVISORD_UNREACHABLE = 'SupervisordUnreachable';

export function derivePhase(conditions: readonly Condition[]): Phase {
  if (is(conditions, 'Reconciling', 'True', 'Deleting')) return 'Deleting';
  if (is(conditions, 'Suspended', 'True')) return 'Suspended';
  if (is(conditions, 'Stopped', 'True', 'StoppedByOperator')) return 'Stopped';
  if (is(conditions, 'Ready', 'False', 'Expired')) return 'Expired';
  if (is(conditions, 'Ready', 'False', 'Completed')) return 'Completed';
  if (is(conditions, 'Ready', 'True')) return 'Ready';
  if (is(conditions, 'Stalled', 'True')) return 'Failed';
  if (is(conditions, 'Ready', 'Unknown', SERVE_NOT_RUNNING)) return 'Unknown';
  if (is(conditions, 'Ready', 'Unknown', SUPERVISORD_UNREACHABLE)) return 'Unknown';
  if (is(conditions, 'Reconciling', 'True')) return 'Progressing';
  if (is(conditions, 'Applied', 'False')) return 'Failed';
  if (is(conditions, 'Healthy', 'False')) return 'Degraded';
  return 'Pending';
}

/**
 * Returns a new status with the condition set, or the same status when the condition already says
 * exactly this (so a pass that learns nothing new changes nothing, not even updatedAt).
 * lastTransitionTime moves only when the condition's status changes (a new reason or message alone
 * is not a transition). The phase is re-derived.
 */
export function setCondition(
  status: ResourceStatus,
  cond: Omit<Condition, 'lastTransitionTime'>,
  now: number | string,
): ResourceStatus {
  const previous = getCondition(status.conditions, cond.type);
  if (
    previous &&
    previous.status === cond.status &&
    previous.reason === cond.reason &&
    previous.message === cond.message
  )
    return status;
  const next: Condition = {
    type: cond.type,
    status: cond.status,
    reason: cond.reason,
    message: cond.message,
    lastTransitionTime: previous && previous.status === cond.status ? previous.lastTransitionTime : iso(now),
  };
  const conditions = previous
    ? status.conditions.map((c) => (c.type === cond.type ? next : c))
    : [...status.conditions, next];
  return { ...status, conditions, phase: derivePhase(conditions), updatedAt: iso(now) };
}

/** Removes a condition (e.g. Stalled once the spec changed); the phase is re-derived. */
export function removeCondition(status: ResourceStatus, type: string, now: number | string): ResourceStatus {
  const conditions = status.conditions.filter((c) => c.type !== type);
  return { ...status, conditions, phase: derivePhase(conditions), updatedAt: iso(now) };
}

/** A resource tend knows about but has not reconciled yet. */
export function newStatus(kind: Kind, name: string, now: number | string): ResourceStatus {
  return {
    key: `${kind}/${name}`,
    kind,
    name,
    phase: 'Pending',
    conditions: [],
    outputs: {},
    updatedAt: iso(now),
  };
}
