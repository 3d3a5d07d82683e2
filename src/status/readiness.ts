// What /readyz reports: tend is ready when its first pass finished, its last pass ran, nothing is
// parked on an error, no plan was refused, and no resource is Failed or Degraded. Each problem is one
// line; the reason lists them (the first few), so a load balancer sees 503 and an operator sees why.
import type { ResourceStatus } from '../state/conditions.js';

export interface ReadinessInput {
  started: boolean;
  /** The last pass failed as a whole (source unreadable, state corrupt, a bug). */
  passError?: { code?: string; message: string } | undefined;
  /** Keys parked until their spec changes, with why. */
  stalled: ReadonlyArray<{ key: string; message: string }>;
  /** Deletions the last plan refused or held back (mass-delete guard, a broken source). */
  pruneHeld?: { reason: string; keys: readonly string[] } | undefined;
  /** A summary of desired-state files that did not load. */
  sourceErrors?: string;
  statuses: readonly ResourceStatus[];
  /** A service master found dead and not yet restarted (the master watch). */
  masterOutage?: string;
}

export interface Readiness {
  ready: boolean;
  reason?: string;
  problems: string[];
}

const SHOWN = 5;

function list(label: string, items: readonly string[]): string {
  const more = items.length > SHOWN ? ` (and ${items.length - SHOWN} more)` : '';
  return `${label}: ${items.slice(0, SHOWN).join('; ')}${more}`;
}

export function readiness(input: ReadinessInput): Readiness {
  if (!input.started)
    return {
      ready: false,
      reason: 'the first reconcile pass has not finished, or tend is stopping',
      problems: [],
    };
  const problems: string[] = [];
  if (input.passError)
    problems.push(
      `the last pass failed: ${input.passError.code ? `${input.passError.code}: ` : ''}${input.passError.message}`,
    );
  if (input.stalled.length > 0)
    problems.push(
      list(
        `${input.stalled.length} stalled until their spec changes`,
        input.stalled.map((s) => `${s.key}: ${s.message}`),
      ),
    );
  if (input.pruneHeld)
    problems.push(`deletions refused (${input.pruneHeld.keys.length}): ${input.pruneHeld.reason}`);
  if (input.sourceErrors) problems.push(`desired state: ${input.sourceErrors}`);
  if (input.masterOutage) problems.push(input.masterOutage);
  const bad = input.statuses.filter((s) => s.phase === 'Failed' || s.phase === 'Degraded');
  if (bad.length > 0) {
    const why = (s: ResourceStatus) => {
      const c = s.conditions.find((x) => x.type === 'Ready' && x.status === 'False');
      return `${s.key} ${s.phase}${c ? `: ${c.message.slice(0, 200)}` : ''}`;
    };
    problems.push(list(`${bad.length} resource(s) not serving`, bad.map(why)));
  }
  return problems.length === 0
    ? { ready: true, problems }
    : { ready: false, reason: problems.join(' | '), problems };
}
