// The daemon's Terminals: the built-in terminal servers live in `tend serve`. Each pass hands the
// runtime driver (drivers/terminals-builtin.ts) the plan's Terminal steps plus the drift observation
// finds (runtime-changes.ts), never stopping one while the source is broken; `port: auto` ports come
// from the same lease store as Programs. Status is read from the driver's observation
// (terminal-status.ts): URL and sessions, never the token.
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource, ResourceKey, Terminal } from '../model/index.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { PortLeases } from '../state/port-leases.js';
import type { StatusStore } from '../state/status-store.js';
import { TerminalManager, type TerminalEvent } from '../terminal/index.js';
import type { HealthVerdict } from '../observe/assess.js';
import { tcpPortHolder } from '../drivers/health/socket-holders.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import { BuiltinTerminalsDriver } from '../drivers/terminals-builtin.js';
import { runtimeChanges } from './runtime-changes.js';
import { terminalStatus, terminalVerdict } from './terminal-status.js';

/** Manager events after which a Terminal's session count changed. */
const SESSION_REASONS = new Set(['SessionOpened', 'SessionClosed']);

export interface TerminalsOptions {
  host: Host;
  layout: Layout;
  events: EventLog;
  store: StatusStore;
  leases: PortLeases;
}

export class TerminalsBridge {
  readonly manager: TerminalManager;
  /** The runtime driver every start, reconfigure and stop goes through. */
  readonly driver: BuiltinTerminalsDriver;
  /** The Terminals last applied, kept as they are while the source cannot be trusted. */
  private known = new Map<string, Terminal>();

  constructor(private readonly opts: TerminalsOptions) {
    this.manager = new TerminalManager({
      host: opts.host,
      stateDir: opts.layout.stateDir,
      portHolder: (port, address) => tcpPortHolder(opts.host, port, address),
    });
    const { leases } = opts;
    this.driver = new BuiltinTerminalsDriver(this.manager, {
      ports: (key) =>
        leases.acquire(key, {
          heldByUs: (port) => this.manager.status(key.slice('Terminal/'.length))?.port === port,
        }),
      // A Terminal deleted from the desired state loses its token and its lease with it.
      released: (key) => leases.release(key),
    });
    this.manager.on('event', (ev: TerminalEvent) => {
      opts.events.record({
        key: ev.key as ResourceKey,
        type: ev.type,
        reason: ev.reason,
        message: `${ev.key} ${ev.message}`,
      });
      // Status counts sessions: say so when one opens or closes, not at the next pass.
      if (SESSION_REASONS.has(ev.reason)) this.refreshOne(ev.key.slice('Terminal/'.length));
    });
  }

  /** One Terminal's status from its server now (sessions, URL); a no-op before the first apply. */
  refreshOne(name: string): void {
    if (!this.known.has(name)) return;
    const key: ResourceKey = `Terminal/${name}`;
    const current = this.opts.store.get(key);
    if (!current) return;
    this.opts.store.put(terminalStatus(current, this.driver.observeOne(name), Date.now()));
    this.opts.store.saveSoon();
  }

  /**
   * Converges the servers to this pass's Terminals, one change at a time: the applied plan's steps
   * (`applied`, held changes taken out) and what observation finds drifted (not serving, a spec
   * that failed, another spec than desired).
   */
  async apply(computed: ComputedPlan, applied = computed.plan): Promise<void> {
    const { load, plan } = computed;
    const desired = new Map(
      load.resources
        .map((r) => r.resource)
        .filter((r): r is Terminal => r.kind === 'Terminal')
        .map((t) => [t.metadata.name, t]),
    );
    const holdAll = plan.pruneHeld !== undefined || !load.ok;
    for (const [name, t] of this.known) if (!desired.has(name) && holdAll) desired.set(name, t);

    // A Terminal whose server failed is held too (not running): its deletion still removes its token.
    const present = new Set([...this.manager.names(), ...this.known.keys()]);
    const drifted = new Set<string>();
    for (const [name, t] of desired) {
      const spec = this.manager.specOf(name);
      const last = this.driver.observeOne(name)?.terminal.lastApply;
      if (!spec || last?.ok !== true || JSON.stringify(spec) !== JSON.stringify(t.spec)) drifted.add(name);
    }
    const changes = runtimeChanges({
      kind: 'Terminal',
      desired,
      present,
      drifted,
      planned: applied.changes,
    });
    for (const change of changes) await this.driver.apply(change);
    this.known = desired;
  }

  /** Health for the status writer: a Terminal is Ready once its server listens. */
  health(resource: Resource): HealthVerdict | undefined {
    if (resource.kind !== 'Terminal') return undefined;
    return terminalVerdict(this.driver.observeOne(resource.metadata.name));
  }

  /** A Terminal's whole status once this daemon has applied it. */
  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (resource.kind !== 'Terminal' || !this.known.has(resource.metadata.name)) return undefined;
    return terminalStatus(current, this.driver.observeOne(resource.metadata.name), Date.now());
  }

  /** After apply: every Terminal's status gets its server's verdict and URL (never its token). */
  refreshAll(): void {
    for (const name of this.known.keys()) {
      const key: ResourceKey = `Terminal/${name}`;
      const current = this.opts.store.get(key);
      if (current) this.opts.store.put(terminalStatus(current, this.driver.observeOne(name), Date.now()));
    }
  }

  async stop(): Promise<void> {
    this.manager.removeAllListeners('event');
    await this.manager.stopAll();
  }
}
