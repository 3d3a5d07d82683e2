// Program limits with real processes and the host's cgroups: an instance that allocates past its
// memory limit is OOM-killed and says so; stopping a Program ends a setsid() escape of its instance.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostLimits } from '../../../src/host/limit-groups.js';
import { phaseOf } from '../../../src/drivers/programs-native.js';
import { alive } from '../jobs/helpers.js';
import { program, rig, until } from './helpers.js';

const enforced = hostLimits().missing({ memoryBytes: 1 }).length === 0;

test(
  'a Program instance past its memory limit is OOM-killed and its last exit says OOMKilled',
  { skip: !enforced },
  async (t) => {
    const r = rig(t);
    await r.sup.apply([
      program('hog', {
        command: [
          'php',
          '-d',
          'memory_limit=-1',
          '-r',
          '$a = str_repeat("x", 512 * 1024 * 1024); sleep(60);',
        ],
        user: 'nobody',
        restart: 'never',
        startSeconds: 0,
        limits: { memory: '32m' },
      }),
    ]);
    const st = await until('the instance to exit', () => {
      const s = r.sup.statusOf('hog');
      return s?.instances[0]?.state === 'exited' && s;
    });
    assert.equal(st.instances[0]?.lastExit?.reason, 'OOMKilled', JSON.stringify(st.instances[0]));
    assert.equal(st.instances[0]?.lastExit?.signal, 'SIGKILL');
    assert.equal(phaseOf(st).phase, 'Degraded');
    assert.match(phaseOf(st).message, /OOMKilled/);
    assert.ok(r.events.some((e) => e.reason === 'Exited' && e.message.includes('OOMKilled')));
  },
);

test(
  'stopping a Program with limits ends what its instance started with setsid()',
  { skip: !enforced },
  async (t) => {
    const r = rig(t);
    const pidFile = join(r.root, 'escaped.pid');
    await r.sup.apply([
      program('escaper', {
        command: [`setsid sleep 300 & echo $! > ${pidFile}; exec sleep 300`],
        shell: true,
        user: 'root',
        allowRoot: true,
        startSeconds: 0,
        stop: { timeout: '1s' },
        limits: { processes: 50 },
      }),
    ]);
    const escaped = await until('the escaped pid', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });
    assert.equal(alive(escaped), true);
    await r.sup.apply([]);
    await until('the escaped process to be gone', () => !alive(escaped), 10_000);
  },
);
