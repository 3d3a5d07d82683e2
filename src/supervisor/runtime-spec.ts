// Turns a validated Program into the numbers the supervisor runs on (ms, bytes, signal names) and
// the env a child gets. Pure: no I/O.
import {
  durationMs,
  envIsSecret,
  frozenMemo,
  envPlain,
  generationOf,
  sizeBytes,
  type LimitsSpec,
  type Program,
  type ProbeSpec,
  type ProcessSpecFields,
} from '../model/index.js';

/** Consecutive failed starts after which an instance is reported as a crash loop. */
export const CRASH_LOOP_AFTER = 5;
/** A run shorter than this never resets the backoff, even with startSeconds: 0 (no unthrottled spin). */
export const MIN_STABLE_MS = 1000;

export interface ProbeRuntime {
  kind: 'tcp' | 'http' | 'exec';
  port: number | undefined;
  path: string;
  expectStatus: number;
  command: string[];
  mode: 'liveness' | 'readiness' | 'both';
  initialDelayMs: number;
  intervalMs: number;
  timeoutMs: number;
  failureThreshold: number;
  successThreshold: number;
}

export interface RuntimeSpec {
  name: string;
  generation: string;
  /** The generation without `instances`: what an instance runs. Scaling alone restarts nothing. */
  instanceGeneration: string;
  argv: string[];
  directory: string | undefined;
  user: string | undefined;
  group: string | undefined;
  allowRoot: boolean;
  env: Record<string, string>;
  secretValues: string[];
  instances: number;
  port: 'auto' | number | undefined;
  restart: 'always' | 'on-failure' | 'never';
  backoffInitialMs: number;
  backoffMaxMs: number;
  startMs: number;
  stopSignal: NodeJS.Signals;
  stopTimeoutMs: number;
  probe: ProbeRuntime | undefined;
  logMaxBytes: number;
  logKeep: number;
  maxLineLength: number;
  dependsOn: string[];
  /** Resource limits in bytes and cores; undefined when the spec sets none. */
  limits: LimitsRuntime | undefined;
  /** revision: roll the instances when a new desired-state revision is applied. */
  restartOn: 'revision' | undefined;
}

export interface LimitsRuntime {
  memoryBytes?: number;
  cpuCores?: number;
  processes?: number;
  openFiles?: number;
  coreDumpBytes?: number;
}

export function limitsRuntime(l: LimitsSpec | undefined): LimitsRuntime | undefined {
  if (!l) return undefined;
  return {
    ...(l.memory !== undefined ? { memoryBytes: sizeBytes(l.memory) } : {}),
    ...(l.cpu !== undefined ? { cpuCores: l.cpu } : {}),
    ...(l.processes !== undefined ? { processes: l.processes } : {}),
    ...(l.openFiles !== undefined ? { openFiles: l.openFiles } : {}),
    ...(l.coreDump !== undefined ? { coreDumpBytes: sizeBytes(String(l.coreDump)) } : {}),
  };
}

/** The part of a RuntimeSpec a Program and a Job share: who runs what, where, with which env. */
export type ProcessRuntime = Pick<
  RuntimeSpec,
  'argv' | 'directory' | 'user' | 'group' | 'allowRoot' | 'env' | 'secretValues' | 'limits'
>;

export function processRuntime(s: ProcessSpecFields & { limits?: LimitsSpec | undefined }): ProcessRuntime {
  const env: Record<string, string> = {};
  const secretValues: string[] = [];
  for (const [k, v] of Object.entries(s.env)) {
    env[k] = envPlain(v);
    if (envIsSecret(v) && envPlain(v).length > 0) secretValues.push(envPlain(v));
  }
  return {
    // shell: true is the one path through /bin/sh, and the schema allows it only with one string.
    argv: s.shell ? ['/bin/sh', '-c', s.command[0] ?? ''] : [...s.command],
    directory: s.directory,
    user: s.user,
    group: s.group,
    allowRoot: s.allowRoot,
    env,
    secretValues,
    limits: limitsRuntime(s.limits),
  };
}

function probeRuntime(p: ProbeSpec): ProbeRuntime {
  return {
    kind: p.type,
    port: p.type === 'exec' ? undefined : p.port,
    path: p.type === 'http' ? p.path : '/',
    expectStatus: p.type === 'http' ? p.expectStatus : 200,
    command: p.type === 'exec' ? [...p.command] : [],
    mode: p.mode,
    initialDelayMs: durationMs(p.initialDelay),
    intervalMs: durationMs(p.interval),
    timeoutMs: durationMs(p.timeout),
    failureThreshold: p.failureThreshold,
    successThreshold: p.successThreshold,
  };
}

/** Built once per loaded Program (model/frozen-memo.ts), and frozen: its readers share it. */
export const runtimeSpec: (program: Program) => Readonly<RuntimeSpec> = frozenMemo((program: Program) =>
  Object.freeze(buildRuntimeSpec(program)),
);

function buildRuntimeSpec(program: Program): RuntimeSpec {
  const s = program.spec;
  return {
    name: program.metadata.name,
    generation: generationOf(program),
    instanceGeneration: generationOf({ ...program, spec: { ...s, instances: 1 } }),
    ...processRuntime(s),
    instances: s.instances,
    port: s.port,
    restart: s.restart,
    backoffInitialMs: durationMs(s.backoff.initial),
    backoffMaxMs: Math.max(durationMs(s.backoff.max), durationMs(s.backoff.initial)),
    startMs: s.startSeconds * 1000,
    stopSignal: `SIG${s.stop.signal}` as NodeJS.Signals,
    stopTimeoutMs: durationMs(s.stop.timeout),
    probe: s.health ? probeRuntime(s.health) : undefined,
    logMaxBytes: sizeBytes(s.logs.maxSize),
    logKeep: s.logs.keep,
    maxLineLength: s.logs.maxLineLength,
    dependsOn: [...s.dependsOn],
    restartOn: s.restartOn,
  };
}

/** Delay before the next start after `failures` consecutive failed starts (1-based); capped doubling. */
export function backoffDelay(initialMs: number, maxMs: number, failures: number): number {
  if (failures <= 0) return 0;
  const exp = Math.min(failures - 1, 30);
  return Math.min(initialMs * 2 ** exp, maxMs);
}

/** Replaces every secret value in a text with "***" before it reaches a status or an event. */
export function redact(text: string, secrets: readonly string[]): string {
  let out = text;
  // Every length, longest first (a secret containing another is masked whole): a short secret is
  // still a secret, and masking stray letters of a message is the lesser harm.
  for (const s of [...secrets].filter((x) => x.length > 0).sort((a, b) => b.length - a.length))
    out = out.split(s).join('***');
  return out;
}
