// Where a Program instance or a Job run is born: its own cgroup for the whole process tree (so stop
// and cleanup find what left the process group with setsid()), the limit groups of its `limits`,
// and prlimit in front of its argv for openFiles/coreDump. Built on host/cgroup.ts and
// host/limit-groups.ts; a host without cgroups falls back to the process group alone.
import { hostCgroups, type Cgroup, type Cgroups } from '../host/cgroup.js';
import { hostLimits, type LimitGroup, type LimitValues, type ResourceLimits } from '../host/limit-groups.js';
import type { Placement } from './spawn-child.js';

export interface TreePlacement extends Placement {
  /** True when the kernel's OOM killer ended a process of this tree (its memory limit was hit). */
  oomKilled(): boolean;
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
  let limited: LimitGroup | undefined;
  try {
    tree = cgroups.available ? cgroups.create(scope, name) : undefined;
  } catch {
    tree = undefined;
  }
  // A limit that cannot be set is reported by status (LimitsEnforced=False), not fatal here.
  try {
    limited = limiter.create(scope, name, limits);
  } catch {
    limited = undefined;
  }
  let oom = false;
  let cleaned: Promise<void> | undefined;
  return {
    inside<T>(fn: () => T): T {
      return tree ? tree.runInside(fn) : fn();
    },
    spawned(pid: number) {
      limited?.add(pid);
    },
    argv: (file, args) => limiter.wrap(limits, file, args),
    oomKilled() {
      oom ||= (limited?.oomKills() ?? 0) > 0;
      return oom;
    },
    cleanup() {
      this.oomKilled();
      // Once: the exit handler and a stop may both ask.
      cleaned ??= (async () => {
        if (tree) {
          await tree.kill(5_000);
          tree.remove();
        }
        limited?.remove();
      })();
      return cleaned;
    },
  };
}

/**
 * A Program instance's placement when its spec sets limits (else none: the process group alone).
 * A fresh group per start (`start`), since the last one's cleanup may still be running.
 */
export function placeInstance(
  spec: { name: string; limits: LimitValues | undefined },
  index: number,
  start: number,
): TreePlacement | undefined {
  if (!spec.limits) return undefined;
  return placeTree('programs', `${process.pid}.${spec.name}-${index}.${start}`, spec.limits);
}
