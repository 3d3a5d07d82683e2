// A supervisord-backend Program's status from its driver's observation alone
// (drivers/programs-supervisord.ts observeOne): Healthy, Ready and Reconciling from supervisord's own
// process states, Unknown (never stale) when supervisord does not answer, pids, per-instance states,
// tend's FATAL restarts and a log tail. Pure.
import type { ObservedSupervisordProgram } from '../drivers/programs-supervisord.js';
import { setCondition, SUPERVISORD_UNREACHABLE, type ResourceStatus } from '../state/conditions.js';

/** The health details status carries: backend, restarts, each instance, the log tail. */
export function supervisordDetails(seen: ObservedSupervisordProgram): Record<string, unknown> {
  const { instances, restarts, logTail } = seen.supervisord;
  return {
    backend: 'supervisord',
    restarts,
    instances: instances.map((i) => ({
      index: i.index,
      pid: i.pid,
      state: i.state,
      statename: i.statename,
      ...(i.exitStatus !== undefined ? { exitStatus: i.exitStatus } : {}),
      ...(i.spawnError ? { spawnError: i.spawnError } : {}),
      ...(i.uptimeSeconds !== undefined ? { uptimeSeconds: i.uptimeSeconds } : {}),
    })),
    ...(logTail ? { logTail } : {}),
  };
}

/** Healthy, Ready and Reconciling from supervisord's answer; pids as outputs, none when unknown. */
export function supervisordProgramStatus(
  current: ResourceStatus,
  seen: ObservedSupervisordProgram,
  now: number,
): ResourceStatus {
  const { verdict, instances } = seen.supervisord;
  const { phase, reason, message } = verdict;
  const applied = current.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  const unknown = phase === 'Unknown';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: unknown ? 'Unknown' : phase === 'Ready' || phase === 'Completed' ? 'True' : 'False',
      reason,
      message,
    },
    now,
  );
  next = setCondition(
    next,
    { type: 'Reconciling', status: phase === 'Progressing' ? 'True' : 'False', reason, message },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: unknown ? 'Unknown' : applied && phase === 'Ready' ? 'True' : 'False',
      reason:
        unknown && reason === 'SupervisordUnreachable'
          ? SUPERVISORD_UNREACHABLE
          : phase === 'Completed'
            ? 'Completed'
            : reason,
      message,
    },
    now,
  );
  const pids = unknown ? [] : instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
  const outputs: Record<string, string | number> = {
    ...current.outputs,
    instances: instances.length,
    pids: pids.join(','),
  };
  return { ...next, health: supervisordDetails(seen), outputs };
}
