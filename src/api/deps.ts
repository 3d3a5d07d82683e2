// What the HTTP API needs from the controller: a narrow interface so that routes are tested with a
// fake and the controller stays free to change how it stores and computes things.
import type { Kind, ResourceKey } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import type { JobsApi } from './job-routes.js';
import { PHASES } from '../state/conditions.js';

/** The phases of docs/DESIGN.md §7, in the order people read them; the API validates ?phase= against it. */
export const API_PHASES = PHASES;

export interface ResourceView {
  key: ResourceKey;
  kind: Kind;
  name: string;
  /** The desired spec, secrets already masked by the deps (the API masks `{ value, secret: true }` again). */
  spec?: unknown;
  /** The status object of DESIGN §7: phase, conditions, observedGeneration, outputs… */
  status?: object;
  /** Recent events about this resource, newest last. */
  events?: object[];
}

export interface ResourceFilter {
  kind?: Kind;
  phase?: string;
}

export interface ReconcileRequest {
  /** One resource, or everything when absent. */
  key?: ResourceKey;
}

export interface ReconcileResult {
  ok: boolean;
  key?: string;
  durationMs: number;
  summary?: object;
  error?: { code: string; message: string };
}

/** An event as streamed to clients; `reason` names the SSE event (e.g. "Applied", "ProcessExited"). */
export interface ApiEvent {
  reason: string;
  type?: string;
  key?: string;
  message?: string;
  time?: string;
  [field: string]: unknown;
}

/** Either raw samples (seconds) or a ready histogram with cumulative bucket counts. */
export type DurationMetric =
  | { samples: readonly number[] }
  | { buckets: ReadonlyArray<{ le: number; count: number }>; sum: number; count: number };

export interface MetricsSnapshot {
  reconcileDurationSeconds: DurationMetric;
  queueDepth: number;
  resourcesByPhase: ReadonlyArray<{ kind: Kind; phase: string; count: number }>;
  /** Restarts per Program name since tend started. */
  programRestarts: Readonly<Record<string, number>>;
  /** Probe results per resource key and outcome ("success", "failure", "timeout"). */
  probeResults: ReadonlyArray<{ resource: string; result: string; count: number }>;
  /** Per Job since tend started: runs by outcome, run durations, the last success, runs in progress. */
  jobs?: ReadonlyArray<JobMetrics>;
}

export interface JobMetrics {
  job: string;
  runsByOutcome: Readonly<Record<string, number>>;
  durationSeconds: readonly number[];
  /** Unix seconds of the last successful run's end (from the records, so it survives a restart). */
  lastSuccessSeconds?: number;
  running: number;
}

export interface Health {
  live: boolean;
  ready: boolean;
  reason?: string;
}

/** A plan as served: when it was computed, if the deps keep one for a while. */
export type ServedPlan = Plan & { computedAt?: string };

export interface ApiDeps {
  listResources(filter: ResourceFilter): ResourceView[];
  getResource(kind: Kind, name: string): ResourceView | undefined;
  currentPlan(): Promise<ServedPlan>;
  /** Runs a reconcile and resolves with its result, like `flux reconcile`. */
  reconcile(req: ReconcileRequest): Promise<ReconcileResult>;
  /** Calls `fn` for every new event; the returned function unsubscribes. */
  subscribe(fn: (event: ApiEvent) => void): () => void;
  metrics(): MetricsSnapshot;
  health(): Health;
  /** Job triggers and run records; absent where there is no Jobs runtime. */
  jobs?: JobsApi;
}
