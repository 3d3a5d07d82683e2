// The LimitsEnforced condition of a Program or Job with `limits`: True when this host enforces every
// limit set, False naming each missing controller (a limit is never dropped silently), and no
// condition at all when the spec sets no limits.
import { hostLimits, type LimitValues, type ResourceLimits } from '../host/limit-groups.js';
import { removeCondition, setCondition, type ResourceStatus } from '../state/conditions.js';

export function limitsCondition(
  status: ResourceStatus,
  limits: LimitValues | undefined,
  now: number,
  host: ResourceLimits = hostLimits(),
): ResourceStatus {
  if (!limits || Object.keys(limits).length === 0)
    return status.conditions.some((c) => c.type === 'LimitsEnforced')
      ? removeCondition(status, 'LimitsEnforced', now)
      : status;
  const missing = host.missing(limits);
  return setCondition(
    status,
    missing.length === 0
      ? { type: 'LimitsEnforced', status: 'True', reason: 'Enforced', message: 'every limit is enforced' }
      : {
          type: 'LimitsEnforced',
          status: 'False',
          reason: 'ControllerMissing',
          message: `not enforced on this host: ${missing.join('; ')}`,
        },
    now,
  );
}
