// Status changes as events on /v1/events: every change of a resource's phase or of a condition
// (type, status, reason, message) becomes one `StatusChanged` event, so a page that follows the
// stream alone never shows a phase the API no longer reports. Health numbers alone make none.
import type { ResourceStatus } from '../state/conditions.js';
import type { ApiEvent } from './deps.js';

const conditionsText = (s: ResourceStatus | undefined) =>
  JSON.stringify((s?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']));

/** The event for a change from `before` to `after`, or undefined when neither phase nor conditions moved. */
export function statusChangeEvent(
  key: string,
  before: ResourceStatus | undefined,
  after: ResourceStatus | undefined,
  now: () => Date = () => new Date(),
): ApiEvent | undefined {
  if (before?.phase === after?.phase && conditionsText(before) === conditionsText(after)) return undefined;
  const ready = after?.conditions.find((c) => c.type === 'Ready');
  const from = before?.phase ?? 'absent';
  const to = after?.phase ?? 'removed';
  return {
    time: now().toISOString(),
    key,
    type: to === 'Failed' || to === 'Degraded' ? 'Warning' : 'Normal',
    reason: 'StatusChanged',
    message:
      from === to
        ? `${to}: conditions changed`
        : `${from} → ${to}${ready?.message ? `: ${ready.message}` : ''}`,
    phase: to,
    ...(before ? { previousPhase: from } : {}),
  };
}
