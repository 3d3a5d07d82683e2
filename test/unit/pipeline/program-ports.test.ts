// The plan reads every instance's lease (`Program/x#i`), exactly the ports the supervisor passes as
// PORT, so nginx proxies to the ports the instances really listen on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readProgramPorts } from '../../../src/pipeline/compute-plan.js';
import { createRealHost } from '../../../src/host/index.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

test('leases become per-instance lists in instance order, ending at the first instance without one', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'ports.json'),
    JSON.stringify({
      version: 1,
      leases: {
        'Program/api#10': 20300,
        'Program/api#2': 20009,
        'Program/api#0': 20000,
        'Program/api#1': 20004,
        'Program/gap#0': 21000,
        'Program/gap#2': 21002,
        'Program/late#1': 22001,
        'Program/bad#0': 70000,
        'Program/api#01': 1,
      },
    }),
  );
  const ports = await readProgramPorts(host, dir);
  assert.deepEqual(ports.get('api'), [20000, 20004, 20009]);
  assert.deepEqual(ports.get('gap'), [21000], 'instance 1 has no lease: the list stops there');
  assert.equal(ports.has('late'), false, 'no instance 0');
  assert.equal(ports.has('bad'), false, 'out of range');
});

test('no lease file: no ports', async (t) => {
  assert.equal((await readProgramPorts(host, tempDir(t))).size, 0);
});
