// `tend job run NAME --wait` and `tend status Job/NAME` against a real `tend serve`: the run starts
// in the daemon, the CLI waits for it and exits by its outcome, and status lists the recent runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serveEnv, waitFor } from './serve-harness.js';

const jobYaml = (name: string, script: string) => `apiVersion: tend/v1
kind: Job
metadata: { name: ${name} }
spec:
  command: ['${script}']
  shell: true
  user: nobody
`;

test('tend job run --wait runs a Job in the daemon; tend status Job/x lists its runs', async (t) => {
  const env = await serveEnv(t);
  env.write('ok.yaml', jobYaml('ok', 'echo fine'));
  env.write('bad.yaml', jobYaml('bad', 'echo broken; exit 7'));
  await env.start();

  const ok = await env.tend('job', 'run', 'ok', '--wait');
  assert.equal(ok.code, 0, ok.stderr + ok.stdout);
  const id = ok.stdout.split(/\s/)[0]!;
  assert.match(ok.stdout, /succeeded: exited 0/);

  const bad = await env.tend('job', 'run', 'bad', '--wait');
  assert.equal(bad.code, 1, bad.stderr + bad.stdout);
  assert.match(bad.stdout, /failed: exited 7/);

  const missing = await env.tend('job', 'run', 'nope');
  assert.notEqual(missing.code, 0);
  assert.match(missing.stderr, /Job\/nope/);

  const status = await env.status('Job/ok');
  assert.equal(status.code, 0, status.stderr);
  assert.match(status.stdout, /Runs:/);
  assert.match(status.stdout, new RegExp(`${id}\\s+succeeded`));
  const badStatus = await env.status('Job/bad');
  assert.match(badStatus.stdout, /Failed/);
  assert.match(badStatus.stdout, /lastFailedLogTail: .*broken/);
});

test('tend serve runs a * * * * * schedule on its own timer, at the due minute', async (t) => {
  const env = await serveEnv(t);
  env.write(
    'tick.yaml',
    `apiVersion: tend/v1
kind: Job
metadata: { name: tick }
spec:
  command: [date]
  user: nobody
  schedule: "* * * * *"
`,
  );
  await env.start();
  const run = await waitFor(
    'a scheduled run',
    async () => {
      const r = await env.api('GET', '/v1/jobs/tick/runs');
      const runs = (
        r.body as { runs?: { trigger: string; outcome: string; dueAt?: number; startedAt: number }[] }
      ).runs;
      return runs?.find((x) => x.trigger === 'schedule' && x.outcome === 'succeeded');
    },
    90_000,
  );
  assert.equal(run.dueAt! % 60_000, 0);
  assert.ok(run.startedAt >= run.dueAt!, 'never before the due time');
});
