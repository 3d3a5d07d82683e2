// The ServiceDriver for supervisord. Embedded: tend's own daemon (daemon.ts). System: the
// distribution's supervisord on its socket, which tend uses but never starts twice or stops.
import { TendError, isTendError } from '../../errors/catalogue.js';
import type { Host } from '../../host/host.js';
import type { Layout } from '../../layout/layout.js';
import { parseManagedHeader } from '../../render/types.js';
import type { ReloadOptions, ReloadResult, ServiceDriver, ValidationResult } from '../service.js';
import { SupervisordClient } from './client.js';
import { EmbeddedSupervisord } from './daemon.js';
import { syncSupervisord, type SupervisordChanges, type SyncResult } from './sync.js';
import { validateLive, validateOffline } from './validate.js';

export interface SupervisordDriverOptions {
  host: Host;
  layout: Layout;
  /** Default /usr/bin/supervisord. */
  binary?: string;
  startTimeoutMs?: number;
  /** How long stopping one group may block (longest stop.timeout plus margin). */
  stopTimeoutMs?: number;
}

export class SupervisordDriver implements ServiceDriver {
  readonly id = 'supervisord' as const;
  readonly client: SupervisordClient;
  /** The last sync's result, for status and events. */
  lastSync: SyncResult | undefined;
  private readonly daemon: EmbeddedSupervisord | undefined;
  private readonly binary: string;
  private pending: SupervisordChanges = { added: [], changed: [], removed: [] };

  constructor(private readonly opts: SupervisordDriverOptions) {
    this.binary = opts.binary ?? '/usr/bin/supervisord';
    this.client = new SupervisordClient({ socket: opts.layout.supervisord.socket });
    this.daemon =
      opts.layout.profile === 'embedded'
        ? new EmbeddedSupervisord(opts.host, opts.layout, this.client, this.binary, opts.startTimeoutMs)
        : undefined;
  }

  /** The executor reports which program files it wrote or removed; the next reload() applies them. */
  enqueue(changes: Partial<SupervisordChanges>): void {
    for (const k of ['added', 'changed', 'removed'] as const)
      this.pending[k] = [...new Set([...this.pending[k], ...(changes[k] ?? [])])];
  }

  noteChanges(changes: readonly { name: string; action: 'create' | 'update' | 'delete' }[]): void {
    const pick = (action: string) => changes.filter((c) => c.action === action).map((c) => c.name);
    this.enqueue({ added: pick('create'), changed: pick('update'), removed: pick('delete') });
  }

  async ensureRunning(): Promise<void> {
    if (this.daemon) {
      await this.daemon.ensureRunning();
      return;
    }
    if (await this.answers()) return;
    throw new TendError(
      'TEND_ERR_SERVICE_START',
      `the system supervisord does not answer on ${this.client.socket}; expected it running (systemctl start supervisor)`,
    );
  }

  async validate(): Promise<ValidationResult> {
    if (await this.isRunning()) return validateLive(this.client);
    // A fresh embedded root has no main config until the daemon first starts: without it every
    // program file would read as "live configuration already invalid" and never be applied.
    await this.daemon?.prepare();
    return validateOffline(this.opts.host, this.binary, this.opts.layout.supervisord.mainConfig);
  }

  async reload(opts: ReloadOptions = {}): Promise<ReloadResult> {
    const started = this.opts.host.now();
    if (opts.restart) {
      if (this.daemon) {
        await this.daemon.stop(this.opts.stopTimeoutMs);
        await this.daemon.ensureRunning();
        this.pending = { added: [], changed: [], removed: [] };
        return { method: 'restarted supervisord', durationMs: this.opts.host.now() - started };
      }
      throw new TendError(
        'TEND_ERR_UNSUPPORTED',
        'tend does not restart the system supervisord; it reloads groups',
      );
    }
    const changes = await this.withManagedDrift(this.pending);
    const result = await syncSupervisord(this.client, changes, { stopTimeoutMs: this.opts.stopTimeoutMs });
    this.lastSync = result;
    this.pending = { added: [], changed: [], removed: [] };
    const touched = Object.values(result.actions).filter((a) => a !== 'in sync').length;
    return {
      method: `reloadConfig and ${touched} group change(s)`,
      durationMs: this.opts.host.now() - started,
    };
  }

  async isRunning(): Promise<boolean> {
    if (this.daemon) return (await this.daemon.runningPid()) !== undefined;
    return this.answers();
  }

  /** Embedded: shut tend's supervisord down (it stops its programs first). System: not tend's to stop. */
  async stop(): Promise<void> {
    await this.daemon?.stop(this.opts.stopTimeoutMs);
  }

  private async answers(): Promise<boolean> {
    try {
      await this.client.getState();
      return true;
    } catch (err) {
      if (isTendError(err, 'TEND_ERR_SUPERVISORD')) return false;
      throw err;
    }
  }

  /**
   * Adds the groups whose program file carries tend's header but which supervisord runs in another
   * version (or not at all): that heals a sync that a crash interrupted after the files were written.
   */
  private async withManagedDrift(changes: SupervisordChanges): Promise<SupervisordChanges> {
    const diff = await this.client.reloadConfig();
    const drifted: string[] = [];
    for (const group of [...diff.added, ...diff.changed]) {
      const content = await this.opts.host.fs.readFile(this.opts.layout.supervisord.programFile(group));
      if (content && parseManagedHeader(content) === `Program/${group}`) drifted.push(group);
    }
    return { ...changes, changed: [...new Set([...changes.changed, ...drifted])] };
  }
}
