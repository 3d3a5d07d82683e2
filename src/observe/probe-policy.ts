// Which Sites and Pools a pass probes. A probe is cheap alone but not by the thousand: a FastCGI ping
// makes an ondemand pool fork a worker, so probing 1,000 pools every 30 s resync costs a core for
// seconds. A pass re-probes what it could have changed or what is not healthy, and everything else
// once its last observation is older than a (per-resource jittered) maximum age.
// See docs/decisions/0009-probe-policy.md.
import type { ChangeOutcome } from '../apply/executor.js';
import type { Pool, Resource, Site } from '../model/index.js';
import type { ServiceId } from '../model/service.js';
import { getCondition, type ResourceStatus } from '../state/conditions.js';
import { WRONG_VHOST, type HealthVerdict } from './assess.js';

/**
 * Default maximum age of a healthy observation (spread over ±20 % per resource); `tend serve
 * --probe-max-age` sets it. Flux re-checks health once per reconcile interval, typically 10 minutes.
 */
export const PROBE_MAX_AGE_MS = 10 * 60_000;

export interface ProbeContext {
  /** Services reloaded, restarted or started by this pass. */
  touched: ReadonlySet<ServiceId>;
  now: number;
  maxAgeMs?: number;
}

/** A stable fraction in [0, 1) per key, so resources probed together do not all go stale together. */
function spread(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) / 2 ** 32;
}

/** A loaded resource is frozen and shared while its file holds: its spread is hashed once. */
const spreads = new WeakMap<Resource, number>();
function spreadOf(resource: Resource): number {
  let s = spreads.get(resource);
  if (s === undefined) {
    s = spread(`${resource.kind}/${resource.metadata.name}`);
    if (Object.isFrozen(resource)) spreads.set(resource, s);
  }
  return s;
}

function servedBy(resource: Site | Pool, touched: ReadonlySet<ServiceId>): boolean {
  if (resource.kind === 'Pool') return touched.has(`php-fpm@${resource.spec.php}`);
  if (touched.has('nginx')) return true;
  // A PHP site answers through its pool: a php-fpm reload can change what it serves.
  if (resource.spec.php) for (const s of touched) if (s.startsWith('php-fpm@')) return true;
  return false;
}

export function needsProbe(
  resource: Resource,
  status: ResourceStatus,
  outcome: ChangeOutcome | undefined,
  ctx: ProbeContext,
): boolean {
  if (resource.kind !== 'Site' && resource.kind !== 'Pool') return false;
  if (outcome && outcome.status !== 'unchanged') return true;
  if (getCondition(status.conditions, 'Healthy')?.status !== 'True') return true;
  if (ctx.touched.size > 0 && servedBy(resource, ctx.touched)) return true;
  const probedAt = Date.parse(String(status.health?.probedAt ?? ''));
  const maxAge = (ctx.maxAgeMs ?? PROBE_MAX_AGE_MS) * (0.8 + 0.4 * spreadOf(resource));
  return !Number.isFinite(probedAt) || ctx.now - probedAt >= maxAge;
}

/** The last observation, as a verdict, for a resource this pass does not probe. */
/** Probe reasons more precise than ProbeFailed; every other reason is re-derived by its writer. */
const KEPT_REASONS = new Set([WRONG_VHOST]);

export function lastVerdict(status: ResourceStatus): HealthVerdict | undefined {
  const healthy = getCondition(status.conditions, 'Healthy');
  if (!healthy || healthy.status === 'Unknown') return undefined;
  const verdict = { ok: healthy.status === 'True', message: healthy.message, details: status.health ?? {} };
  // A precise reason (WrongVhost) outlives the pass that found it; the generic ones are re-derived.
  const kept = healthy.status === 'False' && KEPT_REASONS.has(healthy.reason);
  return kept ? { ...verdict, reason: healthy.reason } : verdict;
}
