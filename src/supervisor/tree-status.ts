// The TreeContained condition of a native Program or a Job: True when each running process tree is
// in its own cgroup (stop and cleanup reach setsid() escapes), False when the host has no cgroups
// tend can use or a running instance has none (adopted from a tend that recorded none, or its group
// could not be made): then a stop reaches the process group only, and status says so.
import { setCondition, type ResourceStatus } from '../state/conditions.js';

export interface TreeFacts {
  /** Why this host has no cgroups tend can use; undefined when it has them. */
  noCgroups: string | undefined;
  /** Running trees without a cgroup, each with why (`instance 1: …`, `run 3: …`). */
  untracked: string[];
}

const REACH = 'a stop reaches the process group only, so a process that left it with setsid() would survive';

export function treeCondition(status: ResourceStatus, facts: TreeFacts, now: number): ResourceStatus {
  const cond =
    facts.noCgroups !== undefined
      ? {
          status: 'False' as const,
          reason: 'CgroupsUnavailable',
          message: `no cgroups on this host (${facts.noCgroups}): ${REACH}`,
        }
      : facts.untracked.length > 0
        ? {
            status: 'False' as const,
            reason: 'NotInCgroup',
            message: `${facts.untracked.join('; ')}: ${REACH}`,
          }
        : {
            status: 'True' as const,
            reason: 'Contained',
            message: 'each process tree runs in its own cgroup; stop and cleanup reach setsid() escapes',
          };
  return setCondition(status, { type: 'TreeContained', ...cond }, now);
}

/** A native Program's facts: the host's cgroups and each running instance's tree. */
export function programTreeFacts(st: {
  noCgroups?: string;
  instances: readonly { index: number; pid: number | undefined; untracked?: string }[];
}): TreeFacts {
  return {
    noCgroups: st.noCgroups,
    untracked: st.instances
      .filter((i) => i.pid !== undefined && i.untracked !== undefined)
      .map((i) => `instance ${i.index} (pid ${i.pid}): ${i.untracked}`),
  };
}
