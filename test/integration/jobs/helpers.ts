// Shared setup for Job runtime tests: a temp state dir, a real Host, Jobs built through the schema,
// a clock the test moves, and polling helpers with generous bounds.
import type { TestContext } from 'node:test';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { createRealHost } from '../../../src/host/real-host.js';
import { JobRunner, type JobEvent } from '../../../src/jobs/runner.js';
import { jobResource, type Job } from '../../../src/model/index.js';
import { tempDir } from '../../helpers/tmp.js';

export { until } from '../supervisor/helpers.js';

export function job(name: string, spec: Record<string, unknown>): Job {
  return jobResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Job',
    metadata: { name },
    spec: { user: 'nobody', ...spec },
  });
}

export interface JobRig {
  root: string;
  clock: { t: number; now(): number };
  runner: JobRunner;
  events: JobEvent[];
  /** A second runner on the same state dir: what a restarted tend sees. */
  restart(): JobRunner;
}

export function jobRig(t: TestContext, start = Date.now(), virtual = true): JobRig {
  const runners: JobRunner[] = [];
  t.after(async () => {
    for (const r of runners) await r.stop();
  });
  const root = tempDir(t, 'tend-jobs-');
  const clock = { t: start, now: () => (virtual ? clock.t : Date.now()) };
  const events: JobEvent[] = [];
  const make = () => {
    const r = new JobRunner({
      host: createRealHost(),
      stateDir: join(root, 'state'),
      runDir: join(root, 'run'),
      clock,
    });
    r.on('event', (e: JobEvent) => events.push(e));
    runners.push(r);
    return r;
  };
  return { root, clock, runner: make(), events, restart: make };
}

/** A live process: a zombie (dead, not yet reaped by its parent) is not alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
