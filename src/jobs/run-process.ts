// One run's process: spawned through the supervisor's spawnInstance (same identity switch, env
// rules and own process group as a Program), born in its own cgroup with its limits, its output into
// the run's own log file through a FIFO, and a stop that signals the whole tree (supervisor/stop-tree.ts),
// then SIGKILLs what is left (grandchildren and setsid() escapes included). When the run ends, whatever is left of its tree is killed too
// (processes that left the group with setsid()), and an OOM kill is reported.
import { renameSync, rmSync } from 'node:fs';
import type { Host } from '../host/index.js';
import { stopTree } from '../supervisor/stop-tree.js';
import { newProc, type Proc } from '../supervisor/proc.js';
import type { Identity } from '../supervisor/identity.js';
import { LogPipe } from '../supervisor/log-pipe.js';
import { placeTree, type PlacementHosts } from '../supervisor/placement.js';
import { spawnInstance } from '../supervisor/spawn-child.js';
import { join } from 'node:path';
import { resolveIdentity } from '../supervisor/identity.js';
import type { RunRecord } from './history.js';
import { nextDue } from './cron.js';
import type { JobRuntime } from './job-spec.js';

export interface RunExit {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  /** The kernel's OOM killer ended a process of the run (its memory limit was hit). */
  oomKilled: boolean;
}

export interface RunProcess {
  pid: number;
  exited: Promise<RunExit>;
  /** Stop signal to the group, SIGKILL after the Job's stop timeout; resolves once the leader is gone. */
  stop(graceful?: boolean): Promise<void>;
  /** The run's tree cgroup in scope `jobs`; undefined when none could be made. */
  tree: string | undefined;
  /** Why the run has no cgroup of its own (a stop reaches its process group only). */
  untracked: string | undefined;
}

export async function startRunProcess(
  host: Host,
  job: JobRuntime,
  runId: string,
  identity: Identity,
  paths: { fifo: string; log: string; spare?: string },
  hosts: PlacementHosts = {},
): Promise<RunProcess | { error: string }> {
  // A spare FIFO made ahead of the due time (see spareFifo) saves a mkfifo process at the start.
  if (paths.spare)
    try {
      renameSync(paths.spare, paths.fifo);
    } catch {
      /* none ready: LogPipe.open makes one */
    }
  const pipe = await LogPipe.open(host, paths.fifo, paths.log, {
    maxBytes: job.process.logMaxBytes,
    keep: job.process.logKeep,
    maxLineLength: job.process.maxLineLength,
  });
  const spec = { ...job.process, env: { ...job.process.env, TEND_JOB: job.name, TEND_JOB_RUN: runId } };
  const place = placeTree('jobs', `${process.pid}.${job.name}.${runId}`, job.process.limits, hosts);
  const spawned = await spawnInstance(spec, 0, undefined, identity, pipe, place);
  const cleanup = async () => {
    await place.cleanup();
    await pipe.close(1000);
    rmSync(paths.fifo, { force: true });
  };
  if ('error' in spawned) {
    pipe.writer.write(Buffer.from(`tend: could not start the run: ${spawned.error}\n`));
    await cleanup();
    return { error: spawned.error };
  }
  const { child, pid } = spawned;
  const proc: Proc = newProc(pid, pid, 0, host.now(), child);
  let stopping: Promise<unknown> | undefined;
  const exited = new Promise<RunExit>((resolve) => {
    child.once('exit', (exitCode, signal) => {
      proc.done = true;
      proc.markExited();
      const oomKilled = place.oomKilled();
      // A stop in progress gives the escapees the rest of its timeout before the tree is killed.
      void (stopping ?? Promise.resolve()).then(cleanup).then(() => resolve({ exitCode, signal, oomKilled }));
    });
  });
  return {
    pid,
    exited,
    tree: place.tree,
    untracked: place.untracked,
    async stop(graceful = true) {
      if (proc.done) return;
      stopping = stopTree(host, proc, place, job.process, graceful);
      await stopping;
    },
  };
}

/** Resolves the Job's identity and starts the run's process; a failure is `{ error }` naming the Job. */
export async function launchRun(
  host: Host,
  job: JobRuntime,
  record: RunRecord,
  runDir: string,
  hosts: PlacementHosts = {},
): Promise<RunProcess | { error: string }> {
  try {
    const identity = await resolveIdentity(host, job.name, job.process);
    const paths = {
      fifo: join(runDir, `${job.name}.${record.id}.fifo`),
      log: record.log,
      spare: spareFifo(runDir, job.name),
    };
    return await startRunProcess(host, job, record.id, identity, paths, hosts);
  } catch (err) {
    // resolveIdentity speaks of Programs; the run record names the Job.
    return { error: (err as Error).message.split(`Program/${job.name}:`).join(`Job/${job.name}:`) };
  }
}

/** The FIFO the runner prepares for a Job's next scheduled run, before it is due. */
export const spareFifo = (runDir: string, job: string) => join(runDir, `${job}.spare.fifo`);

/** The runs due by `wake` get their FIFO before it: no mkfifo process between due time and spawn. */
export function prepareSpares(
  host: Host,
  runDir: string,
  jobs: Iterable<JobRuntime>,
  now: number,
  wake: number,
): void {
  const soon = [...jobs].filter(
    (j) => j.schedule && !j.suspend && (nextDue(j.schedule, j.timeZone, now) ?? Infinity) <= wake,
  );
  if (soon.length === 0) return;
  void LogPipe.prepare(
    host,
    soon.map((j) => spareFifo(runDir, j.name)),
  ).catch(() => undefined);
}
