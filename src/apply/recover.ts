// Recovery after a crash (or a failed reload) mid-apply. Entries not yet validated are undone (their
// paths restored to the journal's snapshot); validated ones are recorded in the inventory and their
// services reloaded. A service that still cannot reload or start is reported, never thrown: the
// journal is closed either way, and the normal plan converges whatever remains (see converge.ts,
// which keeps retrying the services reported here and marks their resources Degraded).
import type { ServiceDriver } from '../drivers/service.js';
import { asTendError } from '../errors/catalogue.js';
import type { Host } from '../host/host.js';
import type { Inventory } from '../plan/types.js';
import type { ServiceId } from '../model/service.js';
import { reloadOrStart, serviceOrder } from './reload.js';
import type { ApplyJournal } from '../state/journal.js';
import { recordEntries } from './record.js';
import { restoreSnapshot } from './snapshot.js';

export interface RecoveryReport {
  undone: string[];
  recorded: string[];
  reloaded: ServiceId[];
  /** Services whose validation, reload or start failed, with the reason: they still owe a reload. */
  unfinished: Map<ServiceId, string>;
}

export async function recoverInterruptedApply(deps: {
  host: Host;
  journal: ApplyJournal;
  services: (id: ServiceId) => ServiceDriver;
  loadInventory: () => Promise<Inventory>;
  saveInventory: (inv: Inventory) => Promise<void>;
}): Promise<RecoveryReport | undefined> {
  const entries = await deps.journal.read();
  if (!entries) return undefined;
  const pending = entries.filter((e) => !e.done);
  const done = entries.filter((e) => e.done);
  for (const e of pending) for (const snap of [...e.before].reverse()) await restoreSnapshot(deps.host, snap);
  if (done.length > 0) {
    const inventory = await deps.loadInventory();
    recordEntries(inventory, done, new Date().toISOString());
    await deps.saveInventory(inventory);
  }
  const services = [...new Set(entries.flatMap((e) => e.services))]
    .filter((s) => s !== 'none')
    .sort(serviceOrder);
  const reloaded: ServiceId[] = [];
  const unfinished = new Map<ServiceId, string>();
  for (const service of services) {
    try {
      const driver = deps.services(service);
      const verdict = await driver.validate();
      if (!verdict.ok) {
        unfinished.set(service, `the configuration on disk does not validate: ${verdict.message}`);
        continue;
      }
      await reloadOrStart(driver, false, true);
      reloaded.push(service);
    } catch (err) {
      unfinished.set(service, asTendError(err).message);
    }
  }
  await deps.journal.finish();
  return { undone: pending.map((e) => e.key), recorded: done.map((e) => e.key), reloaded, unfinished };
}
