// After a pass's apply: make the services tend owns run what is on disk. A service owes a reload when
// its reload or start failed (in this pass, in a recovered one, or in an earlier pass, as recorded in
// reloads-owed.json); it is retried once per pass, and while it fails its resources are Degraded.
// Nothing here throws: one service that cannot start never stops the others or the next pass.
import type { ApplyResult } from '../apply/executor.js';
import { reloadOrStart } from '../apply/reload.js';
import type { RecoveryReport } from '../apply/recover.js';
import type { ServiceDriver } from '../drivers/service.js';
import { asTendError } from '../errors/catalogue.js';
import type { ServiceId } from '../model/service.js';
import type { EventLog } from '../state/events.js';
import type { OwedReloads } from '../state/owed-reloads.js';

export interface ServiceSettlement {
  /** Services started or reloaded here (outside the apply): their resources are probed again. */
  started: ServiceId[];
  /** Services that still owe a reload, with the reason; their resources are not Ready. */
  degraded: Map<ServiceId, string>;
}

export async function settleServices(o: {
  services: (id: ServiceId) => ServiceDriver;
  owned: Iterable<ServiceId>;
  recovery?: RecoveryReport;
  apply: ApplyResult;
  owed: OwedReloads;
  events?: EventLog;
  /** Asked before starting an owned service found not running (tend serve's master watch). */
  beforeStart?: (service: ServiceId) => Promise<void>;
}): Promise<ServiceSettlement> {
  const { services } = o;
  const failed = new Map<ServiceId, string>(o.recovery?.unfinished ?? []);
  const paid = new Set<ServiceId>(o.recovery?.reloaded ?? []);
  for (const r of o.apply.reloads) {
    paid.add(r.service);
    failed.delete(r.service);
  }
  for (const [service, message] of o.apply.failedReloads ?? []) {
    failed.set(service, message);
    paid.delete(service);
  }
  const started: ServiceId[] = [];
  const attempt = async (service: ServiceId, how: 'reload' | 'start') => {
    try {
      const driver = services(service);
      if (how === 'start') {
        if (await driver.isRunning()) return;
        // tend serve: the master watch reports the death (event, conditions, /readyz) and heals it.
        await o.beforeStart?.(service);
        if (!(await driver.isRunning())) {
          // heal() stops workers a dead master left holding the sockets, then starts a new one.
          const result = driver.heal ? await driver.heal() : (await driver.ensureRunning(), 'started');
          if (result === 'running' || result === 'no pools') return;
          // A master found dead here (before tend serve's master watch saw it, or in a one-shot run).
          o.events?.record({
            type: 'Warning',
            reason: 'MasterRestarted',
            message: `${service} was not running and was started (${result})`,
          });
        }
      } else {
        const verdict = await driver.validate();
        if (!verdict.ok) throw new Error(`the configuration on disk does not validate: ${verdict.message}`);
        await reloadOrStart(driver, false, true);
      }
      started.push(service);
      paid.add(service);
    } catch (err) {
      failed.set(service, asTendError(err).message);
    }
  };
  const tried = (s: ServiceId) => paid.has(s) || failed.has(s);
  // Owed from an earlier pass and not attempted in this one: reload (or start) it now.
  const owedBefore = await o.owed.read();
  for (const service of owedBefore.keys()) if (!tried(service)) await attempt(service, 'reload');
  // After a reboot nothing may have changed, yet the masters are gone: start what tend owns.
  for (const service of new Set(o.owned))
    if (service !== 'none' && !tried(service) && !o.apply.reloads.some((r) => r.service === service))
      await attempt(service, 'start');

  for (const [service, message] of failed)
    o.events?.record({
      type: 'Warning',
      reason: 'ServiceDegraded',
      message: `${service} does not run the configuration on disk: ${message}; tend retries it every pass`,
    });
  for (const service of owedBefore.keys())
    if (paid.has(service))
      o.events?.record({
        type: 'Normal',
        reason: 'ServiceRecovered',
        message: `${service} runs its configuration again`,
      });
  await o.owed.update(failed, paid);
  return { started, degraded: failed };
}
