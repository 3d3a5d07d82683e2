// Jobs through the real Controller and API (inject()): a Job in the desired state is applied, its
// status carries the Job phase; POST /v1/jobs/NAME/runs needs the token and starts a real run; the
// run record and its log (secrets masked) are readable; status lists the run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { buildServer } from '../../src/api/server.js';
import { controllerApiDeps } from '../../src/controller/api-deps.js';
import { Controller } from '../../src/controller/controller.js';
import { createRealHost } from '../../src/host/real-host.js';
import { embeddedLayout } from '../../src/layout/layout.js';
import { EventLog } from '../../src/state/events.js';
import { StatusStore } from '../../src/state/status-store.js';
import { tempDir } from '../helpers/tmp.js';
import { waitFor } from './serve-harness.js';

const TOKEN = 'test-token-0123456789abcdef';
const SECRET = 'Pw-very-secret-4711';

test('a Job is triggered through the API with the token, and its run record and log are readable', async (t) => {
  const base = tempDir(t, 'tend-e2e-jobs-');
  const ds = join(base, 'ds');
  mkdirSync(ds);
  writeFileSync(
    join(ds, 'j.yaml'),
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
  const host = createRealHost();
  const layout = embeddedLayout(join(base, 'root'));
  await host.fs.mkdirp(layout.stateDir, 0o700);
  const store = await StatusStore.load(host, layout.stateDir);
  const events = await EventLog.open(host, layout.stateDir);
  const opts = {
    host,
    layout,
    desiredDir: ds,
    store,
    events,
    log: pino({ level: 'silent' }),
    resyncMs: 60_000,
  };
  const controller = new Controller(opts);
  const deps = controllerApiDeps({ controller, opts, isReady: () => true });
  const app = buildServer(deps, { token: TOKEN });
  t.after(async () => {
    await app.close();
    await controller.stop({ keepPrograms: false });
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
  });
  const call = (method: 'GET' | 'POST', url: string, body?: unknown, auth = false) =>
    app.inject({
      method,
      url,
      ...(body !== undefined ? { payload: body as object } : {}),
      headers: auth ? { authorization: `Bearer ${TOKEN}` } : {},
    });
  await controller.start();

  const before = (await call('GET', '/v1/resources/Job/report')).json();
  assert.equal(before.status.phase, 'Scheduled', JSON.stringify(before.status));

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
