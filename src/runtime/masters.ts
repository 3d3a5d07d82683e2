// The master watch of `tend serve`: the embedded nginx and php-fpm masters are daemons, not children,
// so nothing tells tend when one dies. Every tick reads each recorded master's /proc/<pid>/stat; a
// dead one is an outage: a Warning event, Healthy/Ready False (reason MasterDown) on the resources it
// serves, /readyz not ready, then heal() (stop the workers it left holding its sockets, restart) and
// a Normal event with the time from detection to serving again. See docs/decisions/0019.
import { serviceDriverFor, type ServiceContext } from '../drivers/services.js';
import type { ServiceDriver } from '../drivers/service.js';
import { MasterTracker, type MasterIdentity } from '../drivers/health/master-process.js';
import { asTendError } from '../errors/catalogue.js';
import { ListingMemo } from '../host/listing-memo.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource, ResourceKey } from '../model/index.js';
import type { ServiceId } from '../model/service.js';
import { setCondition } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { StatusStore } from '../state/status-store.js';

export const MASTER_WATCH_MS = 500;
const WATCHED = /^(nginx|php-fpm@\d+\.\d+)$/;

export interface MasterWatchOptions {
  host: Host;
  layout: Layout;
  events: EventLog;
  store: StatusStore;
  serviceContext?: Partial<ServiceContext>;
  /** The resources a service serves (from the last load), which get the MasterDown condition. */
  affected: (service: ServiceId) => ResourceKey[];
  /** After a heal: a pass re-probes the affected resources and writes their status. */
  onHealed: (service: ServiceId) => void;
  intervalMs?: number;
}

interface Outage {
  since: number;
  message: string;
  attempts: number;
  nextTry: number;
  lastError?: string;
}

type Healable = ServiceDriver & { heal(): Promise<string>; tracker: MasterTracker };

export class MasterWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private readonly outages = new Map<ServiceId, Outage>();
  private readonly drivers = new Map<ServiceId, Healable>();
  private readonly checks = new Map<ServiceId, Promise<void>>();
  /** The record directory is listed again only when it changed: the watch looks twice a second. */
  private readonly listing: ListingMemo;
  /**
   * What the last full check found alive, with the record text it read: while the record reads the
   * same and that process still runs, a tick needs nothing more (stillAlive).
   */
  private readonly alive = new Map<ServiceId, { record: string; master: MasterIdentity }>();

  constructor(private readonly opts: MasterWatchOptions) {
    this.listing = new ListingMemo(opts.host.fs, () => opts.host.now());
  }

  /** Why the host is not serving as declared, or undefined; /readyz reports it. */
  get outage(): string | undefined {
    const all = [...this.outages.values()].map((o) => o.message);
    return all.length > 0 ? all.join('; ') : undefined;
  }

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => (this.running = undefined));
    }, this.opts.intervalMs ?? MASTER_WATCH_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** One look at every recorded master: the quick one, then the full check where it is not enough. */
  async tick(): Promise<void> {
    for (const id of await this.recorded()) if (!(await this.stillAlive(id))) await this.checkNow(id);
  }

  /**
   * The quick look of a tick (twice a second for the daemon's life): the record as the last full
   * check read it, and its master still running. It reads what that check read, one memoized file
   * and one /proc stat, without the driver's lock or a parse, and says nothing on its own: anything
   * else (a new record, a dead or replaced master, an outage) goes to the full check (0054).
   */
  private async stillAlive(id: ServiceId): Promise<boolean> {
    const last = this.alive.get(id);
    if (!last || this.outages.has(id)) return false;
    const { tracker } = this.driver(id);
    return (await tracker.recordText()) === last.record && (await tracker.isAlive(last.master));
  }

  /**
   * Checks one master now, with the same report and heal as a tick; a pass calls it before starting
   * a master it finds down, so a death is reported however it is found. One check per master at a time.
   */
  checkNow(id: ServiceId): Promise<void> {
    const run = (this.checks.get(id) ?? Promise.resolve()).then(() =>
      this.check(id).catch((err) => {
        this.opts.events.record({
          type: 'Warning',
          reason: 'MasterWatchFailed',
          message: `${id}: ${asTendError(err).message}`,
        });
      }),
    );
    this.checks.set(id, run);
    return run;
  }

  /** Services tend has started and not stopped: each has a record in <stateDir>/services/. */
  private async recorded(): Promise<ServiceId[]> {
    const dir = `${this.opts.layout.stateDir}/services`;
    const names = await this.listing.list(dir).catch(() => [] as string[]);
    const ids = names.filter((n) => n.endsWith('.json')).map((n) => n.slice(0, -'.json'.length));
    return [...new Set([...ids, ...this.outages.keys()])].filter((id) => WATCHED.test(id)) as ServiceId[];
  }

  private driver(id: ServiceId): Healable {
    let d = this.drivers.get(id);
    if (!d) {
      const ctx = { host: this.opts.host, layout: this.opts.layout, ...this.opts.serviceContext };
      d = serviceDriverFor(id, ctx) as Healable;
      this.drivers.set(id, d);
    }
    return d;
  }

  private async check(id: ServiceId): Promise<void> {
    const driver = this.driver(id);
    const { host } = this.opts;
    let outage = this.outages.get(id);
    if (!outage) {
      // Under the driver's lock: a reload's re-exec (new pid) is never taken for a death.
      const dead = await driver.tracker.exclusive(async () => {
        this.alive.delete(id);
        const record = await driver.tracker.recordText();
        if (record === undefined) return undefined;
        const master = await driver.tracker.current();
        if (master) {
          // current() may have adopted a master and rewritten the record: the next tick reads it anew.
          this.alive.set(id, { record, master });
          return undefined;
        }
        const pid = /"pid":\s*(\d+)/.exec(record)?.[1] ?? '?';
        return `the ${id} master (pid ${pid}) died`;
      });
      if (!dead) return;
      outage = { since: host.now(), message: dead, attempts: 0, nextTry: 0 };
      this.outages.set(id, outage);
      this.opts.events.record({
        type: 'Warning',
        reason: 'MasterDown',
        message: `${dead}; its sites are not served as declared until it is restarted`,
      });
    }
    this.markDown(id, outage);
    if (host.now() < outage.nextTry) return;
    outage.attempts++;
    try {
      const how = await driver.heal();
      const ms = host.now() - outage.since;
      this.outages.delete(id);
      this.opts.events.record({
        type: 'Normal',
        reason: 'MasterRestarted',
        message: `${id} master restarted ${ms} ms after its death was seen (${how})`,
      });
      this.opts.onHealed(id);
    } catch (err) {
      const message = asTendError(err).message;
      // Capped backoff, and one event per distinct failure: a broken start must not flood the log.
      outage.nextTry = host.now() + Math.min(60_000, 1_000 * 2 ** Math.min(outage.attempts - 1, 6));
      if (message !== outage.lastError)
        this.opts.events.record({
          type: 'Warning',
          reason: 'MasterRestartFailed',
          message: `${id}: ${message}`,
        });
      outage.lastError = message;
    }
  }

  /** Healthy and Ready False on what the service serves, re-asserted each tick while it lasts. */
  private markDown(id: ServiceId, outage: Outage): void {
    const { store } = this.opts;
    const message = `${outage.message}; tend is restarting it`;
    const now = this.opts.host.now();
    let changed = false;
    for (const key of this.opts.affected(id)) {
      const current = store.get(key);
      if (!current) continue;
      let next = setCondition(
        current,
        { type: 'Healthy', status: 'False', reason: 'MasterDown', message },
        now,
      );
      next = setCondition(next, { type: 'Ready', status: 'False', reason: 'MasterDown', message }, now);
      if (next !== current) {
        store.put(next);
        changed = true;
      }
    }
    if (changed) store.saveSoon();
  }
}

/** nginx serves every Site; a php-fpm master serves its version's Pools and the Sites that use them. */
export function affectedBy(service: ServiceId, loaded: readonly { key: ResourceKey; resource: Resource }[]) {
  if (service === 'nginx') return loaded.filter((r) => r.resource.kind === 'Site').map((r) => r.key);
  const version = service.slice('php-fpm@'.length);
  const pools = new Set(
    loaded.flatMap((r) =>
      r.resource.kind === 'Pool' && r.resource.spec.php === version ? [r.resource.metadata.name] : [],
    ),
  );
  return loaded
    .filter(
      (r) =>
        (r.resource.kind === 'Pool' && pools.has(r.resource.metadata.name)) ||
        (r.resource.kind === 'Site' &&
          r.resource.spec.php !== undefined &&
          pools.has(r.resource.spec.php.pool)),
    )
    .map((r) => r.key);
}
