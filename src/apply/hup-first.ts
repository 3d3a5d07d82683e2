// nginx, HUP first (decision 0023): a pass whose nginx changes touch only nginx checks just the
// changed vhosts (`nginx -t` over the real main config with only them), then HUPs. The master
// itself is the whole-config check: one that cannot load the new config logs [emerg] and keeps
// serving the old one. Only then, after a refusal, does the full `nginx -t` bisect run, the
// refused files go back to their snapshots, and nginx reloads once more. Until the master has
// accepted them, these changes stay not-done in the journal, so a crash anywhere in between (the
// refused files still on disk) is undone by recovery on the next start.
import type { ServiceDriver } from '../drivers/service.js';
import type { Host } from '../host/host.js';
import type { Change } from '../plan/types.js';
import { runGate, type GateMember } from './gate.js';
import { opNeedsRestart } from './restart-rules.js';

/**
 * The nginx changes may go HUP-first: each touches nginx alone, none needs a restart, the driver can
 * scope a check, and a master is running (a start has no old config to fall back on).
 */
export async function hupFirstEligible(
  nginxChanges: readonly Change[],
  driver: ServiceDriver,
): Promise<boolean> {
  if (nginxChanges.length === 0 || !driver.validateScoped) return false;
  const alone = nginxChanges.every((c) => c.services.every((s) => s === 'nginx' || s === 'none'));
  if (!alone || nginxChanges.some((c) => c.ops.some(opNeedsRestart))) return false;
  return driver.isRunning();
}

/**
 * After the master refused the HUP: the full gate over the same members (bisecting as before),
 * which leaves the members it holds restored to their snapshots. Returns the held keys with
 * nginx -t's message; none held means the refusal was not about these files.
 */
export async function bisectRefused(
  driver: ServiceDriver,
  members: readonly GateMember[],
): Promise<{ held: Map<string, string>; validations: number }> {
  return runGate(() => driver.validate(), members);
}

/**
 * Test hook for the crash-safety test: with TEND_TEST_HUP_WINDOW set to a path, the pass writes
 * its pid there right after the HUP-first reload (accepted or refused, before any restore or
 * journal update) and waits to be killed. Unset (always, outside tests) it costs nothing.
 */
export async function hupWindowHook(host: Host): Promise<void> {
  const marker = process.env.TEND_TEST_HUP_WINDOW;
  if (!marker) return;
  await host.fs.writeFileAtomic(marker, `${process.pid}\n`, 0o600);
  for (;;) await host.sleep(1_000);
}
