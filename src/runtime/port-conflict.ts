// A runtime resource whose fixed port another process holds is not applied (phase Failed, reason
// PortConflict) until it listens there; then Applied is True again. Shared by native Programs and
// Terminals, the two kinds that bind a port themselves (decision 0042).
import { setCondition, type ResourceStatus } from '../state/conditions.js';

/**
 * Applied from the port's holder: False with `message` while `conflict`; True with `appliedMessage`
 * once a conflict this status recorded is over; unchanged otherwise.
 */
export function portConflictApplied(
  current: ResourceStatus,
  conflict: boolean,
  message: string,
  appliedMessage: string,
  now: number,
): ResourceStatus {
  const recorded = current.conditions.find((c) => c.type === 'Applied')?.reason === 'PortConflict';
  if (!conflict && !recorded) return current;
  return setCondition(
    current,
    conflict
      ? { type: 'Applied', status: 'False', reason: 'PortConflict', message }
      : { type: 'Applied', status: 'True', reason: 'Applied', message: appliedMessage },
    now,
  );
}
