// The php-fpm ServiceDriver for one PHP version: no master without pools, -t before every USR2
// (a bad config kills a re-exec'd master), and every start or reload proven by live pool sockets.
import { TendError } from '../../errors/catalogue.js';
import type { ServiceId } from '../../model/service.js';
import type {
  PreflightChange,
  PreflightRefusal,
  ReloadOptions,
  ReloadResult,
  ServiceDriver,
  ValidationResult,
} from '../service.js';
import { describeTarget, lastLines, logOffset, logSince, notListening } from '../health/observe.js';
import {
  resolveManager,
  timeoutsOf,
  type ServiceContext,
  type ServiceManager,
  type Timeouts,
} from '../health/manager.js';
import { MasterTracker, type MasterIdentity } from '../health/master-process.js';
import { findOrphans, ORPHAN_GRACE_MS, stopOrphans } from '../health/orphans.js';
import { refuseForeignPoolListens } from './listen-preflight.js';
import { phpFpmDirectories, phpFpmPrefix, renderPhpFpmMainConfig } from './main-config.js';
import { phpFpmFailingFiles, phpFpmValidationMessage, readPools, type PoolFileInfo } from './pool-files.js';

const FAILED_INIT = /FPM initialization failed|failed to (?:post process|load) the configuration/;

export class PhpFpmDriver implements ServiceDriver {
  readonly id: ServiceId;
  readonly tracker: MasterTracker;
  private readonly timeouts: Timeouts;
  private manager: ServiceManager | undefined;

  constructor(
    private readonly ctx: ServiceContext,
    readonly version: string,
  ) {
    this.id = `php-fpm@${version}`;
    this.timeouts = timeoutsOf(ctx);
    const conf = ctx.layout.php.mainConfig(version);
    this.tracker = new MasterTracker(ctx.host, {
      id: this.id,
      stateDir: ctx.layout.stateDir,
      pidFile: ctx.layout.php.pidFile(version),
      isOurs: (cmd) =>
        cmd.startsWith('php-fpm: master process') &&
        (ctx.layout.profile === 'system' || cmd.includes(`(${conf})`)),
    });
  }

  private get unit(): string {
    return `php${this.version}-fpm`;
  }

  pools(): Promise<PoolFileInfo[]> {
    return readPools(this.ctx.host, this.ctx.layout.php.poolDir(this.version));
  }

  async isRunning(): Promise<boolean> {
    return (await this.tracker.current()) !== undefined;
  }

  /** Starts the master unless one runs; a version without pools has no master (php-fpm refuses). */
  async ensureRunning(): Promise<void> {
    await this.heal();
  }

  /** Starts the master unless one runs (or no pool wants one), first stopping a dead master's workers. */
  heal(): Promise<string> {
    return this.tracker.exclusive(() => this.healLocked());
  }

  private async healLocked(): Promise<string> {
    await this.prepare();
    if (await this.tracker.current()) return 'running';
    const pools = await this.pools();
    if (pools.length === 0) return 'no pools';
    const listens = pools.flatMap((p) => [...p.listens, ...p.statusListens]);
    const orphans = await findOrphans(this.ctx.host, {
      title: /^php-fpm: pool /,
      masterTitle: /^php-fpm: master process/,
      unixPaths: listens.flatMap((l) => ('socketPath' in l ? [l.socketPath] : [])),
      tcpPorts: listens.flatMap((l) => ('port' in l ? [l.port] : [])),
    });
    // QUIT: a worker finishes its current request, then exits.
    const how = await stopOrphans(this.ctx.host, orphans, 'SIGQUIT', ORPHAN_GRACE_MS);
    await this.start(pools);
    return how;
  }

  private async start(pools: PoolFileInfo[]): Promise<void> {
    const { host, layout } = this.ctx;
    const log = layout.php.errorLog(this.version);
    const offset = await logOffset(host, log);
    const systemd = (await this.managerOf()) === 'systemd';
    const result = systemd
      ? await host.exec('systemctl', ['start', this.unit], { timeoutMs: this.timeouts.startMs })
      : await host.exec(layout.php.binary(this.version), ['-D', ...this.baseArgs()], {
          timeoutMs: this.timeouts.startMs,
        });
    const failure = async (why: string) =>
      new TendError('TEND_ERR_SERVICE_START', `php-fpm ${this.version} did not start: ${why}`, {
        service: this.id,
        output: lastLines(`${result.stderr}\n${await logSince(host, log, offset)}`.trim()),
        failingFiles: phpFpmFailingFiles(result.stderr, pools),
      });
    if (result.exitCode !== 0) {
      throw await failure(`exit code ${result.exitCode}: ${lastLines(result.stderr, 5)}`);
    }
    const master = await this.tracker.waitForNew(this.timeouts.startMs);
    if (!master) throw await failure(`no live master in ${layout.php.pidFile(this.version)}`);
    const missing = await this.waitSockets(master, pools);
    if (missing) throw await failure(`master ${master.pid} is not accepting on ${missing}`);
  }

  async validate(): Promise<ValidationResult> {
    await this.prepare();
    const pools = await this.pools();
    if (pools.length === 0) {
      return { ok: true, message: `php-fpm ${this.version}: no pools, no master needed`, failingFiles: [] };
    }
    const args = ['-t', ...this.baseArgs((await this.managerOf()) === 'systemd')];
    const result = await this.ctx.host.exec(this.ctx.layout.php.binary(this.version), args, {
      timeoutMs: 60_000,
    });
    const output = `${result.stderr}\n${result.stdout}`.trim();
    return {
      ok: result.exitCode === 0,
      message: phpFpmValidationMessage(output),
      failingFiles: result.exitCode === 0 ? [] : phpFpmFailingFiles(output, pools),
    };
  }

  /** A pool whose socket or port a process tend does not manage listens on is held back alone. */
  async preflight(changes: readonly PreflightChange[]): Promise<Map<string, PreflightRefusal>> {
    const master = await this.tracker.current();
    return refuseForeignPoolListens(this.ctx.host, changes, master ? { masterPid: master.pid } : {});
  }

  /** Exclusive with heal(), so the master watch never takes a reload's re-exec for a death. */
  reload(opts: ReloadOptions = {}): Promise<ReloadResult> {
    return this.tracker.exclusive(() => this.reloadLocked(opts));
  }

  private async reloadLocked(opts: ReloadOptions): Promise<ReloadResult> {
    const started = this.ctx.host.now();
    const duration = () => this.ctx.host.now() - started;
    const master = await this.tracker.current();
    if ((await this.pools()).length === 0) {
      if (master) await this.stopLocked();
      return { method: master ? 'stopped: no pools left' : 'none: no pools', durationMs: duration() };
    }
    // USR2 re-executes the master, which dies on a bad config: never send it unvalidated.
    const check = opts.validated ? { ok: true as const, message: '' } : await this.validate();
    if (!check.ok) {
      throw new TendError(
        'TEND_ERR_VALIDATION_FAILED',
        `php-fpm ${this.version} refused the config, not reloading: ${check.message}`,
        { service: this.id, failingFiles: check.failingFiles },
      );
    }
    if (!master || opts.restart) {
      if (master) await this.stopLocked();
      await this.healLocked();
      return { method: master ? 'restarted' : 'started', durationMs: duration() };
    }
    return { method: await this.signalReload(master), durationMs: duration() };
  }

  stop(): Promise<void> {
    return this.tracker.exclusive(() => this.stopLocked());
  }

  private async stopLocked(): Promise<void> {
    const master = await this.tracker.current();
    if (!master) return;
    if ((await this.managerOf()) === 'systemd') {
      await this.ctx.host.exec('systemctl', ['stop', this.unit], { timeoutMs: this.timeouts.stopMs });
      if (await this.tracker.waitForExit(master, this.timeouts.stopMs))
        return void (await this.tracker.forget());
    }
    await this.tracker.stop(master, 'SIGQUIT', this.timeouts.stopMs);
  }

  /**
   * USR2 re-execs the master. Daemonized (tend's own), the re-exec forks a new master with a new
   * pid; under systemd (--nodaemonize) the pid stays and "ready to handle connections" marks it.
   */
  private async signalReload(master: MasterIdentity): Promise<string> {
    const { host, layout } = this.ctx;
    const log = layout.php.errorLog(this.version);
    const offset = await logOffset(host, log);
    const systemd = (await this.managerOf()) === 'systemd';
    if (systemd) {
      const r = await host.exec('systemctl', ['reload', this.unit], { timeoutMs: this.timeouts.reloadMs });
      if (r.exitCode !== 0)
        throw this.reloadError(`systemctl reload ${this.unit} failed: ${r.stderr.trim()}`);
    } else {
      host.kill(master.pid, 'SIGUSR2');
    }
    const deadline = host.now() + this.timeouts.reloadMs;
    let next: MasterIdentity | undefined;
    while (!next) {
      const logged = await logSince(host, log, offset);
      if (FAILED_INIT.test(logged))
        throw this.reloadError(`the re-exec'd master failed:\n${lastLines(logged, 10)}`);
      if (systemd && /ready to handle connections/.test(logged) && (await this.tracker.isAlive(master))) {
        next = master;
      } else {
        next = await this.tracker.waitForNew(0, master);
      }
      if (!next && host.now() >= deadline)
        throw this.reloadError(`no master back after ${this.timeouts.reloadMs} ms`);
      if (!next) await host.sleep(25);
    }
    const missing = await this.waitSockets(next, await this.pools());
    if (missing) throw this.reloadError(`master ${next.pid} is not accepting on ${missing}`);
    const method = systemd ? `systemctl reload ${this.unit}` : `SIGUSR2 to ${master.pid}`;
    return next.pid === master.pid ? method : `${method} (master now ${next.pid})`;
  }

  private reloadError(message: string): TendError {
    return new TendError(
      'TEND_ERR_RELOAD_FAILED',
      `php-fpm ${this.version} reload did not take effect: ${message}`,
      {
        service: this.id,
      },
    );
  }

  /** Waits until every pool's listen address is listening; returns the first one that never was. */
  private async waitSockets(master: MasterIdentity, pools: PoolFileInfo[]): Promise<string | undefined> {
    const { host } = this.ctx;
    const deadline = host.now() + this.timeouts.startMs;
    let missing = pools.flatMap((p) => p.listens);
    for (;;) {
      missing = await notListening(host, missing);
      if (missing.length === 0) return undefined;
      if (host.now() >= deadline || !(await this.tracker.isAlive(master))) return describeTarget(missing[0]!);
      await host.sleep(25);
    }
  }

  /** -p/-y as the live master uses them; Debian's systemd unit passes only --fpm-config. */
  private baseArgs(systemd = false): string[] {
    const conf = this.ctx.layout.php.mainConfig(this.version);
    return systemd ? ['-y', conf] : ['-p', phpFpmPrefix(this.ctx.layout, this.version), '-y', conf];
  }

  private async prepare(): Promise<void> {
    const { host, layout } = this.ctx;
    if (layout.profile !== 'embedded') return;
    for (const dir of phpFpmDirectories(layout, this.version)) await host.fs.mkdirp(dir);
    const wanted = renderPhpFpmMainConfig(layout, this.version);
    const path = layout.php.mainConfig(this.version);
    if ((await host.fs.readFile(path)) !== wanted) await host.fs.writeFileAtomic(path, wanted, 0o644);
  }

  private async managerOf(): Promise<ServiceManager> {
    this.manager ??= await resolveManager(this.ctx);
    return this.manager;
  }
}
