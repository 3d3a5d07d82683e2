// One instance slot of a Program, its lifecycle: owns at most one process at a time (born in its own
// cgroup), learns of its exit from that child's own 'exit' event (or, when adopted, from polling pid
// + start time), and applies the restart policy, backoff, crash-loop detection, stop escalation to
// the whole tree, and probes. Its state and what it shows are instance-core.ts.
import { tailLines } from './log-writer.js';
import { probeAllowsReady } from './probe.js';
import { restartsOn, startProber } from './instance-probe.js';
import {
  afterExit,
  crashLoopMessage,
  describeExit,
  exitRecord,
  newProc,
  watchAdopted,
  type AfterExit,
  type Proc,
} from './proc.js';
import { readProcStat } from '../host/proc-stat.js';
import { runFilePath, type RunFile } from './run-file.js';
import { redact } from './runtime-spec.js';
import { spawnInstance } from './spawn-child.js';
import type { Health } from './types.js';
import { groupKill } from './group.js';
import { recordCompleted, removeCompleted, restoredMessage, type CompletedMarker } from './completed.js';
import { placeInstance, reopenTree } from './placement.js';
import { InstanceCore } from './instance-core.js';
import { stopTree } from './stop-tree.js';

export type { InstanceContext } from './instance-core.js';

export class Instance extends InstanceCore {
  /** Restores an instance that finished on this generation before tend restarted: not started. */
  restoreCompleted(m: CompletedMarker): void {
    this.desired = 'stop';
    this.state = 'exited';
    this.lastExit = m.exit;
    this.event('Normal', 'Exited', restoredMessage(this.index, m));
  }

  /** Spawns now (the caller decided backoff and ordering). */
  async start(): Promise<void> {
    this.desired = 'run';
    if (this.alive) return;
    await removeCompleted(this.ctx.host, this.ctx.doneDir, this.spec.name, this.index);
    this.clearTimer();
    this.state = 'starting';
    this.ready = false;
    const startedAt = this.ctx.now();
    const place = (this.place = placeInstance(this.spec, this.index, this.ctx));
    const spawned = await spawnInstance(this.spec, this.index, this.port, this.identity, this.pipe, place);
    if ('error' in spawned) {
      // Nothing was born in the groups: they go now, not with a process that never existed.
      await place.cleanup();
      return this.spawnFailed(spawned.error);
    }
    const { child, pid } = spawned;
    const proc = newProc(pid, pid, 0, startedAt, child);
    this.proc = proc;
    child.on('error', () => undefined);
    child.once('exit', (code, signal) => this.onExit(proc, code, signal));
    if (this.desired !== 'run') {
      // A stop came while this process was being spawned (a restart timer or a liveness restart
      // races the daemon's stop): it found nothing to stop, so this one must not outlive it.
      await this.halt(false);
      return;
    }
    this.message = undefined;
    this.event('Normal', 'Started', `instance ${this.index} started, pid ${pid}`);
    const st = await readProcStat(this.ctx.host.fs, pid);
    if (st && !proc.done) proc.startTime = st.startTime;
    if (!proc.done) await this.persist();
    this.armRunning(proc);
  }

  /** Wraps a live process found in a run file; it is watched by polling (we are not its parent). */
  adopt(rf: RunFile): void {
    this.desired = 'run';
    this.adopted = true;
    this.restarts = rf.restarts;
    const proc = newProc(rf.pid, rf.pgid, rf.startTime, rf.startedAt);
    this.proc = proc;
    // The tree the previous tend placed it in: a stop still reaches what left the process group.
    this.place = reopenTree('programs', rf.cgroup, this.ctx);
    this.state = 'starting';
    this.unwatch = watchAdopted(this.ctx.host, proc, () =>
      this.onExit(proc, null, null, 'exit code unknown: the process was adopted, tend is not its parent'),
    );
    this.event('Normal', 'Adopted', `instance ${this.index} adopted, pid ${rf.pid}`);
    this.armRunning(proc);
  }

  private armRunning(proc: Proc): void {
    // A stop or an exit may have come while the run file was written: nothing to watch then.
    if (proc.done || this.proc !== proc) return;
    const remaining = Math.max(0, this.spec.startMs - (this.ctx.now() - proc.startedAt));
    this.timer = setTimeout(() => {
      if (proc.done || this.proc !== proc || this.state !== 'starting') return;
      this.state = 'running';
      this.failures = 0;
      this.crashLoop = undefined;
      this.updateReady();
    }, remaining);
    this.prober = startProber(this.ctx.host, this.spec, this.index, this.port, this.identity, (h, msg) =>
      this.onHealth(proc, h, msg),
    );
  }

  private updateReady(): void {
    const ready = this.alive && this.state === 'running' && probeAllowsReady(this.spec.probe, this.health);
    if (ready !== this.ready) {
      this.ready = ready;
      this.ctx.changed();
    }
  }

  private onHealth(proc: Proc, h: Health, msg: string): void {
    if (proc !== this.proc || proc.done) return;
    if (h === 'unhealthy') this.event('Warning', 'ProbeFailed', `instance ${this.index}: ${msg}`);
    // Liveness: restart this instance only; the restart is not a failed start.
    if (restartsOn(this.spec, h)) return void this.restart(`liveness probe failed: ${msg}`);
    this.updateReady();
  }

  async restart(why: string): Promise<void> {
    if (this.desired === 'stop') return;
    const epoch = this.epoch;
    await this.halt(true);
    if (epoch !== this.epoch) return;
    this.restarts++;
    this.event('Normal', 'Restarted', `instance ${this.index} restarted: ${why}`);
    await this.start();
  }

  private spawnFailed(message: string): void {
    this.message = `spawn failed: ${message}`;
    this.lastExit = exitRecord(this.ctx.now(), null, null, this.message);
    this.event('Warning', 'Failed', `instance ${this.index}: ${this.message}`);
    const next = afterExit(this.spec, { bad: true, uptimeMs: undefined }, this.failures);
    if (next.restart) this.scheduleRestart(next, this.message, 0);
    else this.state = 'exited';
  }

  private onExit(proc: Proc, code: number | null, signal: NodeJS.Signals | null, unknown?: string): void {
    if (proc.done) return;
    proc.done = true;
    this.prober?.stop();
    this.prober = undefined;
    this.unwatch?.();
    this.clearTimer();
    const at = this.ctx.now();
    const uptime = at - proc.startedAt;
    this.lastExit = exitRecord(at, code, signal, unknown);
    if (this.place?.oomKilled()) this.lastExit = { ...this.lastExit, reason: 'OOMKilled' };
    // The leader is the instance: whatever else is left in its group (or its cgroup) goes with it.
    groupKill(this.ctx.host, proc.pgid, 'SIGKILL');
    // A stop in progress gives the escapees the rest of its timeout, then cleans up (stop-tree.ts).
    if (this.state !== 'stopping') void this.place?.cleanup();
    const wasReady = this.ready;
    this.ready = false;
    proc.markExited();
    const what =
      describeExit(code, signal, unknown) + (this.lastExit.reason === 'OOMKilled' ? ' (OOMKilled)' : '');
    const bad = unknown !== undefined || signal !== null || code !== 0;
    if (this.desired === 'stop') {
      this.event('Normal', 'Stopped', `instance ${this.index} ${what}`);
      if (wasReady) this.ctx.changed();
      return;
    }
    this.event(bad ? 'Warning' : 'Normal', 'Exited', `instance ${this.index} ${what} after ${uptime}ms`);
    if (wasReady) this.ctx.changed();
    const next = afterExit(this.spec, { bad, uptimeMs: uptime }, this.failures);
    if (!next.restart) {
      this.state = 'exited';
      this.desired = 'stop';
      void this.ctx.host.fs.remove(runFilePath(this.ctx.runDir, this.spec.name, this.index));
      // Finished for good on this generation: a restarted tend must not run it again.
      void recordCompleted(this.ctx.host, this.ctx.doneDir, this.spec, this.index, this.lastExit);
      return;
    }
    this.scheduleRestart(next, what, uptime);
  }

  private scheduleRestart(next: Extract<AfterExit, { restart: true }>, what: string, uptime: number): void {
    this.failures = next.failures;
    const delay = next.delayMs;
    if (next.crashLoop) {
      const first = this.crashLoop === undefined;
      const tail = tailLines(this.pipe.writer.path, 5);
      this.crashLoop = crashLoopMessage(what, uptime, this.failures, delay, tail);
      this.state = 'crash-loop';
      if (first)
        this.event(
          'Warning',
          'CrashLoop',
          redact(`instance ${this.index}: ${this.crashLoop}`, this.spec.secretValues),
        );
    } else this.state = 'backoff';
    this.timer = setTimeout(() => {
      if (this.desired !== 'run') return;
      this.restarts++;
      void this.start();
    }, delay);
  }

  /** Stop signal to the whole group, SIGKILL after the timeout, and the group is gone when it returns. */
  async stop(opts: { graceful?: boolean } = {}): Promise<void> {
    this.epoch++;
    await this.halt(opts.graceful ?? true);
  }

  private async halt(graceful: boolean): Promise<void> {
    this.desired = 'stop';
    this.clearTimer();
    this.prober?.stop();
    const proc = this.proc;
    const wasReady = this.ready;
    this.ready = false;
    if (wasReady) this.ctx.changed();
    if (!proc || proc.done) {
      if (this.state !== 'exited') this.state = 'stopped';
      return;
    }
    this.state = 'stopping';
    const exited = await stopTree(this.ctx.host, proc, this.place, this.spec, graceful);
    if (!exited && !proc.child) this.onExit(proc, null, 'SIGKILL', 'adopted process killed');
    this.state = 'stopped';
    this.adopted = false;
    await this.ctx.host.fs.remove(runFilePath(this.ctx.runDir, this.spec.name, this.index));
  }
}
