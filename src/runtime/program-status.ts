// A native Program's status from the supervisor's observation: Healthy, Ready and Reconciling, a
// fixed port a foreign process holds (PortConflict), limits and tree containment, pids and ports.
import { phaseOf } from '../drivers/programs-native.js';
import { setCondition, type ResourceStatus } from '../state/conditions.js';
import { portConflictApplied } from './port-conflict.js';
import type { ProgramStatus } from '../supervisor/index.js';
import { limitsCondition } from '../supervisor/limits-status.js';
import { programTreeFacts, treeCondition } from '../supervisor/tree-status.js';

/** The health details of a Program: its instances and any rollout. */
export function programDetails(st: ProgramStatus): Record<string, unknown> {
  return {
    instances: st.instances.map((i) => ({
      index: i.index,
      pid: i.pid,
      state: i.state,
      ready: i.ready,
      restarts: i.restarts,
      port: i.port,
      ...(i.lastExit ? { lastExit: i.lastExit } : {}),
      ...(i.crashLoop ? { crashLoop: i.crashLoop } : {}),
    })),
    ...(st.rollout ? { rollout: st.rollout } : {}),
  };
}

/** Healthy, Ready and Reconciling from the supervisor's observation; pids and ports as outputs. */
export function programStatus(current: ResourceStatus, st: ProgramStatus, now: number): ResourceStatus {
  const { phase, message } = phaseOf(st);
  // A fixed port another process holds says so (the same reason as a Site's or Pool's, 0042).
  const conflict = st.error?.code === 'TEND_ERR_PORT_IN_USE';
  const why = conflict ? 'PortConflict' : phase;
  // Not applied while the port is taken (phase Failed); applied again once it started there.
  current = portConflictApplied(current, conflict, message, `generation ${st.generation} is applied`, now);
  const applied = current.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: phase === 'Ready' || phase === 'Completed' ? 'True' : 'False',
      reason: phase === 'Ready' ? 'Running' : why,
      message,
    },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Reconciling',
      status: phase === 'Progressing' || phase === 'Pending' ? 'True' : 'False',
      reason: phase,
      message,
    },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: applied && phase === 'Ready' ? 'True' : 'False',
      reason: phase === 'Ready' ? 'Ready' : why,
      message,
    },
    now,
  );
  next = limitsCondition(next, st.limits, now);
  next = treeCondition(next, programTreeFacts(st), now);
  const pids = st.instances.map((i) => i.pid).filter((p): p is number => p !== undefined);
  const ports = st.instances.map((i) => i.port).filter((p): p is number => p !== undefined);
  const outputs: Record<string, string | number> = {
    ...current.outputs,
    instances: st.instances.length,
    pids: pids.join(','),
  };
  if (ports.length > 0) outputs.ports = ports.join(',');
  if (ports[0] !== undefined) outputs.port = ports[0];
  return { ...next, health: programDetails(st), outputs };
}
