// `tend logs` and GET /v1/resources/:kind/:name/logs against a real `tend serve`: a Program's
// instances (framed with instance and stream, secrets masked, --tail, --instance), `tend logs -f`
// seeing lines arrive live, a Site's access log after real requests through nginx, a Job's run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { programYaml, serveEnv, waitFor } from './serve-harness.js';

const TICKER = `let n = 0;
setInterval(() => {
  n++;
  process.stdout.write('tick ' + n + ' of ' + process.env.TEND_INSTANCE + ' key=' + process.env.API_KEY + '\\n');
  if (n % 5 === 0) process.stderr.write('warn ' + n + '\\n');
}, 200);
`;

test('tend logs: Program instances framed and masked, -f follows live, Site access log, Job run', async (t) => {
  const env = await serveEnv(t);
  const ticker = join(env.base, 'ticker.mjs');
  writeFileSync(ticker, TICKER);
  env.write(
    'app.yaml',
    programYaml(
      'app',
      ticker,
      '  instances: 2\n  env: { API_KEY: { value: s3cr3t-value, secret: true } }\n',
    ).replace('  port: auto\n', ''),
  );
  env.write('s.yaml', staticSiteYaml('s', env.www));
  writeFileSync(join(env.www, 'index.html'), 'hello\n');
  env.write(
    'job.yaml',
    `apiVersion: tend/v1
kind: Job
metadata: { name: once }
spec:
  command: ['echo job-output-line']
  shell: true
  user: nobody
`,
  );
  await env.start();
  await waitFor('app Ready', async () => (await env.resource('Program/app'))?.phase === 'Ready');

  const logs = await waitFor('ticks of both instances', async () => {
    const r = await env.tend('logs', 'Program/app', '--tail', '40');
    return r.code === 0 &&
      /app\[0\] output \| tick/.test(r.stdout) &&
      /app\[1\] output \| tick/.test(r.stdout)
      ? r
      : undefined;
  });
  assert.doesNotMatch(logs.stdout, /s3cr3t-value/, 'secret values are masked');
  assert.match(logs.stdout, /key=\*\*\*/);
  assert.match(logs.stdout, /^Program\/app\[\d\] output \| /m);
  assert.ok(logs.stdout.trim().split('\n').length <= 40, '--tail caps the lines');

  const one = await env.tend('logs', 'Program/app', '--instance', '1', '--tail', '5', '--json');
  assert.equal(one.code, 0, one.stderr);
  const lines = one.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { instance: string; stream: string });
  assert.ok(lines.length > 0 && lines.length <= 5);
  assert.ok(lines.every((l) => l.instance === '1' && l.stream === 'output'));

  const bad = await env.tend('logs', 'Program/app', '--instance', '9');
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--instance: expected 0 to 1/);

  // -f: lines written after it started arrive while it runs.
  const follower = spawn(
    process.execPath,
    [BIN, 'logs', 'Program/app', '-f', '--tail', '1', '--root', env.root],
    {
      cwd: env.base,
      stdio: 'pipe',
    },
  );
  t.after(() => {
    follower.kill('SIGKILL');
  });
  let followed = '';
  follower.stdout.on('data', (d: Buffer) => (followed += d.toString()));
  const firstTick = () => Math.max(...[...followed.matchAll(/tick (\d+)/g)].map((m) => Number(m[1])));
  await waitFor('the first followed line', () => /tick \d+/.test(followed));
  const start = firstTick();
  await waitFor('newer lines arrive live', () => firstTick() >= start + 5);
  assert.match(followed, /warn \d+/, 'stderr is in the same stream');
  follower.kill('SIGTERM');

  // A Site's access log after a real request through the embedded nginx.
  await waitFor('s Ready', async () => (await env.resource('Site/s'))?.phase === 'Ready');
  await httpGet(env.port, 's.e2e.test', '/marker-path-123');
  const site = await waitFor('the access line', async () => {
    const r = await env.tend('logs', 'Site/s', '--since', '10m');
    return /Site\/s access \| .*marker-path-123/.test(r.stdout) ? r : undefined;
  });
  assert.equal(site.code, 0);

  // A Job: the last run's output, marked with the run id.
  const run = await env.tend('job', 'run', 'once', '--wait');
  assert.equal(run.code, 0, run.stderr + run.stdout);
  const id = run.stdout.split(/\s/)[0]!;
  const job = await env.tend('logs', 'Job/once');
  assert.equal(job.code, 0, job.stderr);
  assert.match(job.stdout, new RegExp(`Job/once\\[${id}\\] output \\| job-output-line`));

  // Over HTTP, the same lines; a missing resource is a 404 with the key.
  const api = await env.api('GET', '/v1/resources/Site/s/logs?tail=5');
  assert.equal(api.status, 200);
  const missing = await env.api('GET', '/v1/resources/Site/nope/logs');
  assert.equal(missing.status, 404);
  // Logs need the token even on loopback: any local user (a tenant) can reach a loopback API.
  const anon = await env.api('GET', '/v1/resources/Program/app/logs', undefined, false);
  assert.equal(anon.status, 401);
  assert.doesNotMatch(JSON.stringify(anon.body), /tick/);
});
