// A fake ApiDeps for route tests: in-memory resources, a scripted reconcile, and a manual event bus.
import type { ApiDeps, ApiEvent, Health, ReconcileRequest, ResourceView } from '../../../src/api/deps.js';
import { TendMetrics, type MetricsState } from '../../../src/api/metrics.js';
import type { Kind } from '../../../src/model/index.js';
import type { Plan } from '../../../src/plan/types.js';

export const SECRET = 'hunter2-very-secret';

export function sampleResources(): ResourceView[] {
  return [
    {
      key: 'Site/shop',
      kind: 'Site',
      name: 'shop',
      spec: { domains: ['shop.example.com'] },
      status: {
        phase: 'Ready',
        conditions: [
          { type: 'Ready', status: 'True', reason: 'Applied', message: 'serving', lastTransitionTime: 't' },
        ],
      },
    },
    {
      key: 'Program/worker',
      kind: 'Program',
      name: 'worker',
      // The deps were supposed to mask this already; the API must do it anyway.
      spec: {
        command: ['node', 'worker.js'],
        env: { DB_PASS: { value: SECRET, secret: true }, MODE: 'prod' },
      },
      status: { phase: 'Failed', conditions: [] },
      events: [{ reason: 'ProcessExited', message: 'exit 1' }],
    },
  ];
}

export function samplePlan(): Plan {
  return {
    formatVersion: 1,
    changes: [
      {
        key: 'Program/worker',
        kind: 'Program',
        name: 'worker',
        action: 'update',
        reason: 'spec changed',
        generation: 'abc',
        services: ['supervisord'],
        ops: [
          {
            op: 'write',
            path: '/etc/supervisor/conf.d/worker.conf',
            service: 'supervisord',
            mode: 0o600,
            content: `environment=DB_PASS="${SECRET}"\n`,
            before: 'environment=DB_PASS="old"\n',
            diff: `-environment=DB_PASS="old"\n+environment=DB_PASS="${SECRET}"\n`,
            secrets: [SECRET],
          },
        ],
      },
    ],
    summary: { create: 0, update: 1, delete: 0, noop: 0, blocked: 0 },
  };
}

export class FakeDeps implements ApiDeps {
  resources = sampleResources();
  plan: Plan = samplePlan();
  healthState: Health = { live: true, ready: true };
  reconcileCalls: ReconcileRequest[] = [];
  reconcileError: unknown;
  planError: unknown;
  private listeners = new Set<(event: ApiEvent) => void>();
  /** What the scrape-time gauges read; tests change it between scrapes. */
  metricsState: MetricsState = {
    queueDepth: 3,
    resources: [
      { kind: 'Site', name: 'shop', phase: 'Ready', revision: 'abc123', healthy: true },
      { kind: 'Program', name: 'worker', phase: 'Failed' },
      { kind: 'Site', name: 'we"ird\\name\n', phase: 'Degraded', healthy: false },
    ],
    programRestarts: { worker: 5 },
  };
  readonly metrics = new TendMetrics({ processMetrics: false });

  constructor() {
    this.metrics.readFrom(() => this.metricsState);
    for (const seconds of [0.02, 0.3, 4]) this.metrics.observePass(seconds, true);
  }

  get subscribers(): number {
    return this.listeners.size;
  }

  emit(event: ApiEvent): void {
    for (const fn of this.listeners) fn(event);
  }

  listResources(filter: { kind?: Kind; phase?: string }): ResourceView[] {
    return this.resources.filter(
      (r) =>
        (filter.kind === undefined || r.kind === filter.kind) &&
        (filter.phase === undefined || (r.status as { phase?: string } | undefined)?.phase === filter.phase),
    );
  }

  getResource(kind: Kind, name: string): ResourceView | undefined {
    return this.resources.find((r) => r.kind === kind && r.name === name);
  }

  async currentPlan(): Promise<Plan> {
    if (this.planError) throw this.planError;
    return this.plan;
  }

  async reconcile(req: ReconcileRequest) {
    this.reconcileCalls.push(req);
    if (this.reconcileError) throw this.reconcileError;
    return { ok: true, ...(req.key ? { key: req.key } : {}), durationMs: 12, summary: { update: 1 } };
  }

  subscribe(fn: (event: ApiEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  health(): Health {
    return this.healthState;
  }
}
