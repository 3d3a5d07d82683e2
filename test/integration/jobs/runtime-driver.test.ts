// The Jobs' RuntimeDriver against the real JobRunner: apply(change) acts on the one Job it names
// (a new runOnce key starts a run, a delete interrupts its runs) and leaves the others' runs alone;
// observe() shows each run in flight with its pid.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JobsDriver } from '../../../src/drivers/index.js';
import { alive, job, jobRig, until } from './helpers.js';

test('apply(change) starts, keeps and stops only the Job it names', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  const driver = new JobsDriver(rig.runner);
  const migrate = job('migrate', { command: ['sleep', '60'], runOnce: 'spec' });
  assert.deepEqual(await driver.apply({ key: 'Job/migrate', action: 'create', resource: migrate }), {
    key: 'Job/migrate',
    did: 'start',
  });
  const pid = await until(
    'the run pid',
    () => driver.observe().find((o) => o.key === 'Job/migrate')?.instances[0]?.pid,
  );
  assert.ok(alive(pid));
  assert.equal(driver.observe().find((o) => o.key === 'Job/migrate')?.phase, 'Running');

  const nightly = job('nightly', { command: ['true'], schedule: '0 3 * * *' });
  assert.equal((await driver.apply({ key: 'Job/nightly', action: 'create', resource: nightly })).did, 'none');
  assert.deepEqual(
    driver
      .observe()
      .map((o) => o.key)
      .sort(),
    ['Job/migrate', 'Job/nightly'],
  );
  assert.equal(
    driver.observe().find((o) => o.key === 'Job/migrate')?.instances[0]?.pid,
    pid,
    'migrate untouched',
  );
  assert.equal(rig.runner.history.list('migrate').length, 1, 'its runOnce key did not run again');

  assert.equal((await driver.apply({ key: 'Job/migrate', action: 'delete' })).did, 'stop');
  await until('the run stopped', () => !alive(pid));
  assert.deepEqual(
    driver.observe().map((o) => o.key),
    ['Job/nightly'],
  );
  assert.equal((await driver.apply({ key: 'Job/nightly', action: 'no-op' })).did, 'none');
});
