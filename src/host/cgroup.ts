// Control groups for process trees tend must be able to end completely: terminal sessions, every
// native Program instance and every Job run. A process cannot leave its cgroup without write access to
// the cgroup files (root's), so `setsid`, double forks and reparenting to PID 1 do not escape it.
// cgroup v2 (cgroup.kill) is used where tend may create groups; else v1's freezer (freeze, kill every
// member, thaw); else `available` is false with the reason and callers fall back to their own sweep.
// See docs/decisions/0019-process-trees-and-cgroups.md.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, writeFileSync } from 'node:fs';
import { ownPath, parseMountinfo } from './cgroup-paths.js';

/** Synchronous on purpose: runInside() must move tend, spawn and move back with no await between. */
export interface CgroupFs {
  read(path: string): string | undefined;
  write(path: string, data: string): void;
  mkdir(path: string): void;
  rmdir(path: string): void;
  readdir(path: string): string[];
  exists(path: string): boolean;
}

export const realCgroupFs: CgroupFs = {
  read: (p) => {
    try {
      return readFileSync(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  write: (p, d) => writeFileSync(p, d),
  mkdir: (p) => mkdirSync(p, { recursive: true }),
  rmdir: (p) => rmdirSync(p),
  readdir: (p) => readdirSync(p),
  exists: (p) => existsSync(p),
};

/** One mounted hierarchy tend uses: where tend's groups go, and tend's own group to return to. */
interface Hierarchy {
  /** Directory of tend's own cgroup in this hierarchy (its cgroup.procs takes tend back). */
  own: string;
  /** `<own>/tend`: every group tend creates lives below it. */
  base: string;
}

export type CgroupKind = 'v2' | 'v1-freezer';

export interface DetectOptions {
  fs?: CgroupFs;
  /** Contents of /proc/self/mountinfo and /proc/self/cgroup (tests pass their own). */
  mountinfo?: string;
  selfCgroup?: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Cgroups {
  private constructor(
    readonly kind: CgroupKind | undefined,
    /** Why there are no cgroups here (when kind is undefined). */
    readonly reason: string,
    private readonly hierarchy: Hierarchy | undefined,
    private readonly fs: CgroupFs,
  ) {}

  get available(): boolean {
    return this.kind !== undefined;
  }

  /** For tests of the fallback, and for hosts where an operator turns cgroups off. */
  static unavailable(reason: string): Cgroups {
    return new Cgroups(undefined, reason, undefined, realCgroupFs);
  }

  /** Looks once: v2 with cgroup.kill where tend may create a group, else v1's freezer, else none. */
  static detect(opts: DetectOptions = {}): Cgroups {
    const fs = opts.fs ?? realCgroupFs;
    const mounts = parseMountinfo(opts.mountinfo ?? fs.read('/proc/self/mountinfo') ?? '');
    const self = opts.selfCgroup ?? fs.read('/proc/self/cgroup') ?? '';
    const why: string[] = [];
    const v2 = mounts.find((m) => m.fstype === 'cgroup2');
    const v2own = ownPath(self, undefined);
    if (v2 && v2own !== undefined) {
      const h = tryHierarchy(fs, `${v2.dir}${v2own === '/' ? '' : v2own}`, why);
      if (h && fs.exists(`${h.base}/cgroup.kill`)) return new Cgroups('v2', '', h, fs);
      // The root group has no cgroup.kill; a child of tend's base must (kernel 5.14+).
      if (h && probeKill(fs, h)) return new Cgroups('v2', '', h, fs);
      if (h) why.push(`${v2.dir}: no cgroup.kill (kernel older than 5.14)`);
    } else why.push('no cgroup2 mount');
    const freezer = mounts.find((m) => m.fstype === 'cgroup' && m.options.split(',').includes('freezer'));
    const v1own = ownPath(self, 'freezer');
    if (freezer && v1own !== undefined) {
      const h = tryHierarchy(fs, `${freezer.dir}${v1own === '/' ? '' : v1own}`, why);
      if (h) return new Cgroups('v1-freezer', '', h, fs);
    } else why.push('no cgroup v1 freezer mount');
    return new Cgroups(undefined, why.join('; '), undefined, fs);
  }

  /**
   * A new, empty group `<scope>/<name>` (for example terminal/<session>). Names are tend's own
   * (never from a spec) and must be simple path segments.
   */
  create(scope: string, name: string): Cgroup {
    if (!this.hierarchy || !this.kind) throw new Error(`cgroups are unavailable: ${this.reason}`);
    for (const part of [scope, name])
      if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(part)) throw new Error(`bad cgroup name part: ${part}`);
    const dir = `${this.hierarchy.base}/${scope}/${name}`;
    this.fs.mkdir(dir);
    return new Cgroup(`${scope}/${name}`, dir, this.hierarchy.own, this.kind, this.fs);
  }

  /** The groups under `scope` (to find those a dead tend left behind). */
  list(scope: string): string[] {
    if (!this.hierarchy) return [];
    const dir = `${this.hierarchy.base}/${scope}`;
    if (!this.fs.exists(dir)) return [];
    return this.fs.readdir(dir).filter((n) => this.fs.exists(`${dir}/${n}/cgroup.procs`));
  }

  /**
   * Kills and removes the groups under `scope` whose owner (the pid before the first dot of their
   * name, as `<pid>.<rest>`) is no longer alive: what a crashed tend left running. Returns their names.
   */
  async reapAbandoned(scope: string): Promise<string[]> {
    const reaped: string[] = [];
    for (const name of this.list(scope)) {
      const owner = Number(name.split('.')[0]);
      if (!Number.isInteger(owner) || owner <= 0 || this.fs.exists(`/proc/${owner}`)) continue;
      const group = this.open(scope, name);
      if (group && (await group.kill()) && group.remove()) reaped.push(name);
    }
    return reaped;
  }

  /**
   * Removes the empty groups under `scope` whose owner pid is dead: what a tend that was killed left
   * after its processes ended. A populated group is never touched (rmdir refuses it anyway): its
   * processes may be adopted by a live tend. Returns their names.
   */
  removeEmptyAbandoned(scope: string): string[] {
    const removed: string[] = [];
    for (const name of this.list(scope)) {
      const owner = Number(name.split('.')[0]);
      if (!Number.isInteger(owner) || owner <= 0 || this.fs.exists(`/proc/${owner}`)) continue;
      const group = this.open(scope, name);
      if (group && group.pids().length === 0 && group.remove()) removed.push(name);
    }
    return removed;
  }

  /** A handle on an existing group (from list()). */
  open(scope: string, name: string): Cgroup | undefined {
    if (!this.hierarchy || !this.kind) return undefined;
    const dir = `${this.hierarchy.base}/${scope}/${name}`;
    return this.fs.exists(dir)
      ? new Cgroup(`${scope}/${name}`, dir, this.hierarchy.own, this.kind, this.fs)
      : undefined;
  }
}

function tryHierarchy(fs: CgroupFs, own: string, why: string[]): Hierarchy | undefined {
  const base = `${own}/tend`;
  try {
    fs.mkdir(base);
    return { own, base };
  } catch (err) {
    why.push(`cannot create ${base}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
    return undefined;
  }
}

function probeKill(fs: CgroupFs, h: Hierarchy): boolean {
  const probe = `${h.base}/.probe-${process.pid}`;
  try {
    fs.mkdir(probe);
    const ok = fs.exists(`${probe}/cgroup.kill`);
    fs.rmdir(probe);
    return ok;
  } catch {
    return false;
  }
}

export class Cgroup {
  constructor(
    /** `<scope>/<name>`. */
    readonly name: string,
    readonly dir: string,
    private readonly ownDir: string,
    readonly kind: CgroupKind,
    private readonly fs: CgroupFs,
  ) {}

  /** Pids of every live member (zombies included until reaped). */
  pids(): number[] {
    const text = this.fs.read(`${this.dir}/cgroup.procs`) ?? '';
    return text
      .split('\n')
      .map(Number)
      .filter((n) => Number.isInteger(n) && n > 0);
  }

  add(pid: number): void {
    this.fs.write(`${this.dir}/cgroup.procs`, `${pid}\n`);
  }

  /**
   * Runs `fn` (a synchronous spawn) with tend itself inside the group, so the child is born in it:
   * nothing it forks before a later move could escape. tend moves back before anything else runs.
   */
  runInside<T>(fn: () => T): T {
    this.add(process.pid);
    try {
      return fn();
    } finally {
      this.fs.write(`${this.ownDir}/cgroup.procs`, `${process.pid}\n`);
    }
  }

  /** Sends `signal` to every member (tend itself is never a member after runInside). */
  signal(signal: NodeJS.Signals): void {
    for (const pid of this.pids()) if (pid !== process.pid) tryKill(pid, signal);
  }

  /**
   * Sends `signal` to the members that are not in process group `pgid`: what left the group with
   * setsid() gets the same graceful stop the group gets (the group is signalled by its owner).
   */
  signalOutsideGroup(signal: NodeJS.Signals, pgid: number): void {
    for (const pid of this.pids()) {
      if (pid === process.pid) continue;
      // /proc/<pid>/stat after the name: state, ppid, pgrp.
      const pgrp = Number((this.fs.read(`/proc/${pid}/stat`) ?? '').split(') ')[1]?.split(' ')[2]);
      if (Number.isInteger(pgrp) && pgrp !== pgid) tryKill(pid, signal);
    }
  }

  /**
   * SIGKILL to every member at once (v2: cgroup.kill; v1: freeze, kill, thaw, so none forks in
   * between), then waits up to `timeoutMs` for the group to empty. True when it did.
   */
  async kill(timeoutMs = 5_000): Promise<boolean> {
    // Removed already (another handle on the same group, a later tend's recovery): nothing is left.
    if (!this.fs.exists(this.dir)) return true;
    if (this.pids().includes(process.pid)) this.fs.write(`${this.ownDir}/cgroup.procs`, `${process.pid}\n`);
    if (this.kind === 'v2') this.fs.write(`${this.dir}/cgroup.kill`, '1');
    else await this.freezeAndKill();
    const deadline = Date.now() + timeoutMs;
    while (this.pids().length > 0) {
      if (Date.now() > deadline) return false;
      if (this.kind === 'v1-freezer') await this.freezeAndKill();
      await sleep(20);
    }
    return true;
  }

  /** Removes the (empty) group; false while members remain. */
  remove(): boolean {
    try {
      this.fs.rmdir(this.dir);
      return true;
    } catch {
      return false;
    }
  }

  private async freezeAndKill(): Promise<void> {
    const state = `${this.dir}/freezer.state`;
    this.fs.write(state, 'FROZEN');
    for (let i = 0; i < 50 && this.fs.read(state)?.trim() !== 'FROZEN'; i++) await sleep(10);
    for (const pid of this.pids()) if (pid !== process.pid) tryKill(pid, 'SIGKILL');
    this.fs.write(state, 'THAWED');
  }
}

function tryKill(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    /* exited meanwhile */
  }
}

let detected: Cgroups | undefined;

/** This host's cgroups, detected once per process. */
export function hostCgroups(): Cgroups {
  detected ??= Cgroups.detect();
  return detected;
}
