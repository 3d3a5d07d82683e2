// Limits and whole-tree cleanup with real processes and the host's real cgroups: a PHP script that
// allocates past its memory limit is OOM-killed and its run says OOMKilled; a process that left the
// run's process group with setsid() is still ended when the run ends; pids and rlimits hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostLimits } from '../../../src/host/limit-groups.js';
import { alive, job, jobRig, until } from './helpers.js';

const enforced = hostLimits().missing({ memoryBytes: 1, processes: 1, openFiles: 64 }).length === 0;

test(
  'a memory limit kills a PHP script that allocates past it, and the run says OOMKilled',
  { skip: !enforced },
  async (t) => {
    const rig = jobRig(t, Date.now(), false);
    await rig.runner.apply([
      job('hog', {
        // CLI PHP has no memory_limit of its own here: only the cgroup stops it.
        command: [
          'php',
          '-d',
          'memory_limit=-1',
          '-r',
          '$a = str_repeat("x", 512 * 1024 * 1024); echo strlen($a), "\\n";',
        ],
        limits: { memory: '32m' },
      }),
    ]);
    const rec = await rig.runner.trigger('hog');
    const done = await rig.runner.wait('hog', rec.id);
    assert.equal(done?.outcome, 'failed', JSON.stringify(done));
    assert.equal(done?.reason, 'OOMKilled', JSON.stringify(done));
    assert.equal(done?.signal, 'SIGKILL');
    assert.match(done?.message ?? '', /^OOMKilled: .*33554432 bytes/);
    const log = existsSync(done!.log) ? readFileSync(done!.log, 'utf8') : '';
    assert.ok(!log.includes('536870912'), 'the allocation never completed');
  },
);

test('a run that ends takes its whole tree along: a setsid() escape is killed too', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  const pidFile = join(rig.root, 'escaped.pid');
  await rig.runner.apply([
    job('escape', {
      // The child starts its own session (and process group): a group kill alone misses it.
      command: [`setsid sleep 300 & echo $! > ${pidFile}; sleep 0.3; exit 0`],
      shell: true,
      user: 'root',
      allowRoot: true,
    }),
  ]);
  const rec = await rig.runner.trigger('escape');
  const done = await rig.runner.wait('escape', rec.id);
  assert.equal(done?.outcome, 'succeeded', JSON.stringify(done));
  const escaped = Number(readFileSync(pidFile, 'utf8').trim());
  assert.ok(escaped > 1);
  const sid = readFileSync(`/proc/${escaped}/stat`, 'utf8').split(') ')[1]?.split(' ')[3];
  assert.equal(sid, String(escaped), 'it did leave the session');
  await until('the escaped process to be gone', () => !alive(escaped), 10_000);
});

test('processes and openFiles limits hold inside the run', { skip: !enforced }, async (t) => {
  const rig = jobRig(t, Date.now(), false);
  await rig.runner.apply([
    job('bounded', {
      // Each background sleep is a process; past pids.max the fork fails ("Resource temporarily unavailable").
      command: ['ulimit -n; for i in 1 2 3 4 5 6 7 8 9 10; do sleep 5 & done 2>&1; wait; true'],
      shell: true,
      limits: { processes: 4, openFiles: 64 },
    }),
  ]);
  const rec = await rig.runner.trigger('bounded');
  const done = await rig.runner.wait('bounded', rec.id);
  const log = readFileSync(done!.log, 'utf8');
  assert.match(log, /^64$/m, log);
  assert.match(log, /fork|Resource temporarily unavailable/i, log);
});
