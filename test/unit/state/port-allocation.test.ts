// The pure port-allocation step planning runs before rendering: stable leases, no collisions,
// release, and exhaustion with an error naming the key and the range.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  allocatePorts,
  exhaustedError,
  programPortsOf,
  releaseLeases,
  wantedProgramLeases,
} from '../../../src/state/port-allocation.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import type { Resource } from '../../../src/model/index.js';

const range = { from: 30000, to: 30009 };

test('a key keeps its lease; new keys get the lowest free ports; the input is not mutated', () => {
  const leases = new Map([['Program/web#0', 30005]]);
  const a = allocatePorts({ leases, want: ['Program/web#0', 'Program/web#1', 'Program/api#0'], range });
  assert.equal(a.leases.get('Program/web#0'), 30005, 'an existing lease is stable');
  assert.equal(a.leases.get('Program/web#1'), 30000);
  assert.equal(a.leases.get('Program/api#0'), 30001);
  assert.deepEqual(a.added, ['Program/web#1', 'Program/api#0']);
  assert.deepEqual(a.exhausted, []);
  assert.deepEqual([...leases], [['Program/web#0', 30005]], 'the leases on record are untouched');

  // The same input allocates the same: a second pass (or a restart) leases nothing new.
  const again = allocatePorts({
    leases: a.leases,
    want: ['Program/web#0', 'Program/web#1', 'Program/api#0'],
    range,
  });
  assert.deepEqual(again.added, []);
  assert.deepEqual([...again.leases], [...a.leases]);
});

test('no two keys share a port: leased and observed-bound ports are skipped', () => {
  const leases = new Map([
    ['Program/a#0', 30000],
    ['Terminal/t', 30002],
  ]);
  const a = allocatePorts({
    leases,
    want: ['Program/b#0', 'Program/b#1', 'Program/b#2'],
    range,
    unavailable: new Set([30001, 30004]),
  });
  assert.deepEqual(
    ['Program/b#0', 'Program/b#1', 'Program/b#2'].map((k) => a.leases.get(k)),
    [30003, 30005, 30006],
  );
  const ports = [...a.leases.values()];
  assert.equal(new Set(ports).size, ports.length, `expected distinct ports, got ${ports.join(',')}`);
});

test('a lease found taken by a stranger moves to another port, never back to the same one', () => {
  const leases = new Map([
    ['Program/a#0', 30000],
    ['Program/b#0', 30001],
  ]);
  const a = allocatePorts({ leases, want: ['Program/b#0'], range, move: new Set(['Program/b#0']) });
  assert.equal(a.leases.get('Program/b#0'), 30002);
  assert.deepEqual(a.added, ['Program/b#0']);
});

test('release drops one key, or every instance of a Program by its prefix', () => {
  const leases = new Map([
    ['Program/web#0', 30000],
    ['Program/web#1', 30001],
    ['Program/web2#0', 30002],
    ['Terminal/t', 30003],
  ]);
  const all = releaseLeases(leases, 'Program/web#');
  assert.deepEqual(all.released, ['Program/web#0', 'Program/web#1']);
  assert.deepEqual([...all.leases.keys()], ['Program/web2#0', 'Terminal/t'], 'web2 is not web');
  const one = releaseLeases(leases, 'Terminal/t');
  assert.deepEqual(one.released, ['Terminal/t']);
  assert.equal(leases.size, 4, 'the input is untouched');
  // A released port is free for the next key.
  const next = allocatePorts({ leases: all.leases, want: ['Program/new#0'], range });
  assert.equal(next.leases.get('Program/new#0'), 30000);
});

test('an exhausted range leases what it can and names the keys left without a port', () => {
  const leases = new Map([['Program/a#0', 40000]]);
  const a = allocatePorts({
    leases,
    want: ['Program/b#0', 'Program/b#1'],
    range: { from: 40000, to: 40002 },
    unavailable: new Set([40002]),
  });
  assert.equal(a.leases.get('Program/b#0'), 40001);
  assert.deepEqual(a.exhausted, ['Program/b#1']);
  assert.equal(a.leases.has('Program/b#1'), false);
  const err = exhaustedError('Program/b#1', { from: 40000, to: 40002 }, a.leases.size);
  assert.ok(isTendError(err, 'TEND_ERR_PORT_EXHAUSTED'));
  assert.match(err.message, /expected a free port in 40000-40002 for Program\/b#1, got none/);
});

test('planning wants a lease per instance of each port: auto Program, and reads them back in instance order', () => {
  const program = (name: string, port: unknown, instances: number) =>
    ({ kind: 'Program', metadata: { name }, spec: { port, instances } }) as unknown as Resource;
  const want = wantedProgramLeases([
    program('api', 'auto', 2),
    program('fixed', 8080, 3),
    program('w', 'auto', 1),
  ]);
  assert.deepEqual(want, ['Program/api#0', 'Program/api#1', 'Program/w#0']);
  const { leases } = allocatePorts({ leases: new Map(), want, range });
  assert.deepEqual(
    [...programPortsOf(leases)],
    [
      ['api', [30000, 30001]],
      ['w', [30002]],
    ],
  );
});
