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
  return refused;
}
