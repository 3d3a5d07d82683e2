// The daemon's runtime stage (decision 0046) end to end: a new desired-state revision is a plan step
// for a `restartOn: revision` worker, `tend reconcile --plan` announces its graceful roll, and the
// runtime driver performs exactly that roll, one instance at a time, leaving other Programs alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { programYaml, serveEnv, waitFor } from './serve-harness.js';

type Status = {
  phase?: string;
  outputs?: Record<string, string | number>;
};

interface LoggedEvent {
  time: string;
  key?: string;
  reason: string;
  message: string;
}

test('tend serve: a new revision rolls a restartOn: revision worker as the plan announced', async (t) => {
  const env = await serveEnv(t);
  const git = (...args: string[]) => {
    const r = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', env.ds, ...args], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  };
  env.write(
    'worker.yaml',
    programYaml('worker', env.programScript, '  instances: 2\n  restartOn: revision\n'),
  );
  env.write('other.yaml', programYaml('other', env.programScript));
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'first');
  const first = git('rev-parse', 'HEAD');
  await env.start();

  const pidsOf = async (key: string) => {
    const st = (await env.resource(key)) as Status | undefined;
    return st?.phase === 'Ready' ? String(st.outputs?.pids ?? '') : undefined;
  };
  const revisionOf = (pid: string) =>
    readFileSync(`/proc/${pid}/environ`, 'utf8')
      .split('\0')
      .find((l) => l.startsWith('TEND_REVISION='));
  const workerBefore = await waitFor('worker Ready', async () => {
    const pids = await pidsOf('Program/worker');
    return pids?.split(',').length === 2 ? pids : undefined;
  });
  const otherBefore = await waitFor('other Ready', () => pidsOf('Program/other'));
  for (const pid of workerBefore.split(',')) assert.equal(revisionOf(pid), `TEND_REVISION=${first}`);

  // Paused, the daemon plans but applies nothing: the plan can be read before the roll happens.
  assert.equal((await env.tend('pause')).code, 0);
  env.write('other.yaml', `# deployed again\n${programYaml('other', env.programScript)}`);
  git('commit', '-qam', 'deploy');
  const second = git('rev-parse', 'HEAD');
  const plan = await env.tend('reconcile', '--plan');
  assert.match(
    plan.stdout,
    /^ {2}~ Program\/worker will be updated \(the revision changed \(restartOn: revision\)\)$/m,
    plan.stdout + plan.stderr,
  );
  assert.ok(plan.stdout.includes(`~ spec.env.TEND_REVISION: "${first}" -> "${second}"`), plan.stdout);
  assert.match(
    plan.stdout,
    /^ {6}instances: instances restart one at a time \(rolling, restartOn: revision/m,
  );
  assert.doesNotMatch(plan.stdout, /Program\/other will be/, 'a Program without restartOn stays as it runs');
  const json = JSON.parse((await env.tend('reconcile', '--plan', '--json')).stdout);
  const step = json.changes.find((c: { key: string }) => c.key === 'Program/worker');
  assert.equal(step.runtime.restart, 'rolling');
  assert.equal((await pidsOf('Program/worker')) ?? '', workerBefore, 'nothing rolls while paused');

  const since = new Date().toISOString();
  assert.equal((await env.tend('resume')).code, 0);
  const workerAfter = await waitFor(
    'both workers replaced',
    async () => {
      const pids = await pidsOf('Program/worker');
      const now = pids?.split(',') ?? [];
      const old = workerBefore.split(',');
      return now.length === 2 && now.every((p, i) => p !== old[i]) ? pids : undefined;
    },
    120_000,
  );
  for (const pid of workerAfter.split(',')) assert.equal(revisionOf(pid), `TEND_REVISION=${second}`);
  assert.equal(await pidsOf('Program/other'), otherBefore, 'the other Program was not restarted');

  // One at a time: instance 0 is stopped and started again before instance 1 is stopped.
  const eventsFile = join(env.root, 'state/events.jsonl');
  const sequence = await waitFor('the roll in the event log', () => {
    if (!existsSync(eventsFile)) return undefined;
    const seq = readFileSync(eventsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as LoggedEvent)
      .filter((e) => e.time >= since && e.key === 'Program/worker')
      .filter((e) => e.reason === 'Stopped' || e.reason === 'Started')
      .map((e) => `${e.reason}${/instance (\d+)/.exec(e.message)?.[1] ?? '?'}`);
    return seq.length >= 4 ? seq : undefined;
  });
  assert.deepEqual(sequence.slice(0, 4), ['Stopped0', 'Started0', 'Stopped1', 'Started1']);

  // Applied: the next plan is in sync again.
  await waitFor('the plan in sync', async () =>
    /No changes\./.test((await env.tend('reconcile', '--plan')).stdout),
  );
});

test('tend serve: a Program gone after a reboot is started again with no plan step (drift)', async (t) => {
  const env = await serveEnv(t);
  env.write('app.yaml', programYaml('app', env.programScript));
  await env.start();
  const ready = async () => {
    const st = (await env.resource('Program/app')) as Status | undefined;
    return st?.phase === 'Ready' ? String(st.outputs?.pids ?? '') : undefined;
  };
  const before = await waitFor('app Ready', ready);

  // As after a reboot: tend and its Program are gone, and so are the run files /run held (nothing to
  // adopt), while the inventory still says the Program is applied.
  env.daemon.proc.kill('SIGKILL');
  await env.daemon.exited;
  for (const pid of before.split(',')) process.kill(Number(pid), 'SIGKILL');
  await waitFor('the instance gone', () => !existsSync(`/proc/${before}`));
  rmSync(join(env.root, 'run/programs'), { recursive: true, force: true });
  const plan = await env.tend('reconcile', '--plan');
  assert.match(plan.stdout, /No changes\. The host matches the desired state\./, plan.stdout + plan.stderr);

  // The plan names nothing; the driver's observation finds the Program missing and starts it.
  await env.start();
  const after = await waitFor('app Ready again', async () => {
    const pids = await ready();
    return pids && pids !== before ? pids : undefined;
  });
  assert.ok(existsSync(`/proc/${after}`), 'the new instance runs');
});
