// The logs side of `tend serve` (decision 0044): a round every --log-check (default 1m) that rotates
// the embedded profile's nginx and php-fpm logs (log-rotate.ts) or, in the system profile, keeps
// /etc/logrotate.d/tend equal to the logs tend owns (logrotate-sync.ts); and in both, reopens any
// Program or Job log renamed under its writer. SIGUSR2 (logrotate's postrotate, via serve.pid) asks
// for that reopen at once. A failed round is logged, never fatal.
import type { Host } from '../host/index.js';
import type { Layout } from '../layout/layout.js';
import type { Resource } from '../model/index.js';
import { servePidFile } from '../logs/logrotate-config.js';
import { reopenMovedLogs } from '../supervisor/log-writer.js';
import { rotateEmbeddedLogs, type RotationLimits } from './log-rotate.js';
import { syncLogrotateConfig } from './logrotate-sync.js';

/** How often `tend serve` checks the logs by default: a log grows at most this long past its limit. */
export const LOG_CHECK_MS = 60_000;

export interface ServeLogsOptions {
  host: Host;
  layout: Layout;
  limits: RotationLimits;
  intervalMs?: number;
  /** The desired state's resources as the last pass loaded them (the system profile's rules). */
  resources: () => readonly Resource[] | undefined;
  info: (fields: Record<string, unknown>, message: string) => void;
  warn: (message: string) => void;
}

/** One round. `memo` carries the last problem reported (said once) and the rules logrotate refused. */
export async function logRound(
  opts: ServeLogsOptions,
  memo: { problem?: string; refused?: { content?: string; problem?: string } } = {},
): Promise<void> {
  const { host, layout, limits } = opts;
  if (layout.profile === 'embedded') {
    const r = await rotateEmbeddedLogs(host, layout, limits);
    if (r.rotated.length > 0) opts.info({ rotated: r.rotated, signalled: r.signalled }, 'logs rotated');
  } else {
    const resources = opts.resources();
    if (resources) {
      const sync = await syncLogrotateConfig(host, layout, resources, limits, (memo.refused ??= {}));
      if (sync.problem && sync.problem !== memo.problem) opts.warn(sync.problem);
      memo.problem = sync.problem;
      if (!sync.problem && sync.written) opts.info({ path: sync.path }, 'logrotate rules written');
    }
  }
  const reopened = reopenMovedLogs();
  if (reopened.length > 0) opts.info({ reopened }, 'logs renamed under their writer reopened');
}

/** Starts the rounds (the first one at once) and the SIGUSR2 reopen; returns the stop function. */
export async function startServeLogs(opts: ServeLogsOptions): Promise<() => Promise<void>> {
  const onUsr2 = () => {
    const reopened = reopenMovedLogs();
    opts.info({ reopened }, 'SIGUSR2: logs reopened');
  };
  process.on('SIGUSR2', onUsr2);
  // Written once the handler is in place: SIGUSR2's default action would end the daemon.
  const pidFile = servePidFile(opts.layout);
  await opts.host.fs.writeFileAtomic(pidFile, `${process.pid}\n`, 0o644);
  let running: Promise<void> | undefined;
  const memo = {};
  const round = () => {
    running ??= logRound(opts, memo)
      .catch((err: unknown) => opts.warn(`log round failed: ${String(err)}`))
      .finally(() => (running = undefined));
  };
  round();
  const timer = setInterval(round, opts.intervalMs ?? LOG_CHECK_MS);
  timer.unref();
  return async () => {
    clearInterval(timer);
    await running;
    process.off('SIGUSR2', onUsr2);
    await opts.host.fs.remove(pidFile).catch(() => undefined);
  };
}
