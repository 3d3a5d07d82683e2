// The real ApiDeps: resources and status from the controller's StatusStore and the load it pairs
// with (Controller.declared: the running pass's once it plans, else the last one's), the plan
// computed once per controller pass (read-only) and served from memory until the next pass,
// reconciles through the work queue, events from the EventLog.
import type {
  ApiDeps,
  ApiEvent,
  DaemonState,
  Health,
  ReconcileRequest,
  ReconcileResult,
  ResourceFilter,
  ResourceView,
} from '../api/deps.js';
import { maskSecrets } from '../api/mask.js';
import { statusChangeEvent } from '../api/status-events.js';
import type { Kind, ResourceKey } from '../model/index.js';
import type { ServedPlan } from '../api/deps.js';
import type { TendEvent } from '../state/events.js';
import { computePlan } from '../pipeline/compute-plan.js';
import { jobsApi } from '../jobs/api.js';
import { controlsApi } from '../controls/controls-api.js';
import { logsApi } from '../logs/logs-api.js';
import type { Controller } from './controller.js';
import type { ControllerOptions } from './controller.js';
import { summarizeOutcome } from './outcomes.js';
import { readiness } from '../status/readiness.js';

const DETAIL_EVENTS = 20;

export interface ControllerApiDepsOptions {
  controller: Controller;
  opts: ControllerOptions;
  /** False until the first pass finished, and again while draining. */
  isReady: () => boolean;
  /** The planner (tests count its calls). */
  computePlan?: typeof computePlan;
}

const toApiEvent = (e: TendEvent): ApiEvent => ({ ...e });

export function controllerApiDeps({
  controller,
  opts,
  isReady,
  computePlan: plan = computePlan,
}: ControllerApiDepsOptions): ApiDeps {
  const { store, events } = opts;
  /**
   * The plan of "what a pass would change now", keyed by the pass it followed: an unauthenticated
   * reader polling GET /v1/plan costs one computation per pass (the resync, a file change), not one
   * per request, and concurrent requests share it. The pass itself heals any drift it shows.
   */
  let served: { after: unknown; plan: Promise<ServedPlan> } | undefined;
  const specs = (): Map<ResourceKey, unknown> => {
    const load = controller.declared;
    return new Map((load?.resources ?? []).map((r) => [r.key, maskSecrets(r.resource.spec)]));
  };
  const labelsOf = (): Map<ResourceKey, Record<string, string>> => {
    const load = controller.declared;
    return new Map((load?.resources ?? []).map((r) => [r.key, r.resource.metadata.labels ?? {}]));
  };
  const view = (
    key: ResourceKey,
    spec: unknown,
    withEvents: boolean,
    labels?: Record<string, string>,
  ): ResourceView | undefined => {
    const status = store.get(key);
    if (!status && spec === undefined) return undefined;
    const [kind, name] = key.split('/') as [Kind, string];
    return {
      key,
      kind,
      name,
      ...(spec !== undefined ? { spec } : {}),
      ...(labels && Object.keys(labels).length > 0 ? { labels } : {}),
      ...(status ? { status } : {}),
      ...(withEvents ? { events: events.recent({ key, limit: DETAIL_EVENTS }) } : {}),
    };
  };

  return {
    jobs: jobsApi(controller.jobs.runner),
    controls: controlsApi(controller, opts),
    logs: logsApi(controller, opts),
    listResources(filter: ResourceFilter): ResourceView[] {
      const all = specs();
      const labels = labelsOf();
      const keys = new Set<ResourceKey>([...store.list().map((s) => s.key), ...all.keys()]);
      return [...keys]
        .sort()
        .map((k) => view(k, all.get(k), false, labels.get(k))!)
        .filter(
          (v) =>
            (filter.kind === undefined || v.kind === filter.kind) &&
            (filter.phase === undefined ||
              (v.status as { phase?: string } | undefined)?.phase === filter.phase),
        );
    },
    getResource(kind: Kind, name: string): ResourceView | undefined {
      const key = `${kind}/${name}` as ResourceKey;
      const load = controller.declared;
      const loaded = load?.resources.find((r) => r.key === key);
      return view(
        key,
        loaded ? maskSecrets(loaded.resource.spec) : undefined,
        true,
        loaded?.resource.metadata.labels,
      );
    },
    desiredLabel: opts.desiredDir,
    daemon(): DaemonState {
      const report = controller.lastReport;
      const revision = report?.result?.computed.git?.commit;
      return {
        ...(revision ? { revision } : {}),
        ...(report
          ? {
              lastPass: {
                startedAt: new Date(report.startedAt).toISOString(),
                durationMs: report.durationMs,
                ok: report.result !== undefined,
              },
            }
          : {}),
        paused: controller.controls.holds.paused !== undefined,
        queue: {
          depth: controller.queue.depth,
          running: controller.queue.running,
          backoff: controller.queue.waiting,
        },
      };
    },
    currentPlan(): Promise<ServedPlan> {
      const after = controller.lastReport;
      if (served && served.after === after) return served.plan;
      const { host, layout, desiredDir, allowMassDelete, resolveDesired, hostSlice } = opts;
      const computedAt = new Date().toISOString();
      // The controller's own cache, read-only: a GET never leases a port or writes a record.
      const next = plan({
        host,
        layout,
        desiredDir,
        snapshot: controller.snapshot,
        readOnly: true,
        ...(allowMassDelete ? { allowMassDelete } : {}),
        ...(resolveDesired ? { resolveDesired } : {}),
        ...(hostSlice ? { hostSlice } : {}),
      }).then((c): ServedPlan => ({ ...c.plan, computedAt }));
      const entry = { after, plan: next };
      served = entry;
      // A failed computation is not kept: the next request tries again.
      next.catch(() => {
        if (served === entry) served = undefined;
      });
      return next;
    },
    async reconcile(req: ReconcileRequest): Promise<ReconcileResult> {
      const started = Date.now();
      const { outcome, report } = await controller.reconcile(req.key);
      const r = report?.result;
      const summary = r
        ? {
            ...r.computed.plan.summary,
            reloads: r.apply.reloads.map((x) => ({
              service: x.service,
              method: x.method,
              durationMs: x.durationMs,
            })),
            ...(r.computed.git?.commit ? { revision: r.computed.git.commit } : {}),
          }
        : undefined;
      return {
        ...summarizeOutcome(req.key, outcome),
        ...(req.key ? { key: req.key } : {}),
        durationMs: Date.now() - started,
        ...(summary ? { summary } : {}),
      };
    },
    subscribe(fn: (event: ApiEvent) => void): () => void {
      const fromLog = events.subscribe((e) => fn(toApiEvent(e)));
      const fromStatus = store.watch((key, before, after) => {
        const change = statusChangeEvent(key, before, after);
        if (change) fn(change);
      });
      return () => {
        fromLog();
        fromStatus();
      };
    },
    metrics: controller.metrics,
    health(): Health {
      const report = controller.lastReport;
      const passError = report?.error as { code?: string; message?: string } | undefined;
      // A pass that fails as a whole converges nothing: say since when, and when it retries.
      const failing = controller.passFailure;
      const failed = failing
        ? {
            code: failing.code,
            message: `reconcile passes are failing (${failing.failures} since ${failing.since}; next attempt at ${failing.retryAt}): ${failing.message}`,
          }
        : report && !report.result
          ? {
              ...(passError?.code ? { code: passError.code } : {}),
              message: passError?.message ?? String(report.error),
            }
          : undefined;
      const r = readiness({
        started: isReady(),
        ...(failed ? { passError: failed } : {}),
        stalled: controller.queue.stalled().map((e) => ({
          key: e.key,
          message: e.error instanceof Error ? e.error.message : String(e.error),
        })),
        ...(report?.result?.computed.plan.pruneHeld
          ? { pruneHeld: report.result.computed.plan.pruneHeld }
          : {}),
        sourceErrors: controller.sourceErrors,
        // A dead master means declared sites are not served as declared: not ready while it lasts.
        ...(controller.masters.outage !== undefined ? { masterOutage: controller.masters.outage } : {}),
        statuses: store.list(),
      });
      return {
        live: true,
        ready: r.ready,
        ...(r.reason ? { reason: r.reason } : {}),
        ...(r.problems.length > 0 ? { problems: r.problems } : {}),
      };
    },
  };
}
