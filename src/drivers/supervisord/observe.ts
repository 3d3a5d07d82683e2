// Observation of supervisord: what is really running, per program and instance, read from
// getAllProcessInfo states (never from supervisorctl's exit codes).
import type { ProcessInfo, SupervisordClient } from './client.js';

/** tend's view of one supervised instance; `statename` keeps supervisord's own word for it. */
export type InstanceState =
  'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'failed' | 'unknown';

export interface InstanceInfo {
  program: string;
  /** What supervisord's per-process calls take: `group:name`, or just `name` for one instance. */
  namespec: string;
  /** 0 for a single instance; NN of `name_NN` otherwise. */
  index: number;
  state: InstanceState;
  statename: string;
  pid?: number;
  /** Set once the instance has exited (EXITED, BACKOFF, FATAL, STOPPED after a run). */
  exitStatus?: number;
  uptimeSeconds?: number;
  /** supervisord's reason for a failed spawn ("Exited too quickly …", "can't find command …"). */
  spawnError?: string;
  description: string;
}

/** supervisor/states.py ProcessStates: the codes are stable, the names are for display. */
const STATES: Record<number, InstanceState> = {
  0: 'stopped',
  10: 'starting',
  20: 'running',
  30: 'backoff',
  40: 'stopping',
  100: 'exited',
  200: 'failed',
  1000: 'unknown',
};

export function instanceFromInfo(info: ProcessInfo): InstanceInfo {
  const single = info.name === info.group;
  const suffix = single ? undefined : /_(\d+)$/.exec(info.name);
  const state = STATES[info.state] ?? 'unknown';
  const out: InstanceInfo = {
    program: info.group,
    namespec: single ? info.name : `${info.group}:${info.name}`,
    index: suffix ? Number(suffix[1]) : 0,
    state,
    statename: info.statename,
    description: info.description,
  };
  if (info.pid > 0) out.pid = info.pid;
  // supervisord reports exitstatus 0 before the first exit too; it means something only after a stop.
  if (
    info.stop > 0 &&
    (state === 'exited' || state === 'backoff' || state === 'failed' || state === 'stopped')
  )
    out.exitStatus = info.exitstatus;
  if (state === 'running' && info.start > 0) out.uptimeSeconds = Math.max(0, info.now - info.start);
  if (info.spawnerr) out.spawnError = info.spawnerr;
  return out;
}

/** Every group supervisord runs, keyed by group (= tend program) name, instances in index order. */
export async function observeSupervisord(client: SupervisordClient): Promise<Map<string, InstanceInfo[]>> {
  const byProgram = new Map<string, InstanceInfo[]>();
  for (const info of await client.getAllProcessInfo()) {
    const instance = instanceFromInfo(info);
    const list = byProgram.get(instance.program) ?? [];
    list.push(instance);
    byProgram.set(instance.program, list);
  }
  for (const list of byProgram.values()) list.sort((a, b) => a.index - b.index);
  return byProgram;
}
