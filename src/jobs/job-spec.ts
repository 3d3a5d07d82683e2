// Turns a validated Job into the numbers its runs use, and into the supervisor's RuntimeSpec so that
// a run is spawned by the very function Programs use (identity, env, process group). Pure.
import { durationMs, generationOf, sizeBytes, type Job } from '../model/index.js';
import { processRuntime, type RuntimeSpec } from '../supervisor/runtime-spec.js';

export interface JobRuntime {
  name: string;
  generation: string;
  schedule: string | undefined;
  timeZone: string | undefined;
  runOnce: 'spec' | 'revision' | undefined;
  suspend: boolean;
  concurrency: 'forbid' | 'replace' | 'allow';
  timeoutMs: number | undefined;
  retries: number;
  backoffInitialMs: number;
  backoffMaxMs: number;
  startingDeadlineMs: number | undefined;
  keepSucceeded: number;
  keepFailed: number;
  /** trigger: { token: true }: a per-Job token file starts this Job through the API. */
  triggerToken: boolean;
  /** What spawnInstance takes; the fields a run does not use keep a Program's defaults. */
  process: RuntimeSpec;
}

/** `ceiling`: the host's log ceiling when one is set (Layout.logLimits); a run's log stays within it. */
export function jobRuntime(job: Job, ceiling?: { maxBytes: number; keep: number }): JobRuntime {
  const s = job.spec;
  const generation = generationOf(job);
  return {
    name: job.metadata.name,
    generation,
    schedule: s.schedule,
    timeZone: s.timeZone,
    runOnce: s.runOnce,
    suspend: s.suspend,
    concurrency: s.concurrency,
    timeoutMs: s.timeout === undefined ? undefined : durationMs(s.timeout),
    retries: s.retries,
    backoffInitialMs: durationMs(s.backoff.initial),
    backoffMaxMs: Math.max(durationMs(s.backoff.max), durationMs(s.backoff.initial)),
    startingDeadlineMs: s.startingDeadline === undefined ? undefined : durationMs(s.startingDeadline),
    keepSucceeded: s.history.succeeded,
    keepFailed: s.history.failed,
    triggerToken: s.trigger?.token === true,
    process: {
      name: job.metadata.name,
      generation,
      instanceGeneration: generation,
      ...processRuntime(s),
      instances: 1,
      port: undefined,
      restart: 'never',
      backoffInitialMs: 0,
      backoffMaxMs: 0,
      startMs: 0,
      stopSignal: `SIG${s.stop.signal}` as NodeJS.Signals,
      stopTimeoutMs: durationMs(s.stop.timeout),
      probe: undefined,
      // A run has its own log file; past maxSize it is rotated once (`<id>.log.1`), so its newest
      // lines are never lost and a run's output is bounded by 2 × maxSize (within the host's ceiling).
      logMaxBytes: Math.min(sizeBytes(s.logs.maxSize), ceiling?.maxBytes ?? Infinity),
      logKeep: 1,
      maxLineLength: s.logs.maxLineLength,
      dependsOn: [],
      restartOn: undefined,
    },
  };
}
