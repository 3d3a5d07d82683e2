// The real ApiDeps: resources and status from the controller's StatusStore and last load, the plan
// computed once per controller pass (read-only) and served from memory until the next pass,
// reconciles through the work queue, events from the EventLog.
import type {
  ApiDeps,
  ApiEvent,
  Health,
  MetricsSnapshot,
  ReconcileRequest,
  ReconcileResult,
  ResourceFilter,
  ResourceView,
} from '../api/deps.js';
import { maskSecrets } from '../api/mask.js';
import type { Kind, ResourceKey } from '../model/index.js';
import type { ServedPlan } from '../api/deps.js';
import type { TendEvent } from '../state/events.js';
import { computePlan } from './compute-plan.js';
import { jobMetrics, jobsApi } from '../jobs/api.js';
import type { Controller } from './controller.js';
import type { ControllerOptions } from './controller.js';
import { summarizeOutcome } from './outcomes.js';

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
    const load = controller.lastReport?.result?.computed.load;
    return new Map((load?.resources ?? []).map((r) => [r.key, maskSecrets(r.resource.spec)]));
  };
  const view = (key: ResourceKey, spec: unknown, withEvents: boolean): ResourceView | undefined => {
    const status = store.get(key);
    if (!status && spec === undefined) return undefined;
    const [kind, name] = key.split('/') as [Kind, string];
    return {
      key,
      kind,
      name,
      ...(spec !== undefined ? { spec } : {}),
      ...(status ? { status } : {}),
      ...(withEvents ? { events: events.recent({ key, limit: DETAIL_EVENTS }) } : {}),
    };
  };

  return {
    jobs: jobsApi(controller.jobs.runner),
    listResources(filter: ResourceFilter): ResourceView[] {
      const all = specs();
      const keys = new Set<ResourceKey>([...store.list().map((s) => s.key), ...all.keys()]);
      return [...keys]
        .sort()
        .map((k) => view(k, all.get(k), false)!)
        .filter(
          (v) =>
            (filter.kind === undefined || v.kind === filter.kind) &&
            (filter.phase === undefined ||
              (v.status as { phase?: string } | undefined)?.phase === filter.phase),
        );
    },
    getResource(kind: Kind, name: string): ResourceView | undefined {
      const key = `${kind}/${name}` as ResourceKey;
      const load = controller.lastReport?.result?.computed.load;
      const loaded = load?.resources.find((r) => r.key === key);
      return view(key, loaded ? maskSecrets(loaded.resource.spec) : undefined, true);
    },
    currentPlan(): Promise<ServedPlan> {
      const after = controller.lastReport;
      if (served && served.after === after) return served.plan;
      const { host, layout, desiredDir, allowMassDelete } = opts;
      const computedAt = new Date().toISOString();
      const next = plan({ host, layout, desiredDir, ...(allowMassDelete ? { allowMassDelete } : {}) }).then(
        (c): ServedPlan => ({ ...c.plan, computedAt }),
      );
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
      return events.subscribe((e) => fn(toApiEvent(e)));
    },
    metrics(): MetricsSnapshot {
      const byPhase = new Map<string, { kind: Kind; phase: string; count: number }>();
      const probes = new Map<string, { resource: string; result: string; count: number }>();
      for (const s of store.list()) {
        const id = `${s.kind}/${s.phase}`;
        const entry = byPhase.get(id) ?? { kind: s.kind, phase: s.phase, count: 0 };
        entry.count += 1;
        byPhase.set(id, entry);
        const healthy = s.conditions.find((c) => c.type === 'Healthy');
        if (healthy && healthy.status !== 'Unknown') {
          const result = healthy.status === 'True' ? 'success' : 'failure';
          probes.set(`${s.key}|${result}`, { resource: s.key, result, count: 1 });
        }
      }
      const restarts: Record<string, number> = {};
      for (const p of controller.programs.supervisor.status())
        restarts[p.name] = p.instances.reduce((n, i) => n + i.restarts, 0);
      return {
        reconcileDurationSeconds: { samples: controller.durations },
        queueDepth: controller.queue.depth + controller.queue.running,
        resourcesByPhase: [...byPhase.values()],
        programRestarts: restarts,
        probeResults: [...probes.values()],
        jobs: jobMetrics(controller.jobs.runner),
      };
    },
    health(): Health {
      const ready = isReady();
      const source = controller.sourceErrors;
      // A pass that fails as a whole converges nothing: not ready, and say why (and when it retries).
      const failing = controller.passFailure;
      if (ready && failing)
        return {
          live: true,
          ready: false,
          reason: `reconcile passes are failing (${failing.failures} since ${failing.since}; next attempt at ${failing.retryAt}): ${failing.code}: ${failing.message}`,
        };
      return {
        live: true,
        ready,
        ...(!ready
          ? { reason: 'the first reconcile pass has not finished, or tend is stopping' }
          : source
            ? { reason: source }
            : {}),
      };
    },
  };
}
