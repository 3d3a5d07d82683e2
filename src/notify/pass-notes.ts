// What a pass has to tell a webhook: resources whose phase changed since the last pass, Programs
// that started crash-looping and source failures (from the events of the pass), and changes held
// back by a validation gate or blocked.
import type { ChangeOutcome } from '../apply/executor.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { TendEvent } from '../state/events.js';
import type { Notification } from './webhook.js';

const EVENT_TYPES: Readonly<Record<string, string>> = {
  CrashLoop: 'CrashLoop',
  SourceError: 'SourceFailed',
  InvalidRevision: 'SourceFailed',
  RepositoryTooLarge: 'SourceFailed',
};

/** Phase changes between two snapshots (`key → phase`); a new key counts from "none". */
export function phaseNotes(
  before: ReadonlyMap<string, string>,
  statuses: readonly ResourceStatus[],
  time: string,
): Notification[] {
  const out: Notification[] = [];
  for (const s of statuses) {
    const from = before.get(s.key);
    if (from === s.phase) continue;
    const ready = s.conditions.find((c) => c.type === 'Ready');
    out.push({
      type: 'PhaseChanged',
      key: s.key,
      from: from ?? 'none',
      to: s.phase,
      message: `${s.key} ${from ?? 'none'} → ${s.phase}${ready?.message ? `: ${ready.message}` : ''}`,
      time,
    });
  }
  return out;
}

export function eventNotes(events: readonly TendEvent[]): Notification[] {
  return events.flatMap((e) => {
    const type = EVENT_TYPES[e.reason];
    return type
      ? [
          {
            type,
            ...(e.key ? { key: e.key } : {}),
            message: e.message ?? e.reason,
            time: e.time ?? new Date().toISOString(),
          },
        ]
      : [];
  });
}

export function heldNotes(outcomes: readonly ChangeOutcome[], time: string): Notification[] {
  return outcomes
    .filter((o) => o.status === 'held' || o.status === 'blocked')
    .map((o) => ({
      type: 'ChangeHeld',
      key: o.key,
      message: `${o.key}: ${o.action} ${o.status}${o.message ? `: ${o.message}` : ''}`,
      time,
    }));
}
