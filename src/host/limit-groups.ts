// Resource limits for a process tree: memory, cpu and processes through the cgroup controllers the
// host has (v2 where tend's group may enable them, else the v1 hierarchies of memory, cpu and pids),
// and openFiles/coreDump as rlimits set by util-linux prlimit before the command runs. A controller
// the host lacks is named by missing(), so status can say LimitsEnforced=False instead of pretending.
// Names are tend's own (never from a spec). See docs/decisions/0035-limits-and-completed-programs.md.
import { existsSync } from 'node:fs';
import { realCgroupFs, type CgroupFs, type DetectOptions } from './cgroup.js';
import { ownPath, parseMountinfo } from './cgroup-paths.js';

export type LimitController = 'memory' | 'cpu' | 'pids';

/** The numbers a spec's `limits` turn into (see supervisor/runtime-spec.ts). */
export interface LimitValues {
  memoryBytes?: number;
  cpuCores?: number;
  processes?: number;
  openFiles?: number;
  coreDumpBytes?: number;
}

interface ControllerDir {
  /** tend's own group in this hierarchy, to move back to. */
  own: string;
  /** `<own>/tend`. */
  base: string;
  v2: boolean;
}

const PRLIMIT_CANDIDATES = ['/usr/bin/prlimit', '/bin/prlimit'];
const CPU_PERIOD_US = 100_000;
const SEGMENT = /^[A-Za-z0-9][A-Za-z0-9._@-]*$/;

export class ResourceLimits {
  private constructor(
    private readonly dirs: Map<LimitController, ControllerDir>,
    private readonly why: Map<LimitController, string>,
    private readonly prlimit: string | undefined,
    private readonly fs: CgroupFs,
  ) {}

  /** Looks once per controller: v2 with the controller enabled for tend's groups, else v1. */
  static detect(opts: DetectOptions & { prlimit?: string | null } = {}): ResourceLimits {
    const fs = opts.fs ?? realCgroupFs;
    const mounts = parseMountinfo(opts.mountinfo ?? fs.read('/proc/self/mountinfo') ?? '');
    const self = opts.selfCgroup ?? fs.read('/proc/self/cgroup') ?? '';
    const dirs = new Map<LimitController, ControllerDir>();
    const why = new Map<LimitController, string>();
    const v2 = mounts.find((m) => m.fstype === 'cgroup2');
    const v2own = ownPath(self, undefined);
    for (const c of ['memory', 'cpu', 'pids'] as const) {
      const reasons: string[] = [];
      if (v2 && v2own !== undefined) {
        const own = `${v2.dir}${v2own === '/' ? '' : v2own}`;
        const available = (fs.read(`${own}/cgroup.controllers`) ?? '').split(/\s+/);
        if (available.includes(c) && enableV2(fs, own, c)) {
          dirs.set(c, { own, base: `${own}/tend`, v2: true });
          continue;
        }
        reasons.push(`cgroup v2 at ${v2.dir} does not delegate ${c} to tend`);
      }
      const v1 = mounts.find((m) => m.fstype === 'cgroup' && m.options.split(',').includes(c));
      const v1own = ownPath(self, c);
      if (v1 && v1own !== undefined) {
        const own = `${v1.dir}${v1own === '/' ? '' : v1own}`;
        try {
          fs.mkdir(`${own}/tend`);
          dirs.set(c, { own, base: `${own}/tend`, v2: false });
          continue;
        } catch (err) {
          reasons.push(`cannot create ${own}/tend: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
        }
      } else reasons.push(`no cgroup v1 ${c} mount`);
      why.set(c, reasons.join('; '));
    }
    const prlimit =
      opts.prlimit === null ? undefined : (opts.prlimit ?? PRLIMIT_CANDIDATES.find((p) => existsSync(p)));
    return new ResourceLimits(dirs, why, prlimit, fs);
  }

  /** What these limits need that this host cannot enforce, one phrase each; [] when all hold. */
  missing(l: LimitValues | undefined): string[] {
    if (!l) return [];
    const out: string[] = [];
    const need = (c: LimitController, field: string) => {
      if (!this.dirs.has(c)) out.push(`${field} needs the ${c} controller (${this.why.get(c) ?? 'absent'})`);
    };
    if (l.memoryBytes !== undefined) need('memory', 'memory');
    if (l.cpuCores !== undefined) need('cpu', 'cpu');
    if (l.processes !== undefined) need('pids', 'processes');
    if ((l.openFiles !== undefined || l.coreDumpBytes !== undefined) && !this.prlimit)
      out.push(
        `openFiles and coreDump need prlimit (util-linux), not found in ${PRLIMIT_CANDIDATES.join(', ')}`,
      );
    return out;
  }

  /** The argv with prlimit in front when rlimits are set (it runs as root, before any user switch). */
  wrap(l: LimitValues | undefined, file: string, args: string[]): { file: string; args: string[] } {
    if (!l || !this.prlimit || (l.openFiles === undefined && l.coreDumpBytes === undefined))
      return { file, args };
    const opts = [
      ...(l.openFiles !== undefined ? [`--nofile=${l.openFiles}:${l.openFiles}`] : []),
      ...(l.coreDumpBytes !== undefined ? [`--core=${l.coreDumpBytes}:${l.coreDumpBytes}`] : []),
    ];
    return { file: this.prlimit, args: [...opts, '--', file, ...args] };
  }

  /**
   * New groups `<scope>/<name>` in each controller these limits use, with the limits written; an
   * existing group of that name (a dead tend's) is reused. undefined when no cgroup limit is set.
   */
  create(scope: string, name: string, l: LimitValues | undefined): LimitGroup | undefined {
    if (!l) return undefined;
    for (const part of [scope, name])
      if (!SEGMENT.test(part)) throw new Error(`bad cgroup name part: ${part}`);
    const members: Member[] = [];
    const add = (c: LimitController, files: (v2: boolean) => [string, string][]) => {
      const d = this.dirs.get(c);
      if (!d) return;
      const dir = `${d.base}/${scope}/${name}`;
      if (d.v2) enableV2(this.fs, `${d.base}/${scope}`, c, true);
      this.fs.mkdir(dir);
      for (const [file, value] of files(d.v2)) this.fs.write(`${dir}/${file}`, value);
      members.push({ controller: c, dir, own: d.own, v2: d.v2 });
    };
    if (l.memoryBytes !== undefined) {
      const bytes = String(l.memoryBytes);
      add('memory', (v2) =>
        v2
          ? [
              ['memory.max', bytes],
              ['memory.swap.max', '0'],
            ]
          : [['memory.limit_in_bytes', bytes], ...this.memswLimit(bytes)],
      );
    }
    if (l.cpuCores !== undefined) {
      const quota = String(Math.max(1000, Math.round(l.cpuCores * CPU_PERIOD_US)));
      add('cpu', (v2) =>
        v2
          ? [['cpu.max', `${quota} ${CPU_PERIOD_US}`]]
          : [
              ['cpu.cfs_period_us', String(CPU_PERIOD_US)],
              ['cpu.cfs_quota_us', quota],
            ],
      );
    }
    if (l.processes !== undefined) add('pids', () => [['pids.max', String(l.processes)]]);
    return members.length > 0 ? new LimitGroup(members, this.fs) : undefined;
  }

  /**
   * The existing groups `<scope>/<name>` (of a process tend adopts), limits left as they are;
   * undefined when there are none.
   */
  open(scope: string, name: string): LimitGroup | undefined {
    if (![scope, name].every((part) => SEGMENT.test(part))) return undefined;
    const members: Member[] = [];
    for (const [controller, d] of this.dirs) {
      const dir = `${d.base}/${scope}/${name}`;
      if (this.fs.exists(dir)) members.push({ controller, dir, own: d.own, v2: d.v2 });
    }
    return members.length > 0 ? new LimitGroup(members, this.fs) : undefined;
  }

  /** v1 with swap accounting: the same limit on memory+swap, so a tree cannot spill into swap. */
  private memswLimit(bytes: string): [string, string][] {
    const d = this.dirs.get('memory');
    return d && this.fs.exists(`${d.base}/memory.memsw.limit_in_bytes`)
      ? [['memory.memsw.limit_in_bytes', bytes]]
      : [];
  }
}

interface Member {
  controller: LimitController;
  dir: string;
  own: string;
  v2: boolean;
}

export class LimitGroup {
  constructor(
    private readonly members: Member[],
    private readonly fs: CgroupFs,
  ) {}

  /**
   * Moves the just-spawned child into every group. Not runInside() as for the tree group: tend
   * itself, inside for a moment, would be charged (its threads against pids.max, its allocations
   * against the memory limit). The child is still exec'ing prlimit/setpriv/sh when it is moved, so
   * the command and its children are born limited.
   */
  add(pid: number): void {
    for (const m of this.members) this.fs.write(`${m.dir}/cgroup.procs`, `${pid}\n`);
  }

  /** How many times the kernel's OOM killer ended a member of this tree. */
  oomKills(): number {
    const m = this.members.find((x) => x.controller === 'memory');
    if (!m) return 0;
    const text = this.fs.read(`${m.dir}/${m.v2 ? 'memory.events' : 'memory.oom_control'}`) ?? '';
    const hit = /^oom_kill (\d+)$/m.exec(text);
    return hit ? Number(hit[1]) : 0;
  }

  /** Removes the groups (empty by then: the caller ended the tree first). */
  remove(): void {
    for (const m of this.members)
      try {
        this.fs.rmdir(m.dir);
      } catch {
        /* a member still exiting; the next run's create reuses it */
      }
  }
}

/** Enables controller `c` for the children of `dir` (v2); true when it is (or already was). */
function enableV2(fs: CgroupFs, own: string, c: LimitController, child = false): boolean {
  try {
    const dir = child ? own : `${own}/tend`;
    // tend's own group must pass the controller down first (works where the unit has Delegate=yes).
    if (!child && !(fs.read(`${own}/cgroup.subtree_control`) ?? '').split(/\s+/).includes(c))
      fs.write(`${own}/cgroup.subtree_control`, `+${c}`);
    fs.mkdir(dir);
    const on = (fs.read(`${dir}/cgroup.subtree_control`) ?? '').split(/\s+/);
    if (!on.includes(c)) fs.write(`${dir}/cgroup.subtree_control`, `+${c}`);
    return true;
  } catch {
    return false;
  }
}

let detected: ResourceLimits | undefined;

/** This host's limit controllers, detected once per process. */
export function hostLimits(): ResourceLimits {
  detected ??= ResourceLimits.detect();
  return detected;
}
