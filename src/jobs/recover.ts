// After a crash: records a previous tend left "running" become interrupted, once, and a process of
// theirs still alive is killed (its group), but only when /proc proves it is that run: pids are
// reused. The run's own cgroup, named in its record, is killed and removed (setsid() escapes too).
// Nothing is rerun for them here; the next trigger (or retries) decides.
import type { Host } from '../host/index.js';
import type { Cgroups } from '../host/cgroup.js';
import { reopenTree } from '../supervisor/placement.js';
import type { JobHistory } from './history.js';

/** A pid is only ours if its environment still names the run. */
async function isOurRun(host: Host, pid: number, runId: string): Promise<boolean> {
  const env = await host.fs.readFile(`/proc/${pid}/environ`).catch(() => undefined);
  return env !== undefined && env.toString().split('\0').includes(`TEND_JOB_RUN=${runId}`);
}

export async function recoverInterrupted(
  host: Host,
  history: JobHistory,
  now: number,
  names: readonly string[],
  hooks: {
    isActive: (name: string, id: string) => boolean;
    onInterrupted: (name: string, id: string) => void;
    cgroups?: Cgroups;
  },
): Promise<void> {
  for (const name of names)
    for (const r of history.list(name)) {
      if (r.outcome !== 'running' || hooks.isActive(name, r.id)) continue;
      if (r.pid && (await isOurRun(host, r.pid, r.id))) host.kill(-r.pid, 'SIGKILL');
      // The group the record names is this run's alone: what left the process group dies there.
      if (r.cgroup)
        await reopenTree('jobs', r.cgroup, hooks.cgroups ? { cgroups: hooks.cgroups } : {}).cleanup();
      history.write({
        ...r,
        outcome: 'interrupted',
        endedAt: now,
        durationMs: Math.max(0, now - r.startedAt),
        message: 'tend stopped while this run was in progress',
      });
      hooks.onInterrupted(name, r.id);
    }
}
