// `tend reconcile` without --plan: take the root's lock, converge once, print what was done and how
// every resource stands. Exit 0 when every change went live, 1 when any was held, blocked or failed.
import type { CliIO } from './io.js';
import type { ReconcileOptions } from './reconcile.js';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;

export async function runApply(opts: ReconcileOptions, io: CliIO): Promise<number> {
  const [
    { converge },
    { createRealHost },
    { layoutFor },
    { acquireLock },
    { StatusStore },
    { EventLog },
    plans,
    { formatLoadError },
  ] = await Promise.all([
    import('../pipeline/converge.js'),
    import('../host/real-host.js'),
    import('../layout/layout.js'),
    import('../state/lock.js'),
    import('../state/status-store.js'),
    import('../state/events.js'),
    import('../plan/index.js'),
    import('../source/describe.js'),
  ]);
  const host = createRealHost();
  const layout = layoutFor(opts.profile, opts.root, {
    ...(opts.httpPort ? { httpPort: opts.httpPort } : {}),
    webBases: opts.webBases,
  });
  // A recursive mkdir gives every new directory the mode: the root must stay traversable for nginx's workers.
  await host.fs.mkdirp(layout.root, 0o755);
  await host.fs.mkdirp(layout.stateDir, 0o700);
  const { checkOwnPaths } = await import('../state/ownership.js');
  await checkOwnPaths(host, { root: layout.root, stateDir: layout.stateDir });
  // nginx's workers must reach the pool sockets under the root: refuse a 0700 parent now, not with 502s.
  const { checkOwnDirsTraversable } = await import('../observe/root-traversal.js');
  const { readAccounts } = await import('../host/accounts.js');
  await checkOwnDirsTraversable(host, layout, await readAccounts(host));
  // A running `tend serve` owns this root: ask it and report its result instead of racing it.
  const { findDaemon, reconcileViaDaemon } = await import('./client.js');
  const daemon = await findDaemon(host, layout.stateDir);
  if (daemon)
    return reconcileViaDaemon(daemon, { ...(opts.only ? { only: opts.only } : {}), json: opts.json }, io);
  const lock = await acquireLock(host, layout.stateDir, 'tend reconcile');
  try {
    const store = await StatusStore.load(host, layout.stateDir, { onCorrupt: 'reset' });
    const events = await EventLog.open(host, layout.stateDir);
    const result = await converge({
      host,
      layout,
      desiredDir: opts.desiredDir,
      store,
      events,
      allowMassDelete: opts.allowMassDelete,
      hostSlice: opts.hostSlice,
      ...(opts.only ? { only: opts.only } : {}),
    });
    await events.flush();
    const { plan, load } = result.computed;
    for (const e of load.errors) io.stderr(`${formatLoadError(e)}\n`);
    if (result.recovery)
      io.stdout(
        `Recovered an interrupted apply: undid ${plural(result.recovery.undone.length, 'change')}, kept ${plural(result.recovery.recorded.length, 'change')}.\n`,
      );
    if (opts.json) {
      io.stdout(
        `${JSON.stringify({ plan: JSON.parse(plans.formatPlanJson(plan)), outcomes: result.apply.outcomes, reloads: result.apply.reloads, statuses: result.statuses }, null, 2)}\n`,
      );
    } else {
      io.stdout(
        plans.formatPlanText(plan, {
          color: io.isTTY && !io.env.NO_COLOR,
          desiredDir: opts.desiredLabel,
          ...(opts.fullDiff ? { fullDiff: true } : {}),
        }),
      );
      for (const r of result.apply.reloads)
        io.stdout(
          `  ${r.service}: ${r.method === 'started' ? 'started' : 'reloaded'} in ${r.durationMs} ms (${r.method})\n`,
        );
      for (const o of result.apply.outcomes.filter(
        (x) => x.status === 'held' || x.status === 'blocked' || x.status === 'failed',
      ))
        io.stdout(`  ! ${o.key} ${o.status}: ${o.message ?? ''}\n`);
      io.stdout('\n');
      for (const s of result.statuses) {
        const ready = s.conditions.find((c) => c.type === 'Ready');
        io.stdout(`  ${s.key.padEnd(28)} ${s.phase.padEnd(11)} ${ready?.message ?? ''}\n`);
      }
      const waiting = result.statuses.filter((s) => s.kind === 'Program' || s.kind === 'Terminal');
      if (waiting.length > 0)
        io.stdout(
          `\nPrograms and Terminals run under tend serve: ${waiting.map((s) => s.key).join(', ')} ${waiting.length === 1 ? 'is' : 'are'} Pending until tend serve runs on this root.\n`,
        );
      const counts = { applied: 0, held: 0, blocked: 0, failed: 0 };
      for (const o of result.apply.outcomes)
        if (o.status in counts) counts[o.status as keyof typeof counts] += 1;
      io.stdout(
        `\nApply complete: ${plural(counts.applied, 'change')} applied, ${counts.held} held back, ${counts.blocked} blocked, ${counts.failed} failed in ${result.apply.durationMs} ms.\n`,
      );
    }
    if (plan.pruneHeld?.code === 'TEND_ERR_MASS_DELETE')
      io.stderr(
        `tend reconcile: TEND_ERR_MASS_DELETE: ${plan.pruneHeld.reason}. If that is intended, run again with --allow-mass-delete\n`,
      );
    const bad = result.apply.outcomes.some(
      (o) => o.status === 'held' || o.status === 'blocked' || o.status === 'failed',
    );
    return bad || !load.ok || plan.pruneHeld?.code === 'TEND_ERR_MASS_DELETE' ? 1 : 0;
  } finally {
    await lock.release();
  }
}
