// The native supervisor's public surface.
export { Supervisor, type SupervisorOptions } from './supervisor.js';
export type {
  EventReason,
  ExitRecord,
  Health,
  InstanceState,
  InstanceStatus,
  ProgramStatus,
  SupervisorEvent,
} from './types.js';
export { SPLIT_MARK } from './log-writer.js';
export { CRASH_LOOP_AFTER, MIN_STABLE_MS, backoffDelay } from './runtime-spec.js';
export { topoOrder } from './order.js';
export { ADOPTED_POLL_MS, afterExit, describeExit } from './proc.js';
