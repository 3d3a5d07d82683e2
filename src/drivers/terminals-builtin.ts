// The builtin Terminals' runtime driver: each Terminal is one web-terminal server inside tend. It
// observes which servers listen and applies one plan change to the one Terminal it names; a
// deleted Terminal's token and port lease go with it, so a later namesake gets new ones.
import type { Terminal } from '../model/index.js';
import type { TerminalApplyResult, TerminalManager } from '../terminal/index.js';
import type { RuntimeApplyChange, RuntimeApplyResult, RuntimeDriver, RuntimeObservation } from './runtime.js';

/** What status needs of one Terminal, all observed: its server now and what its last apply reported. */
export interface TerminalFacts {
  /** The last apply's report (URL and port, or why it cannot be served); absent before the first. */
  lastApply?:
    { ok: true; url: string; port: number } | { ok: false; error: { code: string; message: string } };
  /** The server's URL while it listens; absent when it does not run or does not listen. */
  url?: string;
  port?: number;
  sessions: number;
  /** maxDuration reached: the server refuses new sessions. */
  expired: boolean;
}

export interface ObservedTerminal extends RuntimeObservation {
  key: `Terminal/${string}`;
  terminal: TerminalFacts;
}

export interface TerminalsDriverOptions {
  /** A `port: auto` Terminal's port, from the controller's one lease store. */
  ports: (key: string) => Promise<number>;
  /** Called once a deleted Terminal's server stopped: its lease is released. */
  released?: (key: string) => Promise<void>;
}

export class BuiltinTerminalsDriver implements RuntimeDriver<Terminal> {
  readonly kind = 'Terminal' as const;
  /** What each Terminal's last apply reported (URL and port, or why it cannot be served). */
  private readonly results = new Map<string, TerminalApplyResult>();

  constructor(
    private readonly manager: TerminalManager,
    private readonly opts: TerminalsDriverOptions,
  ) {}

  /** The Terminals whose server runs now. */
  observe(): ObservedTerminal[] {
    return this.manager.names().flatMap((name) => this.observeOne(name) ?? []);
  }

  /**
   * One Terminal as observed: its server, and what its last apply reported, so one whose server
   * could not start (its port taken, an unsupported backend) is seen Failed with why. Undefined
   * before its first apply and after its delete.
   */
  observeOne(name: string): ObservedTerminal | undefined {
    const st = this.manager.status(name);
    const last = this.results.get(name);
    if (!st && !last) return undefined;
    const key = `Terminal/${name}` as const;
    const lastApply: TerminalFacts['lastApply'] = last
      ? last.ok
        ? { ok: true, url: last.url, port: last.port }
        : { ok: false, error: { code: last.error.code, message: last.error.message } }
      : undefined;
    const terminal: TerminalFacts = {
      ...(lastApply ? { lastApply } : {}),
      ...(st?.url !== undefined ? { url: st.url } : {}),
      ...(st ? { port: st.port } : {}),
      sessions: st?.sessions.length ?? 0,
      expired: st?.expired ?? false,
    };
    if (!st && lastApply && !lastApply.ok)
      return {
        key,
        phase: 'Failed',
        message: lastApply.error.message,
        instances: [],
        error: lastApply.error,
        terminal,
      };
    const listening = st?.url !== undefined;
    return {
      key,
      phase: listening ? 'Ready' : 'Progressing',
      message: listening ? `serving at ${st.url} (${st.sessions.length} session(s))` : 'not listening yet',
      // The server runs inside tend: no pid of its own, one instance.
      instances: [
        {
          index: 0,
          pid: undefined,
          state: listening ? 'listening' : 'starting',
          ready: listening,
          port: st?.port,
          generation: '',
        },
      ],
      terminal,
    };
  }

  async apply(change: RuntimeApplyChange<Terminal>): Promise<RuntimeApplyResult> {
    const { key } = change;
    const name = key.slice('Terminal/'.length);
    if (change.action === 'no-op') return { key, did: 'none' };
    const ran = this.manager.names().includes(name);
    if (change.action === 'delete' || !change.resource) {
      await this.manager.applyOne(name, undefined, this.opts.ports);
      await this.manager.forget(name);
      await this.opts.released?.(key);
      this.results.delete(name);
      return { key, did: ran ? 'stop' : 'none' };
    }
    const portBefore = this.manager.status(name)?.port;
    const result = await this.manager.applyOne(name, change.resource, this.opts.ports);
    if (result) this.results.set(name, result);
    if (result && !result.ok)
      return {
        key,
        did: ran ? 'stop' : 'none',
        error: { code: result.error.code, message: result.error.message },
      };
    // Same port: the server took the new spec in place (sessions keep running unless the identity
    // changed); another port: it was stopped and started again.
    if (!ran) return { key, did: 'start' };
    return { key, did: this.manager.status(name)?.port === portBefore ? 'none' : 'restart' };
  }
}
