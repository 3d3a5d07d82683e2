// The nginx ServiceDriver: adopts or starts the master (embedded: daemonized with -p/-c), validates
// with the live prefix and config, and proves every reload by new worker pids and a clean error log.
import { TendError } from '../../errors/catalogue.js';
import type {
  PreflightChange,
  PreflightRefusal,
  ReloadOptions,
  ReloadResult,
  ServiceDriver,
  ValidationResult,
} from '../service.js';
import { refuseBusyListens } from './listen-preflight.js';
import { preparePrivateLogs } from './private-logs.js';
import { dumpLiveConfig, nginxBaseArgs, validateLive, validateScopedFiles } from './config-check.js';
import { lastLines, linesWith, logOffset, logSince } from '../health/observe.js';
import {
  resolveManager,
  timeoutsOf,
  type ServiceContext,
  type ServiceManager,
  type Timeouts,
} from '../health/manager.js';
import { MasterTracker, type MasterIdentity } from '../health/master-process.js';
import { findOrphans, ORPHAN_GRACE_MS, stopOrphans } from '../health/orphans.js';
import { childrenOf, liveStat, readCmdline } from '../health/proc.js';
import {
  NGINX_FATAL_TAGS,
  nginxDirectories,
  nginxFailingFiles,
  renderNginxMainConfig,
} from './main-config.js';

export class NginxDriver implements ServiceDriver {
  readonly id = 'nginx' as const;
  readonly tracker: MasterTracker;
  private readonly binary: string;
  private readonly timeouts: Timeouts;
  private manager: ServiceManager | undefined;
  /** Log files already made private by this driver: checked once, not on every validation. */
  private readonly privateLogs = new Set<string>();

  constructor(private readonly ctx: ServiceContext) {
    const n = ctx.layout.nginx;
    this.binary = ctx.nginxBinary ?? '/usr/sbin/nginx';
    this.timeouts = timeoutsOf(ctx);
    this.tracker = new MasterTracker(ctx.host, {
      id: this.id,
      stateDir: ctx.layout.stateDir,
      pidFile: n.pidFile,
      // Embedded masters carry their unique -c path in the title; Debian's own master may not.
      isOurs: (cmd) =>
        cmd.startsWith('nginx: master process') &&
        (ctx.layout.profile === 'system' || cmd.includes(n.mainConfig)),
    });
  }

  async isRunning(): Promise<boolean> {
    return (await this.tracker.current()) !== undefined;
  }

  async ensureRunning(): Promise<void> {
    await this.heal();
  }

  /** Starts the master unless one runs, first stopping the workers a dead master left behind. */
  heal(): Promise<string> {
    return this.tracker.exclusive(() => this.healLocked());
  }

  private async healLocked(): Promise<string> {
    await this.prepare();
    if (await this.tracker.current()) return 'running';
    const n = this.ctx.layout.nginx;
    const orphans = await findOrphans(this.ctx.host, {
      title: /^nginx: (worker|cache manager|cache loader) process/,
      masterTitle: /^nginx: master process/,
      tcpPorts: [n.listenPort, n.tlsPort],
    });
    // QUIT: a worker closes its listen sockets at once and finishes the requests it is serving.
    const how = await stopOrphans(this.ctx.host, orphans, 'SIGQUIT', ORPHAN_GRACE_MS);
    await this.start();
    return how;
  }

  private async start(): Promise<void> {
    const n = this.ctx.layout.nginx;
    const offset = await logOffset(this.ctx.host, n.errorLog);
    const result =
      (await this.managerOf()) === 'systemd'
        ? await this.ctx.host.exec('systemctl', ['start', 'nginx'], { timeoutMs: this.timeouts.startMs })
        : await this.ctx.host.exec(this.binary, nginxBaseArgs(this.ctx), {
            timeoutMs: this.timeouts.startMs,
          });
    const failure = async (why: string) =>
      new TendError('TEND_ERR_SERVICE_START', `nginx did not start: ${why}`, {
        service: this.id,
        output: lastLines(`${result.stderr}\n${await logSince(this.ctx.host, n.errorLog, offset)}`.trim()),
      });
    if (result.exitCode !== 0) throw await failure(`exit code ${result.exitCode}: ${result.stderr.trim()}`);
    const master = await this.tracker.waitForNew(this.timeouts.startMs);
    if (!master) throw await failure(`no live master in ${n.pidFile} after ${this.timeouts.startMs} ms`);
    if (!(await this.waitServing(master))) {
      throw await failure(
        `master ${master.pid} has no workers listening on ${n.listenAddress}:${n.listenPort}`,
      );
    }
  }

  async validate(): Promise<ValidationResult> {
    await this.prepare();
    return validateLive(this.ctx);
  }

  /** `nginx -t` over only `files` of the vhosts (embedded): see config-check.ts. */
  async validateScoped(files: readonly string[]): Promise<ValidationResult | undefined> {
    if (this.ctx.layout.profile !== 'embedded') return undefined;
    await this.prepare();
    return validateScopedFiles(this.ctx, files);
  }

  /** What nginx would load (`nginx -T`), to judge tend's vhosts against files tend does not own. */
  async dumpConfig(): Promise<string | undefined> {
    await this.prepare();
    return dumpLiveConfig(this.ctx);
  }

  /** A vhost whose listen port another process holds would fail the whole reload: held alone. */
  async preflight(changes: readonly PreflightChange[]): Promise<Map<string, PreflightRefusal>> {
    const n = this.ctx.layout.nginx;
    const master = await this.tracker.current();
    return refuseBusyListens(this.ctx.host, changes, {
      ...(master ? { masterPid: master.pid } : {}),
      mainListen: { address: n.listenAddress, port: n.listenPort },
    });
  }

  /** Exclusive with heal(), so the master watch never takes a reload's re-exec for a death. */
  reload(opts: ReloadOptions = {}): Promise<ReloadResult> {
    return this.tracker.exclusive(() => this.reloadLocked(opts));
  }

  private async reloadLocked(opts: ReloadOptions): Promise<ReloadResult> {
    const started = this.ctx.host.now();
    const duration = () => this.ctx.host.now() - started;
    const check = opts.validated ? { ok: true as const, message: '' } : await this.validate();
    if (!check.ok) {
      throw new TendError(
        'TEND_ERR_VALIDATION_FAILED',
        `nginx refused the config, not reloading: ${check.message}`,
        {
          service: this.id,
          failingFiles: check.failingFiles,
        },
      );
    }
    const master = await this.tracker.current();
    if (!master || opts.restart) {
      if (master) await this.stopLocked();
      await this.healLocked();
      return { method: master ? 'restarted' : 'started', durationMs: duration() };
    }
    const method = await this.signalReload(master);
    return { method, durationMs: duration() };
  }

  stop(): Promise<void> {
    return this.tracker.exclusive(() => this.stopLocked());
  }

  private async stopLocked(): Promise<void> {
    const master = await this.tracker.current();
    if (!master) return;
    if ((await this.managerOf()) === 'systemd') {
      await this.ctx.host.exec('systemctl', ['stop', 'nginx'], { timeoutMs: this.timeouts.stopMs });
      if (await this.tracker.waitForExit(master, this.timeouts.stopMs))
        return void (await this.tracker.forget());
    }
    await this.tracker.stop(master, 'SIGQUIT', this.timeouts.stopMs);
  }

  /** HUP (or systemctl reload), then wait for workers the old master did not have before. */
  private async signalReload(master: MasterIdentity): Promise<string> {
    const { host, layout } = this.ctx;
    const before = await childrenOf(host, master.pid);
    const offset = await logOffset(host, layout.nginx.errorLog);
    let method = `SIGHUP to ${master.pid}`;
    if ((await this.managerOf()) === 'systemd') {
      const r = await host.exec('systemctl', ['reload', 'nginx'], { timeoutMs: this.timeouts.reloadMs });
      if (r.exitCode !== 0) throw this.reloadError(`systemctl reload nginx failed: ${r.stderr.trim()}`);
      method = 'systemctl reload nginx';
    } else {
      host.kill(master.pid, 'SIGHUP');
    }
    const deadline = host.now() + this.timeouts.reloadMs;
    for (;;) {
      const fatal = linesWith(await logSince(host, layout.nginx.errorLog, offset), NGINX_FATAL_TAGS);
      if (fatal.length > 0)
        throw this.reloadError(`the master kept the old config: ${fatal.join('\n')}`, fatal);
      if (!(await this.tracker.isAlive(master)))
        throw this.reloadError(`master ${master.pid} exited during reload`);
      // The master retires old workers only after starting new ones, so the cheap check (a few
      // known pids) gates the scan of every process for the new ones; the scan competes for the
      // same two cores as the master parsing its new config.
      if (await this.oldWorkersRetired(master, before)) {
        const fresh = (await childrenOf(host, master.pid)).filter((pid) => !before.includes(pid));
        if (fresh.length > 0) return `${method} (workers ${before.join(',') || '-'} -> ${fresh.join(',')})`;
      }
      if (host.now() >= deadline) {
        throw this.reloadError(`no new workers ${this.timeouts.reloadMs} ms after the reload signal`);
      }
      await host.sleep(25);
    }
  }

  /**
   * Old workers stop accepting when told to quit: they are gone, or retitled "shutting down" while
   * they drain open connections. Until then a request may still meet the old config.
   */
  private async oldWorkersRetired(master: MasterIdentity, before: number[]): Promise<boolean> {
    for (const pid of before) {
      const stat = await liveStat(this.ctx.host, pid);
      if (stat?.ppid !== master.pid) continue;
      if (!(await readCmdline(this.ctx.host, pid)).includes('shutting down')) return false;
    }
    return true;
  }

  private reloadError(message: string, lines: string[] = []): TendError {
    return new TendError('TEND_ERR_RELOAD_FAILED', `nginx reload did not take effect: ${message}`, {
      service: this.id,
      failingFiles: nginxFailingFiles(lines.join('\n')),
    });
  }

  /** Up means: the master has workers and (embedded) the default listen socket is bound. */
  private async waitServing(master: MasterIdentity): Promise<boolean> {
    const { host, layout } = this.ctx;
    const deadline = host.now() + this.timeouts.startMs;
    for (;;) {
      const workers = await childrenOf(host, master.pid);
      const bound =
        layout.profile !== 'embedded' ||
        !(await host.portIsFree(layout.nginx.listenPort, layout.nginx.listenAddress));
      if (workers.length > 0 && bound) return true;
      if (host.now() >= deadline || !(await this.tracker.isAlive(master))) return false;
      await host.sleep(25);
    }
  }

  /** Embedded: create the tree and (re)write the main config when it differs. System: leave it. */
  private async prepare(): Promise<void> {
    const { host, layout } = this.ctx;
    await preparePrivateLogs(this.ctx, this.privateLogs);
    if (layout.profile !== 'embedded') return;
    for (const dir of nginxDirectories(layout)) await host.fs.mkdirp(dir);
    const wanted = renderNginxMainConfig(
      layout,
      host.isRoot() ? { user: this.ctx.webUser ?? 'www-data' } : {},
    );
    if ((await host.fs.readFile(layout.nginx.mainConfig)) !== wanted) {
      await host.fs.writeFileAtomic(layout.nginx.mainConfig, wanted, 0o644);
    }
  }

  private async managerOf(): Promise<ServiceManager> {
    this.manager ??= await resolveManager(this.ctx);
    return this.manager;
  }
}
