// The supervisord that tend runs itself (embedded profile): started once per root, known by pid file
// plus process start time so a reused pid is never mistaken for it, adopted across tend restarts.
import { TendError, isTendError } from '../../errors/catalogue.js';
import type { Host } from '../../host/host.js';
import type { Layout } from '../../layout/layout.js';
import type { SupervisordClient } from './client.js';
import { MAIN_CONFIG_MARKER, embeddedSupervisordPaths, renderSupervisordMainConfig } from './main-config.js';

interface Identity {
  pid: number;
  startTime: number;
}

export class EmbeddedSupervisord {
  readonly paths: ReturnType<typeof embeddedSupervisordPaths>;

  constructor(
    private readonly host: Host,
    layout: Layout,
    private readonly client: SupervisordClient,
    private readonly binary: string,
    private readonly startTimeoutMs = 15_000,
  ) {
    this.paths = embeddedSupervisordPaths(layout);
    this.mainConfigText = renderSupervisordMainConfig(layout);
  }
  private readonly mainConfigText: string;

  /** The daemon's pid when the pid file names a live supervisord of this root, else undefined. */
  async runningPid(): Promise<number | undefined> {
    const pid = Number((await this.host.fs.readFile(this.paths.pidFile))?.trim());
    if (!Number.isInteger(pid) || pid <= 0 || !this.host.kill(pid, 0)) return undefined;
    const startTime = await this.host.processStartTime(pid);
    if (startTime === undefined) return undefined;
    const recorded = await this.readIdentity();
    if (recorded?.pid === pid) return recorded.startTime === startTime ? pid : undefined;
    // No record for this pid (tend died between start and record): adopt only our own daemon.
    const cmdline = (await this.host.fs.readFile(`/proc/${pid}/cmdline`)) ?? '';
    const args = cmdline.split('\u0000');
    if (!args.some((a) => a.endsWith('supervisord')) || !args.includes(this.paths.mainConfig))
      return undefined;
    await this.writeIdentity({ pid, startTime });
    return pid;
  }

  async ensureRunning(): Promise<'adopted' | 'started'> {
    if ((await this.runningPid()) !== undefined) {
      await this.waitForRpc();
      return 'adopted';
    }
    await this.prepare();
    // supervisord daemonizes after binding its socket; exit 0 means the child is on its way.
    const result = await this.host.exec(this.binary, ['-c', this.paths.mainConfig], {
      timeoutMs: this.startTimeoutMs,
    });
    if (result.exitCode !== 0)
      throw new TendError(
        'TEND_ERR_SERVICE_START',
        `supervisord -c ${this.paths.mainConfig} exited ${result.exitCode}: ${(result.stderr || result.stdout).trim()}`,
        { exitCode: result.exitCode },
      );
    await this.waitForRpc();
    // The RPC loop runs only after the pid file is written, and getPID cannot be stale.
    const pid = await this.client.getPID();
    const startTime = await this.host.processStartTime(pid);
    if (startTime === undefined)
      throw new TendError('TEND_ERR_SERVICE_START', `supervisord (pid ${pid}) exited right after it started`);
    await this.writeIdentity({ pid, startTime });
    return 'started';
  }

  /** shutdown over XML-RPC (it stops every program first), then wait for the pid to go away. */
  async stop(timeoutMs = 120_000): Promise<void> {
    const pid = await this.runningPid();
    if (pid === undefined) return;
    try {
      await this.client.shutdown();
    } catch (err) {
      if (!isTendError(err, 'TEND_ERR_SUPERVISORD')) throw err;
      this.host.kill(pid, 'SIGTERM');
    }
    const deadline = this.host.now() + timeoutMs;
    while (this.host.kill(pid, 0) && (await this.host.processStartTime(pid)) !== undefined) {
      if (this.host.now() > deadline)
        throw new TendError(
          'TEND_ERR_SUPERVISORD',
          `supervisord (pid ${pid}) did not exit within ${timeoutMs} ms`,
        );
      await this.host.sleep(50);
    }
    await this.host.fs.remove(this.paths.identityFile);
  }

  /**
   * tend's own main config and the directories it names: written before the first validation too,
   * since a fresh root has none yet and supervisord's parser refuses a log path without its dir.
   */
  async prepare(): Promise<void> {
    await this.writeMainConfig();
    for (const dir of [this.paths.includeDir, this.paths.logDir, dirOf(this.paths.socket)])
      await this.host.fs.mkdirp(dir, 0o755);
  }

  private async writeMainConfig(): Promise<void> {
    const current = await this.host.fs.readFile(this.paths.mainConfig);
    if (current === this.mainConfigText) return;
    if (current !== undefined && !current.startsWith(MAIN_CONFIG_MARKER))
      throw new TendError(
        'TEND_ERR_NOT_OWNED',
        `${this.paths.mainConfig} exists and is not managed by tend`,
        {
          path: this.paths.mainConfig,
        },
      );
    await this.host.fs.writeFileAtomic(this.paths.mainConfig, this.mainConfigText, 0o644);
  }

  private async waitForRpc(): Promise<void> {
    const deadline = this.host.now() + this.startTimeoutMs;
    for (;;) {
      try {
        const state = await this.client.getState();
        if (state.statename === 'RUNNING') return;
      } catch (err) {
        if (!isTendError(err, 'TEND_ERR_SUPERVISORD')) throw err;
        if (this.host.now() > deadline)
          throw new TendError(
            'TEND_ERR_SERVICE_START',
            `supervisord did not answer on ${this.paths.socket}: ${err.message}`,
          );
      }
      await this.host.sleep(50);
    }
  }

  private async readIdentity(): Promise<Identity | undefined> {
    const text = await this.host.fs.readFile(this.paths.identityFile);
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as Identity;
      return Number.isInteger(parsed.pid) && Number.isInteger(parsed.startTime) ? parsed : undefined;
    } catch {
      return undefined;
    }
  }

  private writeIdentity(identity: Identity): Promise<void> {
    return this.host.fs.writeFileAtomic(this.paths.identityFile, `${JSON.stringify(identity)}\n`, 0o644);
  }
}

const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';
