// The checks a service can make before anything is written (see ServiceDriver.preflight): a change
// a service refuses is held back alone, like a change its validator rejects, and the rest go live.
import type { PreflightRefusal, ServiceDriver } from '../drivers/service.js';
import type { Change } from '../plan/types.js';
import type { ServiceId } from '../model/service.js';

export async function preflightRefusals(
  changes: readonly Change[],
  services: (id: ServiceId) => ServiceDriver,
): Promise<Map<string, PreflightRefusal>> {
  const refused = new Map<string, PreflightRefusal>();
  const ids = [...new Set(changes.flatMap((c) => c.services))].filter((s) => s !== 'none');
  for (const id of ids) {
    const driver = services(id);
    if (!driver.preflight) continue;
    const members = changes
      .filter((c) => c.action !== 'delete' && c.services.includes(id) && !refused.has(c.key))
      .map((c) => ({
        key: c.key,
        files: c.ops.flatMap((o) =>
          o.op === 'write' && o.service === id ? [{ path: o.path, content: o.content }] : [],
        ),
      }))
      .filter((m) => m.files.length > 0);
    if (members.length === 0) continue;
    for (const [key, why] of await driver.preflight(members)) refused.set(key, why);
  }
  holdDependents(changes, refused);
  return refused;
}

/**
 * A change that points another service at a refused address (a vhost's fastcgi_pass naming a pool
 * socket a foreign process holds) is held with it: nginx is never sent to that process.
 */
function holdDependents(changes: readonly Change[], refused: Map<string, PreflightRefusal>): void {
  const addresses = [...refused].flatMap(([key, r]) =>
    r.address ? [{ key, ...r, address: r.address }] : [],
  );
  if (addresses.length === 0) return;
  for (const c of changes) {
    if (c.action === 'delete' || refused.has(c.key)) continue;
    const written = c.ops.flatMap((o) => (o.op === 'write' ? [o.content] : []));
    const hit = addresses.find((a) =>
      written.some((text) => text.split('\n').some((line) => pointsAt(line, a.address))),
    );
    if (hit)
      refused.set(c.key, {
        code: hit.code,
        message: `its upstream ${hit.address} (${hit.key}) is refused: ${hit.message}`,
      });
  }
}

/** A `fastcgi_pass <address>;` or tend's `set $tend_fastcgi <address>;` line. */
const pointsAt = (line: string, address: string) =>
  /^\s*(?:fastcgi_pass|set \$tend_fastcgi)\s/.test(line) && line.trim().endsWith(` ${address};`);
