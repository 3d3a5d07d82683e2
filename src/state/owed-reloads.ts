// Services that owe a reload (<stateDir>/reloads-owed.json): a reload or start that failed, so the
// files on disk may not be what the service runs. Each pass retries them after its own apply and
// marks their resources Degraded until one succeeds; nothing here ever stops a pass from planning.
import type { Host } from '../host/index.js';
import type { ServiceId } from '../model/service.js';

export const OWED_RELOADS_FILE = 'reloads-owed.json';

export interface OwedReload {
  /** When the first failed attempt was made (kept across retries). */
  since: string;
  /** The last failure, as the driver said it. */
  message: string;
}

export interface OwedReloads {
  read(): Promise<Map<ServiceId, OwedReload>>;
  /** Records failures (keeping the first `since`) and clears the services that were reloaded. */
  update(failed: ReadonlyMap<ServiceId, string>, paid: Iterable<ServiceId>): Promise<void>;
}

const SERVICE = /^(nginx|supervisord|php-fpm@[0-9][0-9.]*)$/;

export function owedReloads(host: Host, stateDir: string): OwedReloads {
  const path = `${stateDir}/${OWED_RELOADS_FILE}`;
  let present = false;
  const read = async () => {
    const owed = new Map<ServiceId, OwedReload>();
    const text = await host.fs.readFile(path);
    present = text !== undefined;
    if (text === undefined) return owed;
    // Unreadable means "retry everything it may have named": the pass checks every owned service
    // anyway, so a damaged file costs a retry, never a stopped loop.
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return owed;
    }
    const services = (parsed as { services?: Record<string, Partial<OwedReload>> })?.services ?? {};
    for (const [id, v] of Object.entries(services))
      if (SERVICE.test(id) && typeof v?.since === 'string' && typeof v.message === 'string')
        owed.set(id as ServiceId, { since: v.since, message: v.message });
    return owed;
  };
  return {
    read,
    async update(failed, paid) {
      const before = await read();
      const owed = new Map(before);
      for (const id of paid) owed.delete(id);
      const now = new Date(host.now()).toISOString();
      for (const [id, message] of failed) owed.set(id, { since: before.get(id)?.since ?? now, message });
      if (owed.size === 0) {
        if (present) await host.fs.remove(path);
        return;
      }
      const same =
        owed.size === before.size &&
        [...owed].every(
          ([id, v]) => before.get(id)?.message === v.message && before.get(id)?.since === v.since,
        );
      if (same) return;
      const services = Object.fromEntries([...owed].sort(([a], [b]) => a.localeCompare(b)));
      await host.fs.writeFileAtomic(path, `${JSON.stringify({ version: 1, services }, null, 2)}\n`, 0o600);
    },
  };
}
