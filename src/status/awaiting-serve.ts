// A one-shot `tend reconcile` writes Programs' and Terminals' files but runs no process: only `tend
// serve` supervises them. Their status says so (Pending, reason RunsUnderServe) instead of carrying
// the last daemon's Ready, pids and ports, which describe processes that may no longer exist.
import type { Kind } from '../model/index.js';
import { removeCondition, setCondition, type ResourceStatus } from '../state/conditions.js';

export const RUNS_UNDER_SERVE = 'RunsUnderServe';

export const isRuntimeKind = (kind: Kind): boolean =>
  kind === 'Program' || kind === 'Terminal' || kind === 'Job';

export const runsUnderServeMessage = (kind: Kind): string =>
  `${kind}s run under tend serve: a one-shot tend reconcile does not start them; run tend serve on this root`;

export function awaitingServe(status: ResourceStatus, kind: Kind, now: number): ResourceStatus {
  let st = removeCondition(status, 'Healthy', status.updatedAt);
  st = setCondition(
    st,
    { type: 'Ready', status: 'Unknown', reason: RUNS_UNDER_SERVE, message: runsUnderServeMessage(kind) },
    now,
  );
  const { health: _health, ...rest } = st;
  return { ...rest, outputs: {} };
}
