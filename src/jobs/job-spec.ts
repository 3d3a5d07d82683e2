// Turns a validated Job into the numbers its runs use, and into the supervisor's RuntimeSpec so that
// a run is spawned by the very function Programs use (identity, env, process group). Pure.
import { durationMs, envIsSecret, envPlain, generationOf, sizeBytes, type Job } from '../model/index.js';
import type { RuntimeSpec } from '../supervisor/runtime-spec.js';

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
  /** What spawnInstance takes; the fields a run does not use keep a Program's defaults. */
  process: RuntimeSpec;
}

export function jobRuntime(job: Job): JobRuntime {
  const s = job.spec;
  const env: Record<string, string> = {};
  const secretValues: string[] = [];
  for (const [k, v] of Object.entries(s.env)) {
    env[k] = envPlain(v);
    if (envIsSecret(v) && envPlain(v).length > 0) secretValues.push(envPlain(v));
  }
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
    process: {
      name: job.metadata.name,
      generation,
      instanceGeneration: generation,
      argv: s.shell ? ['/bin/sh', '-c', s.command[0] ?? ''] : [...s.command],
      directory: s.directory,
      user: s.user,
      group: s.group,
      allowRoot: s.allowRoot,
      env,
      secretValues,
      instances: 1,
      port: undefined,
      restart: 'never',
      backoffInitialMs: 0,
      backoffMaxMs: 0,
      startMs: 0,
      stopSignal: `SIG${s.stop.signal}` as NodeJS.Signals,
      stopTimeoutMs: durationMs(s.stop.timeout),
      probe: undefined,
      logMaxBytes: sizeBytes(s.logs.maxSize),
      // A run has its own log file: past maxSize it starts over rather than keeping rotations.
      logKeep: 0,
      maxLineLength: s.logs.maxLineLength,
      dependsOn: [],
    },
  };
}
