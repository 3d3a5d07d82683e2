// The supervisor's public shapes: per-instance and per-program status, and the events it emits.
import type { LimitsRuntime } from './runtime-spec.js';

export type InstanceState =
  'starting' | 'running' | 'backoff' | 'stopping' | 'stopped' | 'exited' | 'crash-loop';

export type Health = 'unknown' | 'healthy' | 'unhealthy';

export interface ExitRecord {
  /** null when killed by a signal or when the exit code is unknowable (an adopted process). */
  code: number | null;
  signal: string | null;
  /** ISO time of the exit. */
  at: string;
  /** Set for adopted processes: tend was not their parent, so the code cannot be read. */
  unknown?: string;
  /** The kernel's OOM killer ended it: its memory limit was hit. */
  reason?: 'OOMKilled';
}

export interface InstanceStatus {
  index: number;
  pid: number | undefined;
  state: InstanceState;
  restarts: number;
  lastExit: ExitRecord | undefined;
  /** Milliseconds since the current process started; 0 when not running. */
  uptimeMs: number;
  ready: boolean;
  health: Health;
  port: number | undefined;
  generation: string;
  adopted: boolean;
  logFile: string;
  /** Set while the instance is in a crash loop, with the tail of its log. */
  crashLoop: string | undefined;
  message: string | undefined;
  /** While alive: the cgroup holding its whole process tree (in scope `programs`). */
  cgroup?: string;
  /** While alive without one: why, so status can say a setsid() escape would outlive a stop. */
  untracked?: string;
}

export interface ProgramStatus {
  name: string;
  key: `Program/${string}`;
  generation: string;
  desiredInstances: number;
  /** True when every desired instance is ready. */
  ready: boolean;
  /** Waiting for these dependencies to become Ready before starting. */
  waitingFor: string[];
  instances: InstanceStatus[];
  /** A spec that cannot run at all (root refused, unknown user, port range exhausted). */
  error: { code: string; message: string } | undefined;
  /** Set while instances still run an older spec and are being rolled (one at a time). */
  rollout?: RolloutStatus;
  /** The spec's limits, for the LimitsEnforced condition. */
  limits?: LimitsRuntime;
  /** Why this host has no cgroups for process trees (the TreeContained condition); absent when it has. */
  noCgroups?: string;
}

export interface RolloutStatus {
  generation: string;
  /** Instances on the new spec and ready. */
  updated: number;
  desired: number;
  /** ISO time the rollout began. */
  startedAt: string;
}

export type EventReason =
  | 'Started'
  | 'Exited'
  | 'Restarted'
  | 'Stopped'
  | 'CrashLoop'
  | 'ProbeFailed'
  | 'Ready'
  | 'NotReady'
  | 'Adopted'
  | 'Failed'
  | 'RolloutHalted'
  | 'RolloutStarted'
  | 'RolledOut';

export interface SupervisorEvent {
  key: `Program/${string}`;
  instance?: number;
  type: 'Normal' | 'Warning';
  reason: EventReason;
  message: string;
  at: string;
}
