// `npm run bench`: runs every benchmark module in turn, in one run. Each module prints its own
// figures. TEND_BENCH=plan,apply narrows the run to the named benches.
import { benchAcme } from './acme-bench.js';
import { benchApply } from './apply-bench.js';
import { benchDashboard } from './dashboard-bench.js';
import { benchFleetPush } from './fleet-push-bench.js';
import { benchFpmStatus } from './fpm-status-bench.js';
import { benchHeal } from './heal-bench.js';
import { benchJobs } from './jobs-bench.js';
import { benchPlan } from './plan-bench.js';
import { benchServe } from './serve-bench.js';
import { benchServiceFloor } from './services-floor.js';
import { benchSupervisor } from './supervisor-bench.js';
import { benchSupervisord } from './supervisord-bench.js';

const benches: [string, () => Promise<void>][] = [
  ['plan', benchPlan],
  ['floor', () => benchServiceFloor()],
  ['apply', () => benchApply()],
  ['supervisor', benchSupervisor],
  ['supervisord', benchSupervisord],
  ['serve', benchServe],
  ['heal', benchHeal],
  ['dashboard', benchDashboard],
  ['jobs', benchJobs],
  ['acme', benchAcme],
  ['fpm-status', benchFpmStatus],
  ['fleet-push', benchFleetPush],
];

const only = process.env.TEND_BENCH?.split(',').map((s) => s.trim());
for (const [name, run] of benches) {
  if (only && !only.includes(name)) continue;
  console.log(`\n== bench ${name} ==`);
  try {
    await run();
  } catch (err) {
    console.error(`bench ${name} failed: ${(err as Error).stack ?? String(err)}`);
    process.exitCode = 1;
  }
}
