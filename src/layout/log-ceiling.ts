// The host's ceiling for every log tend writes (`tend serve --log-max-size/--log-keep`): a Program's,
// a Job's or a supervisord program's own `logs` limits apply up to it (decision 0044).
import type { Layout } from './layout.js';

/** The ceiling when `tend serve` was given none: 100 MB × 5, as for nginx's and php-fpm's logs. */
export const DEFAULT_LOG_CEILING = { maxBytes: 100 * 1024 * 1024, keep: 5 };

/** A resource's own log limits within the ceiling: the smaller of each. */
export function withinCeiling<T extends { maxBytes: number; keep: number }>(
  own: T,
  ceiling: Layout['logLimits'] = DEFAULT_LOG_CEILING,
): T {
  return {
    ...own,
    maxBytes: Math.min(own.maxBytes, ceiling.maxBytes),
    keep: Math.min(own.keep, ceiling.keep),
  };
}
