// What the HTTP API needs from the controller: a narrow interface so that routes are tested with a
// fake and the controller stays free to change how it stores and computes things.
import type { Kind, ResourceKey } from '../model/index.js';
import type { Plan } from '../plan/types.js';
import type { JobsApi } from './job-routes.js';
import type { ControlsApi } from './control-routes.js';
import type { LogsApi } from './log-routes.js';
import { PHASES } from '../state/conditions.js';
import type { TendMetrics } from './metrics.js';

/** The phases of state/conditions.ts, in the order people read them; the API validates ?phase= against it. */
export const API_PHASES = PHASES;

export interface ResourceView {
  key: ResourceKey;
  kind: Kind;
  name: string;
  /** The desired spec, secrets already masked by the deps (the API masks `{ value, secret: true }` again). */
  spec?: unknown;
  /** The status object (state/conditions.ts): phase, conditions, observedGeneration, outputs… */
  status?: object;
  /** Recent events about this resource, newest last. */
  events?: object[];
  /** metadata.labels, for the dashboard's label filter. */
  labels?: Record<string, string>;
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

export interface Health {
  live: boolean;
  ready: boolean;
  reason?: string;
  /** Each reason tend is not ready, one line each (failed pass, stalled keys, refused plan, outages). */
  problems?: string[];
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
  /** The /metrics registry: the controller's series and Node's; other parts register theirs on it. */
  readonly metrics: TendMetrics;
  health(): Health;
  /** The git source, when `tend serve --git` runs one (GET /v1/source, POST refresh/pin/unpin). */
  source?: SourceApi;
  /** Job triggers and run records; absent where there is no Jobs runtime. */
  jobs?: JobsApi;
  /** Operator controls (restart, stop, suspend, pause…); absent where no daemon runs them. */
  controls?: ControlsApi;
  /** Resource logs (GET /v1/resources/:kind/:name/logs); absent where no daemon runs. */
  logs?: LogsApi;
  /** The daemon's own state for GET /v1/daemon (the dashboard's header). */
  daemon?(): DaemonState;
  /** How `tend reconcile --plan` names the desired state in its header line. */
  desiredLabel?: string;
}

/** The daemon as the dashboard shows it: what it runs, how its last pass went, what waits. */
export interface DaemonState {
  revision?: string;
  lastPass?: { startedAt: string; durationMs: number; ok: boolean };
  /** Keys waiting for a worker, keys being reconciled, keys waiting out a backoff. */
  queue: { depth: number; running: number; backoff: number };
  /** Reconciliation is paused for the whole daemon (`tend pause`), when the daemon can say. */
  paused?: boolean;
}

/** What the API may ask of the git source; statuses are plain JSON, credentials already removed. */
export interface SourceApi {
  status(): object;
  refresh(): Promise<object>;
  pin(revision: string): Promise<object>;
  unpin(): Promise<object>;
}
