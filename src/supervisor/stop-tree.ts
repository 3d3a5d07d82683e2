// Stopping one process tree (a Program instance or a Job run): the stop signal to its process group
// and to what left the group with setsid() (its cgroup's other members), SIGKILL to the group after
// the stop timeout, the escapees given what is left of that timeout, then SIGKILL to whatever is
// left in the cgroup and the groups removed. Without a
// cgroup (placement.ts says why) the process group is all a stop can reach.
import type { Host } from '../host/index.js';
import { escalateStop, type Proc } from './proc.js';
import type { TreePlacement } from './placement.js';

/** True when the leader's exit was seen; the tree's cgroups are gone when it resolves. */
export async function stopTree(
  host: Host,
  proc: Proc,
  place: TreePlacement | undefined,
  spec: { stopSignal: NodeJS.Signals; stopTimeoutMs: number },
  graceful: boolean,
): Promise<boolean> {
  const deadline = Date.now() + spec.stopTimeoutMs;
  // Escapees get the same graceful signal first: a daemonised helper may need to flush too.
  if (graceful) place?.signalOutside(spec.stopSignal, proc.pgid);
  const exited = await escalateStop(host, proc, spec.stopSignal, spec.stopTimeoutMs, graceful);
  // ...and what is left of the same stop timeout to finish, as the group had.
  if (graceful) await place?.drained(Math.max(0, deadline - Date.now()));
  await place?.cleanup();
  return exited;
}
