// Owns the running terminal servers: apply() starts, updates and stops them to match the desired set,
// and every change or session event comes out as one 'event' ({ key, type, reason, message }).
import { EventEmitter } from 'node:events';
import { asTendError, TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';
import type { Terminal, TerminalSpec } from '../model/terminal.js';
import type { Cgroups } from '../host/cgroup.js';
import type { PtyProvider } from './pty.js';
import { TerminalServer, type SessionEvent, type TerminalLogger, type TerminalStatus } from './server.js';
import { ensureTerminalToken, removeTerminalToken } from './token.js';

export interface TerminalEvent {
  key: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export type TerminalApplyResult = { ok: true; url: string; port: number } | { ok: false; error: TendError };

export interface TerminalManagerOptions {
  host: Host;
  stateDir: string;
  now?: () => number;
  logger?: TerminalLogger;
  pty?: PtyProvider;
  /** Where sessions get their cgroups (default: this host's); see host/cgroup.ts. */
  cgroups?: Cgroups;
  /**
   * Who listens on a TCP port now ("pid 12 (python3)"), undefined when free: a fixed `port` another
   * process holds is refused with TEND_ERR_PORT_IN_USE naming it (decision 0042). Absent: not checked.
   */
  portHolder?: (port: number, address: string) => Promise<string | undefined>;
}

interface Running {
  server: TerminalServer;
  spec: TerminalSpec;
  port: number;
}

const keyOf = (name: string) => `Terminal/${name}`;

/** ttyd is not packaged for Debian bookworm; the builtin backend is the one tend runs. */
export async function checkBackend(host: Host, spec: TerminalSpec, name: string): Promise<void> {
  if (spec.backend !== 'ttyd') return;
  const ttyd = await host.which('ttyd');
  throw new TendError(
    'TEND_ERR_UNSUPPORTED',
    ttyd === undefined
      ? `Terminal/${name}: backend ttyd needs the ttyd binary on PATH, found none (Debian bookworm does not ` +
          'package it); use backend: builtin'
      : `Terminal/${name}: ttyd is installed at ${ttyd}, but tend drives only the builtin backend; use backend: builtin`,
    { backend: 'ttyd', found: ttyd ?? null },
  );
}

export class TerminalManager extends EventEmitter {
  private readonly running = new Map<string, Running>();
  /** apply() calls run one at a time, so two passes never start the same terminal twice. */
  private chain: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: TerminalManagerOptions) {
    super();
  }

  /**
   * Converges the running servers on `terminals`, which must be the complete desired set from a
   * clean load (anything missing is stopped). `ports(key)` is asked only for `port: auto`.
   */
  apply(terminals: readonly Terminal[], ports: (key: string) => Promise<number>) {
    const run = this.chain.then(() => this.converge(terminals, ports));
    this.chain = run.catch(() => undefined);
    return run;
  }

  status(name: string): (TerminalStatus & { port: number }) | undefined {
    const r = this.running.get(keyOf(name));
    return r && { ...r.server.status(), port: r.server.port };
  }

  /** Stops every server (for `tend serve` shutting down); tokens stay, so URLs keep working after a restart. */
  async stopAll(): Promise<void> {
    await this.chain;
    await Promise.all([...this.running.keys()].map((key) => this.stopOne(key, 'tend is stopping')));
  }

  /** For a Terminal pruned from the inventory: its token goes too, so a later namesake gets a new one. */
  async forget(name: string): Promise<void> {
    await this.stopOne(keyOf(name), 'the Terminal was deleted');
    await removeTerminalToken(this.opts.host, this.opts.stateDir, name);
  }

  private emitEvent(event: TerminalEvent): void {
    this.emit('event', event);
  }

  private async converge(terminals: readonly Terminal[], ports: (key: string) => Promise<number>) {
    const results = new Map<string, TerminalApplyResult>();
    const wanted = new Set(terminals.map((t) => keyOf(t.metadata.name)));
    for (const key of [...this.running.keys()])
      if (!wanted.has(key)) await this.stopOne(key, 'the Terminal is no longer desired');
    for (const terminal of terminals) {
      const key = keyOf(terminal.metadata.name);
      results.set(key, await this.ensureOrStop(terminal, ports));
    }
    return results;
  }

  /** One Terminal's server converged to its spec; a spec that cannot be served stops it. */
  private async ensureOrStop(
    terminal: Terminal,
    ports: (key: string) => Promise<number>,
  ): Promise<TerminalApplyResult> {
    const key = keyOf(terminal.metadata.name);
    try {
      return await this.ensure(terminal, ports);
    } catch (err) {
      const error = asTendError(err);
      await this.stopOne(key, 'its spec cannot be served');
      this.emitEvent({ key, type: 'Warning', reason: 'Failed', message: error.message });
      return { ok: false, error };
    }
  }

  /**
   * Converges one Terminal (stops it when `terminal` is undefined) and leaves every other server as
   * it is: what a runtime driver does with one plan change. Serialised with apply().
   */
  applyOne(
    name: string,
    terminal: Terminal | undefined,
    ports: (key: string) => Promise<number>,
  ): Promise<TerminalApplyResult | undefined> {
    const run = this.chain.then(async () => {
      if (terminal) return this.ensureOrStop(terminal, ports);
      await this.stopOne(keyOf(name), 'the Terminal is no longer desired');
      return undefined;
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** The spec a Terminal's server runs now (a runtime driver's drift check). */
  specOf(name: string): TerminalSpec | undefined {
    return this.running.get(keyOf(name))?.spec;
  }

  /** The names of the Terminals whose servers run now. */
  names(): string[] {
    return [...this.running.keys()].map((k) => k.slice('Terminal/'.length)).sort();
  }

  private async ensure(
    terminal: Terminal,
    ports: (key: string) => Promise<number>,
  ): Promise<TerminalApplyResult> {
    const { name } = terminal.metadata;
    const { spec } = terminal;
    const key = keyOf(name);
    await checkBackend(this.opts.host, spec, name);
    const port = typeof spec.port === 'number' ? spec.port : await ports(key);
    const current = this.running.get(key);
    if (current && current.port === port) {
      if (JSON.stringify(current.spec) !== JSON.stringify(spec)) {
        await current.server.update(spec);
        current.spec = spec;
        this.emitEvent({
          key,
          type: 'Normal',
          reason: 'Updated',
          message: `reconfigured at ${current.server.url}`,
        });
      }
      return { ok: true, url: current.server.url, port };
    }
    if (current) await this.stopOne(key, `its port changed from ${current.port} to ${port}`);
    const holder = typeof spec.port === 'number' ? await this.opts.portHolder?.(port, spec.bind) : undefined;
    if (holder)
      throw new TendError(
        'TEND_ERR_PORT_IN_USE',
        `port ${port} on ${spec.bind} is already in use by ${holder}, a process tend does not manage; ` +
          `the terminal is not started, and that process keeps the port. Free the port (tend retries) ` +
          `or choose another port`,
      );
    const token = await ensureTerminalToken(this.opts.host, this.opts.stateDir, name);
    const server = new TerminalServer({
      spec,
      name,
      port,
      token,
      host: this.opts.host,
      ...this.serverExtras(),
    });
    server.on('session', (e: SessionEvent) => this.emitEvent(sessionEvent(key, e)));
    const { url } = await server.start();
    this.running.set(key, { server, spec, port });
    this.emitEvent({ key, type: 'Normal', reason: 'Started', message: `listening at ${url} (${spec.mode})` });
    return { ok: true, url, port: server.port };
  }

  private serverExtras() {
    const { now, logger, pty, cgroups } = this.opts;
    return {
      ...(now ? { now } : {}),
      ...(logger ? { logger } : {}),
      ...(pty ? { pty } : {}),
      ...(cgroups ? { cgroups } : {}),
    };
  }

  private async stopOne(key: string, why: string): Promise<void> {
    const current = this.running.get(key);
    if (!current) return;
    this.running.delete(key);
    await current.server.stop();
    current.server.removeAllListeners('session');
    this.emitEvent({
      key,
      type: 'Normal',
      reason: 'Stopped',
      message: `stopped: ${why}; every session was ended`,
    });
  }
}

function sessionEvent(key: string, e: SessionEvent): TerminalEvent {
  switch (e.type) {
    case 'opened':
      return { key, type: 'Normal', reason: 'SessionOpened', message: e.message };
    case 'closed':
      return { key, type: 'Normal', reason: 'SessionClosed', message: e.message };
    case 'rejected':
      return { key, type: 'Warning', reason: 'SessionRejected', message: e.message };
    case 'expired':
      return {
        key,
        type: 'Normal',
        reason: 'Expired',
        message: `the terminal ${e.message}; new sessions are refused`,
      };
  }
}
