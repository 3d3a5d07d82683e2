// Identity of a service master tend runs or adopts: pid file PLUS the process start time, kept in
// <stateDir>/services/<id>.json. A pid alone is never trusted, because pids are reused.
import { readThroughMemo, type Host } from '../../host/index.js';
import { childrenOf, liveStat, readCmdline, readPidFile } from './proc.js';

export interface MasterIdentity {
  pid: number;
  /** /proc/<pid>/stat field 22. */
  startTime: number;
}

export interface MasterTrackerOptions {
  /** Service id, used for the state file name (e.g. "nginx", "php-fpm@8.2"). */
  id: string;
  stateDir: string;
  pidFile: string;
  /** Whether a process found through the pid file is this service's master (by its command line). */
  isOurs: (cmdline: string) => boolean;
}

/** One start or heal at a time per master in this process (the master watch and a pass may race). */
const chains = new Map<string, Promise<unknown>>();

export class MasterTracker {
  constructor(
    private readonly host: Host,
    readonly opts: MasterTrackerOptions,
  ) {}

  get stateFile(): string {
    return `${this.opts.stateDir}/services/${this.opts.id}.json`;
  }

  /** The running master: the recorded identity if still alive, else one adopted from the pid file. */
  async current(): Promise<MasterIdentity | undefined> {
    const recorded = await this.readRecord();
    if (recorded && (await this.isAlive(recorded))) return recorded;
    const pid = await readPidFile(this.host, this.opts.pidFile);
    if (pid === undefined) return undefined;
    const stat = await liveStat(this.host, pid);
    if (!stat || !this.opts.isOurs(await readCmdline(this.host, pid))) return undefined;
    const adopted = { pid, startTime: stat.startTime };
    await this.record(adopted);
    return adopted;
  }

  /** Runs `fn` after any other exclusive work on this master in this process has finished. */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = (chains.get(this.stateFile) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    chains.set(this.stateFile, tail);
    void tail.then(() => {
      if (chains.get(this.stateFile) === tail) chains.delete(this.stateFile);
    });
    return run;
  }

  async isAlive(identity: MasterIdentity): Promise<boolean> {
    const stat = await liveStat(this.host, identity.pid);
    return stat !== undefined && stat.startTime === identity.startTime;
  }

  async record(identity: MasterIdentity): Promise<void> {
    const body = { ...identity, recordedAt: new Date(this.host.now()).toISOString() };
    await this.host.fs.writeFileAtomic(this.stateFile, `${JSON.stringify(body, null, 2)}\n`, 0o644);
  }

  async forget(): Promise<void> {
    await this.host.fs.remove(this.stateFile);
  }

  /**
   * Polls the pid file until it names a live master of ours other than `not` (a re-exec'd or new
   * master), or until the deadline; records and returns it.
   */
  async waitForNew(timeoutMs: number, not?: MasterIdentity): Promise<MasterIdentity | undefined> {
    const deadline = this.host.now() + timeoutMs;
    for (;;) {
      const pid = await readPidFile(this.host, this.opts.pidFile);
      const stat = pid === undefined ? undefined : await liveStat(this.host, pid);
      const same = stat && not && stat.pid === not.pid && stat.startTime === not.startTime;
      if (stat && !same && this.opts.isOurs(await readCmdline(this.host, stat.pid))) {
        const identity = { pid: stat.pid, startTime: stat.startTime };
        await this.record(identity);
        return identity;
      }
      if (this.host.now() >= deadline) return undefined;
      await this.host.sleep(25);
    }
  }

  /** Waits until the master is gone; false on timeout. */
  async waitForExit(identity: MasterIdentity, timeoutMs: number): Promise<boolean> {
    const deadline = this.host.now() + timeoutMs;
    while (await this.isAlive(identity)) {
      if (this.host.now() >= deadline) return false;
      await this.host.sleep(25);
    }
    return true;
  }

  /**
   * Graceful signal, then KILL to the master and its workers after the timeout. Signals go only
   * while pid and start time still match, so a reused pid is never hit.
   */
  async stop(identity: MasterIdentity, graceful: NodeJS.Signals, timeoutMs: number): Promise<string> {
    if (!(await this.isAlive(identity))) return 'already stopped';
    const workers = await Promise.all(
      (await childrenOf(this.host, identity.pid)).map((pid) => liveStat(this.host, pid)),
    );
    this.host.kill(identity.pid, graceful);
    let how = `${graceful} to ${identity.pid}`;
    if (!(await this.waitForExit(identity, timeoutMs))) {
      if (await this.isAlive(identity)) this.host.kill(identity.pid, 'SIGKILL');
      for (const worker of workers) {
        if (worker && (await this.isAlive(worker))) this.host.kill(worker.pid, 'SIGKILL');
      }
      await this.waitForExit(identity, 5_000);
      how += `, SIGKILL after ${timeoutMs} ms`;
    }
    // A killed master leaves its pid file behind; remove it only while it still names that master.
    if ((await readPidFile(this.host, this.opts.pidFile)) === identity.pid) {
      await this.host.fs.remove(this.opts.pidFile);
    }
    await this.forget();
    return how;
  }

  /**
   * The record as written, torn or not (undefined when there is none). The master watch asks twice
   * a second: a daemon's readFiles answers from memory while the file's identity holds.
   */
  async recordText(): Promise<string | undefined> {
    return readThroughMemo(this.host.fs, this.stateFile);
  }

  private async readRecord(): Promise<MasterIdentity | undefined> {
    const text = await this.recordText();
    if (!text) return undefined;
    try {
      const parsed = JSON.parse(text) as Partial<MasterIdentity>;
      if (Number.isInteger(parsed.pid) && Number.isInteger(parsed.startTime)) {
        return { pid: parsed.pid!, startTime: parsed.startTime! };
      }
    } catch {
      // A torn or hand-edited record is as good as none: the pid file and /proc decide.
    }
    return undefined;
  }
}
