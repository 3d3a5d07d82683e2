// A Pool's Saturated condition, from its probe's details (`health.saturated`, set by pool-observe):
// True with the figures while visitors wait for a worker; Unknown when no status page was read.
import type { HealthVerdict } from '../observe/assess.js';
import { setCondition, type ResourceStatus } from '../state/conditions.js';

export function setSaturated(st: ResourceStatus, verdict: HealthVerdict, now: number): ResourceStatus {
  const saturated = verdict.details.saturated;
  if (typeof saturated !== 'boolean')
    return setCondition(
      st,
      {
        type: 'Saturated',
        status: 'Unknown',
        reason: 'NoStatusPage',
        message: `the pool's status page could not be read${typeof verdict.details.fpmError === 'string' ? `: ${verdict.details.fpmError}` : ''}`,
      },
      now,
    );
  return setCondition(
    st,
    saturated
      ? { type: 'Saturated', status: 'True', reason: 'VisitorsQueued', message: verdict.message }
      : {
          type: 'Saturated',
          status: 'False',
          reason: 'WorkersAvailable',
          message: 'no connection waits for a worker',
        },
    now,
  );
}
