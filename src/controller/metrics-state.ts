// What /metrics reads from the controller at scrape time: resources from the status store (so a
// deleted resource leaves with its status), the queue depth, the supervisor's restart counts, and
// who this host is in a fleet.
import type { HostInfo, MetricsState, TendMetrics } from '../api/metrics.js';
import { registerJobMetrics } from '../jobs/metrics.js';
import { registerLogDiskMetrics } from '../observe/log-disk.js';
import { fpmFiguresOf, registerFpmMetrics } from '../status/fpm-metrics.js';
import { isTendError } from '../errors/catalogue.js';
import { defaultHostName } from '../source/host-slice.js';
import type { StatusStore } from '../state/status-store.js';
import type { Controller } from './controller.js';
import type { ControllerOptions } from './options.js';

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

/**
 * tend_info and tend_source_ready: the host's name, the revision its last pass planned from, and
 * whether its source is usable (a git source's SourceReady; for a directory, whether the last pass
 * could read it). Unknown before the first pass.
 */
export function hostInfo(
  controller: Controller,
  hostName: string | undefined,
  gitReady?: () => boolean | undefined,
): HostInfo {
  const report = controller.lastReport;
  const host = hostName ?? defaultHostName();
  const revision = report?.result?.computed.git?.commit ?? '';
  const unreadable =
    report !== undefined &&
    report.result === undefined &&
    isTendError(report.error) &&
    (report.error.code === 'TEND_ERR_SOURCE_UNREADABLE' || report.error.code === 'TEND_ERR_SOURCE_LIMIT');
  const sourceReady = gitReady ? gitReady() : report === undefined ? undefined : !unreadable;
  const source = gitReady ? 'git' : 'directory';
  return { host, revision, source, ...(sourceReady !== undefined ? { sourceReady } : {}) };
}

/** Every series the daemon's /metrics serves beyond the registry's own: read at scrape time. */
export function registerSeries(
  metrics: TendMetrics,
  controller: Controller,
  opts: Pick<ControllerOptions, 'store' | 'host' | 'layout' | 'hostSlice' | 'sourceReady'>,
): void {
  metrics.readFrom(() => metricsState(controller, opts.store));
  metrics.readInfoFrom(() => hostInfo(controller, opts.hostSlice?.name, opts.sourceReady));
  registerJobMetrics(metrics.registry, controller.jobs.runner);
  registerFpmMetrics(metrics.registry, () => fpmFiguresOf(opts.store.list()));
  registerLogDiskMetrics(metrics.registry, opts.host, opts.layout);
}
