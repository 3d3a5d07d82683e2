// Status changes as events on /v1/events: every change of a resource's phase, of a condition
// (type, status, reason, message) or of an output (a restarted Program's new pid, a new port) becomes
// one `StatusChanged` event, so a page that follows the stream alone never shows a phase or a pid the
// API no longer reports. Health numbers alone make none: they move on every probe.
import type { ResourceStatus } from '../state/conditions.js';
import type { ApiEvent } from './deps.js';

const conditionsText = (s: ResourceStatus | undefined) =>
  JSON.stringify((s?.conditions ?? []).map((c) => [c.type, c.status, c.reason ?? '', c.message ?? '']));

/** The names of the outputs that differ between `before` and `after`. */
function changedOutputs(before: ResourceStatus | undefined, after: ResourceStatus | undefined): string[] {
  const a = new Map(Object.entries(before?.outputs ?? {}));
  const b = new Map(Object.entries(after?.outputs ?? {}));
  return [...new Set([...a.keys(), ...b.keys()])].filter((k) => a.get(k) !== b.get(k)).sort();
}

/** The event for a change from `before` to `after`, or undefined when phase, conditions and outputs held. */
export function statusChangeEvent(
  key: string,
  before: ResourceStatus | undefined,
  after: ResourceStatus | undefined,
  now: () => Date = () => new Date(),
): ApiEvent | undefined {
  const samePhase = before?.phase === after?.phase && conditionsText(before) === conditionsText(after);
  const outputs = before && after ? changedOutputs(before, after) : [];
  if (samePhase && outputs.length === 0) return undefined;
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
        ? samePhase
          ? `${to}: outputs changed (${outputs.join(', ')})`
          : `${to}: conditions changed`
        : `${from} → ${to}${ready?.message ? `: ${ready.message}` : ''}`,
    phase: to,
    ...(before ? { previousPhase: from } : {}),
  };
}
