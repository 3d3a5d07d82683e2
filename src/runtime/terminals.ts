// The daemon's Terminals: the built-in terminal servers live in `tend serve`. Each pass hands the
// runtime driver (drivers/terminals-builtin.ts) the plan's Terminal steps plus the drift observation
// finds (runtime-changes.ts), never stopping one while the source is broken; `port: auto` ports come
// from the same lease store as Programs. URL and sessions go into status.
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Resource, ResourceKey, Terminal } from '../model/index.js';
import { setCondition, type ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import type { PortLeases } from '../state/port-leases.js';
import type { StatusStore } from '../state/status-store.js';
import { TerminalManager, type TerminalApplyResult, type TerminalEvent } from '../terminal/index.js';
import type { HealthVerdict } from '../observe/assess.js';
import { tcpPortHolder } from '../drivers/health/socket-holders.js';
import type { ComputedPlan } from '../pipeline/compute-plan.js';
import { BuiltinTerminalsDriver } from '../drivers/terminals-builtin.js';
import { runtimeChanges } from './runtime-changes.js';

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
  private results = new Map<string, TerminalApplyResult>();

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
    this.opts.store.put(
      terminalStatus(current, verdictOf(this.results.get(key), this.manager, name), Date.now()),
    );
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
      const last = this.results.get(`Terminal/${name}`);
      if (!spec || last?.ok !== true || JSON.stringify(spec) !== JSON.stringify(t.spec)) drifted.add(name);
    }
    const changes = runtimeChanges({
      kind: 'Terminal',
      desired,
      present,
      drifted,
      planned: applied.changes,
    });
    for (const change of changes) {
      await this.driver.apply(change);
      const result = this.driver.lastResult(change.key.slice('Terminal/'.length));
      if (result) this.results.set(change.key, result);
      else this.results.delete(change.key);
    }
    this.known = desired;
  }

  /** Health for the status writer: a Terminal is Ready once its server listens. */
  health(resource: Resource): HealthVerdict | undefined {
    if (resource.kind !== 'Terminal') return undefined;
    return verdictOf(
      this.results.get(`Terminal/${resource.metadata.name}`),
      this.manager,
      resource.metadata.name,
    );
  }

  /** A Terminal's whole status once this daemon has applied it. */
  statusFor(resource: Resource, current: ResourceStatus): ResourceStatus | undefined {
    if (resource.kind !== 'Terminal' || !this.known.has(resource.metadata.name)) return undefined;
    const verdict = verdictOf(
      this.results.get(`Terminal/${resource.metadata.name}`),
      this.manager,
      resource.metadata.name,
    );
    return terminalStatus(current, verdict, Date.now());
  }

  /** After apply: every Terminal's status gets its server's verdict and URL (never its token). */
  refreshAll(): void {
    for (const name of this.known.keys()) {
      const key: ResourceKey = `Terminal/${name}`;
      const current = this.opts.store.get(key);
      const verdict = verdictOf(this.results.get(key), this.manager, name);
      if (current) this.opts.store.put(terminalStatus(current, verdict, Date.now()));
    }
  }

  async stop(): Promise<void> {
    this.manager.removeAllListeners('event');
    await this.manager.stopAll();
  }
}

function verdictOf(
  result: TerminalApplyResult | undefined,
  manager: TerminalManager,
  name: string,
): HealthVerdict {
  if (!result) return { ok: false, message: 'not started yet', details: {} };
  if (!result.ok)
    return {
      ok: false,
      message: result.error.message,
      details: { code: result.error.code },
      ...(result.error.code === 'TEND_ERR_PORT_IN_USE' ? { reason: 'PortConflict' } : {}),
    };
  const st = manager.status(name);
  const sessions = st?.sessions.length ?? 0;
  if (st?.expired)
    return {
      ok: false,
      message: `${result.url}: expired (maxDuration reached)`,
      details: { url: result.url },
    };
  return {
    ok: st?.url !== undefined,
    message: `listening at ${result.url}, ${sessions} session(s)`,
    details: { url: result.url, port: result.port, sessions },
  };
}

export function terminalStatus(current: ResourceStatus, verdict: HealthVerdict, now: number): ResourceStatus {
  // A fixed port another process holds: not applied (phase Failed) until the port is free (0042).
  const conflict = verdict.reason === 'PortConflict';
  if (conflict || current.conditions.find((c) => c.type === 'Applied')?.reason === 'PortConflict')
    current = setCondition(
      current,
      conflict
        ? { type: 'Applied', status: 'False', reason: 'PortConflict', message: verdict.message }
        : { type: 'Applied', status: 'True', reason: 'Applied', message: 'the terminal listens on its port' },
      now,
    );
  const notListening = conflict ? 'PortConflict' : 'NotListening';
  const applied = current.conditions.find((c) => c.type === 'Applied')?.status !== 'False';
  let next = setCondition(
    current,
    {
      type: 'Healthy',
      status: verdict.ok ? 'True' : 'False',
      reason: verdict.ok ? 'Listening' : notListening,
      message: verdict.message,
    },
    now,
  );
  next = setCondition(
    next,
    {
      type: 'Ready',
      status: applied && verdict.ok ? 'True' : 'False',
      reason: verdict.ok ? 'Ready' : notListening,
      message: verdict.message,
    },
    now,
  );
  const { url, port } = verdict.details as { url?: string; port?: number };
  const outputs = { ...current.outputs, ...(url ? { url } : {}), ...(port ? { port } : {}) };
  return { ...next, health: verdict.details, outputs };
}
