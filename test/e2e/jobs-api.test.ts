// Jobs through the real Controller and API (inject()): a Job in the desired state is applied, its
// status carries the Job phase; POST /v1/jobs/NAME/runs needs the token and starts a real run; the
// run record and its log (secrets masked) are readable; status lists the run.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Response as LightMyRequestResponse } from 'light-my-request';
import { buildServer } from '../../src/api/server.js';
import { controllerApiDeps } from '../../src/controller/api-deps.js';
import { liveController } from '../helpers/controller-env.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from './serve-harness.js';

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'Pw-very-secret-4711';

type Call = (
  method: 'GET' | 'POST',
  url: string,
  body?: unknown,
  auth?: boolean | string,
) => Promise<LightMyRequestResponse>;

/** A real Controller and API over one desired-state file; `auth` is true (API token) or a token. */
async function serveJobs(t: TestContext, yaml: string): Promise<{ base: string; call: Call }> {
  const base = tempDir(t, 'tend-e2e-jobs-');
  const ds = join(base, 'ds');
  mkdirSync(ds);
  writeFileSync(join(ds, 'j.yaml'), yaml);
  const { controller, opts } = await liveController(t, base, ds, 60_000);
  const deps = controllerApiDeps({ controller, opts, isReady: () => true });
  const app = buildServer(deps, { token: TOKEN });
  t.after(() => app.close());
  const call: Call = (method, url, body, auth = false) =>
    app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as object } : {}),
      headers: auth ? { authorization: `Bearer ${auth === true ? TOKEN : auth}` } : {},
    });
  await controller.start();
  return { base, call };
}

test('a Job is triggered through the API with the token, and its run record and log are readable', async (t) => {
  const { call } = await serveJobs(
    t,
    `apiVersion: tend/v1
kind: Job
metadata: { name: report }
spec:
  command: ['echo "report for $DB_PASSWORD"; exit 0']
  shell: true
  user: nobody
  env: { DB_PASSWORD: { value: ${SECRET}, secret: true } }
`,
  );

  const before = (await call('GET', '/v1/resources/Job/report')).json();
  // No schedule and never run: nothing will start it by itself, so it is Pending, not Scheduled.
  assert.equal(before.status.phase, 'Pending', JSON.stringify(before.status));

  assert.equal((await call('POST', '/v1/jobs/report/runs', {})).statusCode, 401);
  assert.equal((await call('POST', '/v1/jobs/nope/runs', {}, true)).statusCode, 404);
  const started = await call('POST', '/v1/jobs/report/runs', { wait: true }, true);
  assert.equal(started.statusCode, 201, started.body);
  const run = started.json().run;
  assert.equal(run.outcome, 'succeeded');
  assert.equal(run.trigger, 'api');
  assert.equal(run.exitCode, 0);

  const list = (await call('GET', '/v1/jobs/report/runs')).json();
  assert.deepEqual(
    list.runs.map((r: { id: string }) => r.id),
    [run.id],
  );
  assert.equal((await call('GET', `/v1/jobs/report/runs/${run.id}`)).json().run.id, run.id);
  const log = await call('GET', `/v1/jobs/report/runs/${run.id}/log`);
  assert.equal(log.statusCode, 200);
  assert.match(log.body, /report for \*\*\*/);
  assert.ok(!log.body.includes(SECRET), 'secrets never leave through the log route');
  assert.equal((await call('GET', '/v1/jobs/report/runs/../../x/log')).statusCode, 404);

  const after = await waitFor('status to show the run', async () => {
    const st = (await call('GET', '/v1/resources/Job/report')).json().status;
    return st.health?.lastSuccessfulRun?.id === run.id && st;
  });
  assert.equal(after.phase, 'Succeeded');
  assert.equal(after.health.recentRuns[0].id, run.id);

  const metrics = (await call('GET', '/metrics')).body;
  assert.match(metrics, /^tend_job_runs_total\{job="report",outcome="succeeded"\} 1$/m);
  assert.match(metrics, /^tend_job_run_duration_seconds_count\{job="report"\} 1$/m);
  assert.match(metrics, /^tend_job_last_success_timestamp_seconds\{job="report"\} \d{10}$/m);
  assert.match(metrics, /^tend_job_running\{job="report"\} 0$/m);
});

test("a Job's trigger token is readable by its user only, runs its own Job and is refused for another", async (t) => {
  const { base, call } = await serveJobs(
    t,
    `apiVersion: tend/v1
kind: Job
metadata: { name: mailer }
spec:
  command: [/bin/true]
  user: nobody
  trigger: { token: true }
---
apiVersion: tend/v1
kind: Job
metadata: { name: backup }
spec:
  command: [/bin/true]
  user: nobody
`,
  );
  const status = (await call('GET', '/v1/resources/Job/mailer')).json().status;
  const file = String(status.outputs.triggerTokenFile);
  assert.ok(file.startsWith(base), JSON.stringify(status.outputs));
  const info = statSync(file);
  assert.equal(info.uid, 65534, 'owned by the Job user (nobody)');
  assert.equal(info.mode & 0o777, 0o400);
  // The temp dir stands in for /run/tend, which every user may traverse.
  for (let dir = dirname(file); dir.startsWith(base); dir = dirname(dir)) chmodSync(dir, 0o711);
  const asUser = (user: string) =>
    spawnSync('runuser', ['-u', user, '--', 'cat', file], { encoding: 'utf8' });
  const read = asUser('nobody');
  assert.equal(read.status, 0, read.stderr);
  const jobToken = read.stdout.trim();
  assert.ok(jobToken.length >= 32);
  assert.notEqual(asUser('daemon').status, 0, 'another user cannot read it');
  assert.equal(
    (await call('GET', '/v1/resources/Job/backup')).json().status.outputs.triggerTokenFile,
    undefined,
  );

  const own = await call('POST', '/v1/jobs/mailer/runs', { wait: true }, jobToken);
  assert.equal(own.statusCode, 201, own.body);
  assert.equal(own.json().run.outcome, 'succeeded');
  const runs = await call('GET', '/v1/jobs/mailer/runs', undefined, jobToken);
  assert.equal(runs.statusCode, 200);

  const other = await call('POST', '/v1/jobs/backup/runs', {}, jobToken);
  assert.equal(other.statusCode, 401, other.body);
  assert.equal((await call('GET', '/v1/jobs/backup/runs')).json().runs.length, 0, 'backup never ran');
  const apply = await call('POST', '/v1/reconcile', {}, jobToken);
  assert.equal(apply.statusCode, 401, 'the Job token is good for nothing else');
  const wrong = await call('POST', '/v1/jobs/mailer/runs', {}, `${jobToken.slice(0, -1)}x`);
  assert.equal(wrong.statusCode, 401);
});
