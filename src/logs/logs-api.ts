// The daemon's LogsApi: a resource's log lines (tail, since, instance, slow) and a follower, with
// the resource's secret values masked; a Terminal's "log" is its session audit (its events).
import type { LogsApi, LogQuery } from '../api/log-routes.js';
import type { Controller, ControllerOptions } from '../controller/controller.js';
import { TendError } from '../errors/catalogue.js';
import type { Resource, ResourceKey } from '../model/index.js';
import type { TendEvent } from '../state/events.js';
import { redact, runtimeSpec } from '../supervisor/runtime-spec.js';
import { followSources, tailSources, type LogLine } from './read.js';
import { logSources } from './sources.js';

const auditLine = (e: TendEvent): LogLine => ({
  instance: '-',
  stream: 'audit',
  line: `${e.reason}: ${e.message ?? ''}`,
  ...(e.time ? { time: e.time } : {}),
});

export function logsApi(controller: Controller, opts: ControllerOptions): LogsApi {
  const find = (key: ResourceKey): Resource => {
    const r = controller.lastReport?.result?.computed.load.resources.find((x) => x.key === key)?.resource;
    if (!r) throw new TendError('TEND_ERR_NOT_FOUND', `no resource ${key} in the desired state`);
    return r;
  };
  const prepare = (key: ResourceKey, q: LogQuery) => {
    const resource = find(key);
    const runs = resource.kind === 'Job' ? controller.jobs.runner.history.list(resource.metadata.name) : [];
    const sorted = [...runs].sort((a, b) => (a.startedAt ?? 0) - (b.startedAt ?? 0));
    const sources = logSources(resource, opts.layout, {
      ...(q.instance !== undefined ? { instance: q.instance } : {}),
      ...(q.slow ? { slow: true } : {}),
      jobRuns: sorted.map((r) => r.id),
      jobLog: (id) => sorted.find((r) => r.id === id)?.log ?? '',
    });
    const secrets =
      resource.kind === 'Program'
        ? runtimeSpec(resource).secretValues
        : resource.kind === 'Job'
          ? (controller.jobs.runner.spec(resource.metadata.name)?.process.secretValues ?? [])
          : [];
    const mask = (l: LogLine): LogLine => (secrets.length > 0 ? { ...l, line: redact(l.line, secrets) } : l);
    return { sources, mask };
  };
  return {
    read(key, q) {
      if (key.startsWith('Terminal/')) {
        find(key);
        const lines = opts.events.recent({ key }).map(auditLine);
        return lines
          .filter((l) => q.sinceMs === undefined || !l.time || Date.parse(l.time) >= q.sinceMs)
          .slice(-q.tail);
      }
      const { sources, mask } = prepare(key, q);
      return tailSources(sources, q.tail, q.sinceMs).map(mask);
    },
    follow(key, q, emit) {
      if (key.startsWith('Terminal/')) {
        find(key);
        return opts.events.subscribe((e) => {
          if (e.key === key) emit(auditLine(e));
        });
      }
      const { sources, mask } = prepare(key, q);
      return followSources(sources, (l) => emit(mask(l)));
    },
  };
}
