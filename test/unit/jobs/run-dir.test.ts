// The Jobs' private run dir must not make the shared run dir private too: nginx's workers traverse
// that dir to reach the pool sockets, and a 0700 parent turned every PHP site into a 502.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/index.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { tempDir } from '../../helpers/tmp.js';

test('the Jobs run dir is 0700 while the run dir it lives in keeps its traversable mode', (t) => {
  const base = tempDir(t, 'tend-jobs-rundir-');
  const stateDir = join(base, 'state');
  mkdirSync(stateDir, { mode: 0o700 });
  const runDir = join(base, 'run', 'jobs');
  new JobRunner({ host: createRealHost(), stateDir, runDir });
  assert.equal(statSync(runDir).mode & 0o777, 0o700);
  assert.equal(statSync(join(base, 'run')).mode & 0o055, 0o055, 'group and others may traverse run/');
});
