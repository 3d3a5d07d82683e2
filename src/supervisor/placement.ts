// Where a Program instance or a Job run is born: its own cgroup for the whole process tree (so stop
// and cleanup find what left the process group with setsid()), the limit groups of its `limits`,
// and prlimit in front of its argv for openFiles/coreDump. Built on host/cgroup.ts and
// host/limit-groups.ts; a host without cgroups falls back to the process group alone, and says why
// (`untracked`), so status can report it. See docs/decisions/0039-every-tree-in-a-cgroup.md.
import { hostCgroups, type Cgroup, type Cgroups } from '../host/cgroup.js';
import { hostLimits, type LimitGroup, type LimitValues, type ResourceLimits } from '../host/limit-groups.js';
import type { Placement } from './spawn-child.js';

export interface TreePlacement extends Placement {
  /** The tree's cgroup name inside its scope (kept in run files for adoption); undefined when none. */
  readonly tree: string | undefined;
  /** Why there is no tree cgroup: stop and cleanup reach the process group only. */
  readonly untracked: string | undefined;
  /** True when the kernel's OOM killer ended a process of this tree (its memory limit was hit). */
  oomKilled(): boolean;
  /** `signal` to the tree's processes outside process group `pgid` (setsid escapes), for a graceful stop. */
  signalOutside(signal: NodeJS.Signals, pgid: number): void;
  /** Waits up to `ms` for every process of the tree to end; true when none is left (or no group). */
  drained(ms: number): Promise<boolean>;
  /** SIGKILL to whatever is left of the tree (setsid escapes too), then the groups are removed. */
  cleanup(): Promise<void>;
}

export interface PlacementHosts {
  cgroups?: Cgroups;
  limits?: ResourceLimits;
}

/**
 * Groups `<scope>/<name>` for one process tree. `name` is tend's own (a Job run's
 * `<tend pid>.<job>.<run>`, so a later tend can reap what a dead one left).
 */
export function placeTree(
  scope: string,
  name: string,
  limits: LimitValues | undefined,
  hosts: PlacementHosts = {},
): TreePlacement {
  const cgroups = hosts.cgroups ?? hostCgroups();
  const limiter = hosts.limits ?? hostLimits();
  let tree: Cgroup | undefined;
  let untracked: string | undefined;
  let limited: LimitGroup | undefined;
  if (!cgroups.available) untracked = `no cgroups on this host (${cgroups.reason})`;
  else
    try {
      tree = cgroups.create(scope, name);
    } catch (err) {
      untracked = `its cgroup ${scope}/${name} could not be made: ${(err as Error).message}`;
    }
  // A limit that cannot be set is reported by status (LimitsEnforced=False), not fatal here.
  try {
    limited = limiter.create(scope, name, limits);
  } catch {
    limited = undefined;
  }
  return placement(tree, untracked, limited, (file, args) => limiter.wrap(limits, file, args));
}

/**
 * The groups of a process tend adopts (a previous tend placed it as `<scope>/<name>`), so its stop
 * and cleanup reach the whole tree again. `name` undefined: that tend recorded none.
 */
export function reopenTree(
  scope: string,
  name: string | undefined,
  hosts: PlacementHosts = {},
): TreePlacement {
  const cgroups = hosts.cgroups ?? hostCgroups();
  const limiter = hosts.limits ?? hostLimits();
  if (name === undefined)
    return placement(undefined, 'adopted from a tend that recorded no cgroup for it', undefined);
  // The name comes from a file: one path segment of tend's own making, never a way out of the scope.
  if (!/^[A-Za-z0-9][A-Za-z0-9._@-]*$/.test(name))
    return placement(
      undefined,
      `the recorded cgroup name ${JSON.stringify(name)} is not one of tend's`,
      undefined,
    );
  const tree = cgroups.open(scope, name);
  const untracked = tree
    ? undefined
    : cgroups.available
      ? `its cgroup ${scope}/${name} is gone`
      : `no cgroups on this host (${cgroups.reason})`;
  return placement(tree, untracked, limiter.open(scope, name));
}

function placement(
  tree: Cgroup | undefined,
  untracked: string | undefined,
  limited: LimitGroup | undefined,
  argv: Placement['argv'] = (file, args) => ({ file, args }),
): TreePlacement {
  let oom = false;
  let cleaned: Promise<void> | undefined;
  return {
    tree: tree?.name.split('/').slice(1).join('/'),
    untracked,
    inside<T>(fn: () => T): T {
      return tree ? tree.runInside(fn) : fn();
    },
    spawned(pid: number) {
      limited?.add(pid);
    },
    argv,
    oomKilled() {
      oom ||= (limited?.oomKills() ?? 0) > 0;
      return oom;
    },
    signalOutside(signal, pgid) {
      tree?.signalOutsideGroup(signal, pgid);
    },
    async drained(ms) {
      const deadline = Date.now() + ms;
      while (tree && tree.pids().some((pid) => pid !== process.pid)) {
        if (Date.now() >= deadline) return false;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      return true;
    },
    cleanup() {
      this.oomKilled();
      // Once: the exit handler and a stop may both ask.
      cleaned ??= (async () => {
        try {
          if (tree) {
            await tree.kill(5_000);
            tree.remove();
          }
        } catch {
          // Never a rejection: a run's record and an instance's stop wait on this.
        }
        limited?.remove();
      })();
      return cleaned;
    },
  };
}

/** Starts placed by this process: a fresh group name for each (an earlier one's cleanup may still run). */
let placed = 0;

/** A Program instance's placement, in a group of its own: `<tend pid>.<program>-<index>.<n>`. */
export function placeInstance(
  spec: { name: string; limits: LimitValues | undefined },
  index: number,
  hosts: PlacementHosts = {},
): TreePlacement {
  return placeTree('programs', `${process.pid}.${spec.name}-${index}.${++placed}`, spec.limits, hosts);
}
