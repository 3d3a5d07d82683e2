// One log line per pass: info when it changed something or reloaded a service, debug when the host
// was already in sync (a resync every 30 s must not fill the log), plus one line per reload.
import type { Logger } from 'pino';
import type { PassReport } from './outcomes.js';

export function logPass(log: Logger, report: PassReport): void {
  const r = report.result;
  if (!r) return;
  const summary = r.computed.plan.summary;
  const changed = summary.create + summary.update + summary.delete > 0 || r.apply.reloads.length > 0;
  const fields = {
    keys: report.keys.size,
    durationMs: report.durationMs,
    ...summary,
    reloads: r.apply.reloads.length,
    phases: r.phases,
    ...(r.apply.steps ? { applySteps: r.apply.steps } : {}),
  };
  if (changed) log.info(fields, 'reconciled');
  else log.debug(fields, 'in sync');
  for (const reload of r.apply.reloads)
    log.info(
      { service: reload.service, method: reload.method, durationMs: reload.durationMs },
      'service reloaded',
    );
}
