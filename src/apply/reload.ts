// Reloading the services a pass touched: each once, in dependency order (php-fpm, supervisord,
// nginx), stopped ones started side by side first.
import { TendError, asTendError } from '../errors/catalogue.js';
import type { ReloadResult, ServiceDriver } from '../drivers/service.js';
import type { ServiceId } from '../render/types.js';

export interface ReloadRecord extends ReloadResult {
  service: ServiceId;
}

/** php-fpm first (sockets must exist), supervisord next, nginx last (it routes to both). */
export function serviceOrder(a: ServiceId, b: ServiceId): number {
  const rank = (s: ServiceId) =>
    s.startsWith('php-fpm@') ? 0 : s === 'supervisord' ? 1 : s === 'nginx' ? 2 : 3;
  return rank(a) - rank(b) || a.localeCompare(b);
}

/**
 * Each touched service reloaded once, in serviceOrder: a running nginx reloads only after the pools
 * it routes to are up. Stopped services start side by side first: nothing is served through them
 * yet, so a cold converge need not wait for php-fpm's 1,000 sockets before starting nginx.
 */
export async function reloadInOrder(
  touched: { service: ServiceId; driver: ServiceDriver; restart: boolean; validated: boolean }[],
): Promise<{ reloads: ReloadRecord[]; failures: Map<ServiceId, TendError> }> {
  const results = new Map<ServiceId, ReloadRecord>();
  const failures = new Map<ServiceId, TendError>();
  const running = await Promise.all(touched.map((t) => t.driver.isRunning()));
  const attempt = async (t: (typeof touched)[number], i: number) => {
    try {
      results.set(t.service, {
        service: t.service,
        ...(await reloadOrStart(t.driver, t.restart, t.validated, running[i])),
      });
    } catch (err) {
      failures.set(t.service, asTendError(err));
    }
  };
  await Promise.all(touched.map((t, i) => (running[i] ? undefined : attempt(t, i))));
  for (const [i, t] of touched.entries()) if (running[i]) await attempt(t, i);
  const reloads = touched.flatMap((t) => results.get(t.service) ?? []);
  return { reloads, failures };
}

/** A stopped service starts with the new config; a running one reloads (verified by the driver). */
export async function reloadOrStart(
  driver: ServiceDriver,
  restart: boolean,
  validated = false,
  running?: boolean,
): Promise<ReloadResult> {
  const t0 = Date.now();
  if (!(running ?? (await driver.isRunning()))) {
    await driver.ensureRunning();
    return { method: 'started', durationMs: Date.now() - t0 };
  }
  return driver.reload({ restart, validated });
}
