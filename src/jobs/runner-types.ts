// The shapes around the JobRunner: its clock, its options, the events it emits, and one run in
// progress as the runner tracks it.
import type { Host } from '../host/index.js';
import type { RunRecord } from './history.js';
import type { RunProcess } from './run-process.js';

export interface JobClock {
  now(): number;
}

export interface JobEvent {
  job: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export interface JobRunnerOptions {
  host: Host;
  stateDir: string;
  runDir: string;
  clock?: JobClock;
  /** Arm real timers for schedules and retries (the daemon); tests drive tick() themselves. */
  timers?: boolean;
  /** The host's log ceiling (Layout.logLimits): a run's log stays within it. */
  logLimits?: { maxBytes: number; keep: number };
}

export interface Active {
  record: RunRecord;
  proc: RunProcess | undefined;
  /** Set when tend (not the process) ended the run: replaced, timed out, interrupted. */
  endedBy?: 'replaced' | 'timedOut' | 'interrupted';
  done: Promise<RunRecord>;
}
