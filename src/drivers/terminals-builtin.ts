// The builtin Terminals' runtime driver: each Terminal is one web-terminal server inside tend. It
// observes which servers listen and applies one plan change to the one Terminal it names; a
// deleted Terminal's token and port lease go with it, so a later namesake gets new ones.
import type { Terminal } from '../model/index.js';
import type { TerminalApplyResult, TerminalManager } from '../terminal/index.js';
import type { RuntimeApplyChange, RuntimeApplyResult, RuntimeDriver, RuntimeObservation } from './runtime.js';

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

  observe(): RuntimeObservation[] {
    return this.manager.names().flatMap((name) => {
      const st = this.manager.status(name);
      if (!st) return [];
      const listening = st.url !== undefined;
      return [
        {
          key: `Terminal/${name}` as const,
          phase: listening ? 'Ready' : 'Progressing',
          message: listening
            ? `serving at ${st.url} (${st.sessions.length} session(s))`
            : 'not listening yet',
          // The server runs inside tend: no pid of its own, one instance.
          instances: [
            {
              index: 0,
              pid: undefined,
              state: listening ? 'listening' : 'starting',
              ready: listening,
              port: st.port,
              generation: '',
            },
          ],
        },
      ];
    });
  }

  /** What the last apply(change) of this Terminal reported; undefined before one, and after a delete. */
  lastResult(name: string): TerminalApplyResult | undefined {
    return this.results.get(name);
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
