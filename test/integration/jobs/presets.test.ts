// The Job presets in desired-state/ load and run: the Laravel scheduler and WordPress cron stand-ins
// succeed, and the migration runs once for a revision. Paths point at this checkout's examples/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Job } from '../../../src/model/index.js';
import { loadDesiredState } from '../../../src/source/index.js';
import { repoRoot } from '../../helpers/paths.js';
import { jobRig, until } from './helpers.js';

test('the Job presets in desired-state/ run with the example stand-ins', async (t) => {
  const loaded = await loadDesiredState(join(repoRoot(), 'desired-state'));
  const shop = join(repoRoot(), 'examples/www/shop');
  const jobs = loaded.resources
    .map((r) => r.resource)
    .filter((r): r is Job => r.kind === 'Job')
    .map((j) => {
      const command = j.spec.command.map((a) => a.replace('/var/www/tend-example/shop', shop));
      return { ...j, spec: { ...j.spec, command, directory: shop, user: 'nobody' } };
    });
  assert.deepEqual(jobs.map((j) => j.metadata.name).sort(), [
    'laravel-scheduler',
    'migrate',
    'wordpress-cron',
  ]);
  const rig = jobRig(t, Date.now(), false);
  await rig.runner.apply(jobs, 'rev-1');
  for (const name of ['laravel-scheduler', 'wordpress-cron']) {
    const rec = await rig.runner.trigger(name);
    const done = await rig.runner.wait(name, rec.id);
    assert.equal(done?.outcome, 'succeeded', `${name}: ${done?.message}`);
  }
  const migrated = await until('the migration to finish', () => {
    const l = rig.runner.history.list('migrate');
    return l.length === 1 && l[0]!.outcome !== 'running' && l[0];
  });
  assert.equal(migrated.outcome, 'succeeded', migrated.message);
  assert.equal(migrated.revision, 'rev-1');
});
