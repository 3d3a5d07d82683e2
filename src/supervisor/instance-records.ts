// What an instance shows outside itself: its status (secrets redacted, pid only while alive) and its
// run file (enough for a later tend to adopt the process).
import type { Program } from '../model/index.js';
import type { LogPipe } from './log-pipe.js';
import type { Proc } from './proc.js';
import type { RunFile } from './run-file.js';
import { redact, type RuntimeSpec } from './runtime-spec.js';
import type { InstanceStatus } from './types.js';

/** The instance fields the records are made of (an Instance is one). */
type InstanceFacts = Pick<
  InstanceStatus,
  | 'index'
  | 'state'
  | 'restarts'
  | 'lastExit'
  | 'ready'
  | 'health'
  | 'port'
  | 'adopted'
  | 'crashLoop'
  | 'message'
> & { spec: RuntimeSpec; resource: Program; pipe: LogPipe; alive: boolean };

export function statusOf(i: InstanceFacts, proc: Proc | undefined, now: number): InstanceStatus {
  const { index, state, restarts, lastExit, ready, health, port, adopted } = i;
  const up = i.alive && proc ? Math.max(0, now - proc.startedAt) : 0;
  const hide = (t: string | undefined) => (t === undefined ? undefined : redact(t, i.spec.secretValues));
  return {
    ...{ index, state, restarts, lastExit, ready, health, port, adopted, uptimeMs: up },
    ...{ pid: i.alive ? proc?.pid : undefined, generation: i.spec.generation },
    ...{ logFile: i.pipe.writer.path, crashLoop: hide(i.crashLoop), message: hide(i.message) },
  };
}

/** `cgroup`: the process tree's group in scope `programs`, so a later tend's stop reaches all of it. */
export function runFileOf(i: InstanceFacts, proc: Proc, cgroup?: string): RunFile {
  const { spec, index, port, restarts, resource } = i;
  return {
    ...(cgroup ? { cgroup } : {}),
    ...{ version: 1, program: spec.name, index, port, restarts, resource },
    ...{ pid: proc.pid, pgid: proc.pgid, startTime: proc.startTime, startedAt: proc.startedAt },
    ...{ generation: spec.generation, instanceGeneration: spec.instanceGeneration },
    ...{ logFile: i.pipe.writer.path, fifo: i.pipe.fifo },
  };
}
