// The host's ceiling for every log tend writes, when `tend serve --log-max-size/--log-keep` set one:
// a Program's, a Job's or a supervisord program's own `logs` limits apply up to it (decision 0044).
// Without those flags a resource's own limits stand (and `tend apply` renders what serve renders).
import type { Layout } from './layout.js';

/** A resource's own log limits within the ceiling: the smaller of each; its own when there is none. */
export function withinCeiling<T extends { maxBytes: number; keep: number }>(
  own: T,
  ceiling: Layout['logLimits'],
): T {
  if (!ceiling) return own;
  return {
    ...own,
    maxBytes: Math.min(own.maxBytes, ceiling.maxBytes),
    keep: Math.min(own.keep, ceiling.keep),
  };
}
