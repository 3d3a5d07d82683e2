// What /metrics reads from the controller at scrape time: resources from the status store (so a
// deleted resource leaves with its status), the queue depth, and the supervisor's restart counts.
import type { MetricsState } from '../api/metrics.js';
import type { StatusStore } from '../state/status-store.js';
import type { Controller } from './controller.js';

export function metricsState(controller: Controller, store: StatusStore): MetricsState {
  const resources = store.list().map((s) => {
    const healthy = s.conditions.find((c) => c.type === 'Healthy');
    return {
      kind: s.kind,
      name: s.name,
      phase: s.phase,
      revision: s.lastAppliedRevision ?? '',
      ...(healthy && healthy.status !== 'Unknown' ? { healthy: healthy.status === 'True' } : {}),
    };
  });
  const programRestarts: Record<string, number> = {};
  for (const p of controller.programs.supervisor.status())
    programRestarts[p.name] = p.instances.reduce((n, i) => n + i.restarts, 0);
  return {
    queueDepth: controller.queue.depth + controller.queue.running,
    resources,
    programRestarts,
  };
}
