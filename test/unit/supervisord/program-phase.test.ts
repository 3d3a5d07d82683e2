// The phase of a supervisord-backend Program from supervisord's states: never Ready for FATAL,
// BACKOFF or a missing process; Unknown when supervisord cannot be asked.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { programResource } from '../../../src/model/index.js';
import type { InstanceInfo } from '../../../src/drivers/supervisord/observe.js';
import { supervisordPhase } from '../../../src/drivers/supervisord/program-phase.js';

const program = (instances = 1, restart = 'always') =>
  programResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Program',
    metadata: { name: 'w' },
    spec: { backend: 'supervisord', user: 'nobody', command: ['/bin/true'], instances, restart },
  });

const inst = (state: InstanceInfo['state'], extra: Partial<InstanceInfo> = {}): InstanceInfo => ({
  program: 'w',
  namespec: 'w',
  index: 0,
  state,
  statename: state.toUpperCase(),
  description: '',
  ...extra,
});

test('RUNNING for every instance is Ready; fewer is not', () => {
  assert.equal(supervisordPhase(program(), [inst('running', { pid: 5 })]).phase, 'Ready');
  assert.equal(supervisordPhase(program(2), [inst('running'), inst('starting')]).phase, 'Progressing');
});

test('FATAL, BACKOFF, a missing process and a non-zero exit are Degraded with the reason', () => {
  const fatal = supervisordPhase(program(), [inst('failed', { spawnError: 'Exited too quickly' })]);
  assert.deepEqual([fatal.phase, fatal.reason], ['Degraded', 'Fatal']);
  assert.match(fatal.message, /Exited too quickly/);
  assert.equal(supervisordPhase(program(), [inst('backoff')]).reason, 'Backoff');
  assert.deepEqual(
    [supervisordPhase(program(), undefined).phase, supervisordPhase(program(), []).reason],
    ['Degraded', 'Missing'],
  );
  assert.equal(supervisordPhase(program(), [inst('exited', { exitStatus: 3 })]).reason, 'Exited');
  assert.equal(supervisordPhase(program(2), [inst('running'), inst('failed')]).phase, 'Degraded');
});

test('all exited 0 is Completed; an unreachable supervisord is Unknown whatever it said before', () => {
  assert.equal(supervisordPhase(program(1, 'never'), [inst('exited', { exitStatus: 0 })]).phase, 'Completed');
  const v = supervisordPhase(program(), [inst('running')], 'cannot reach supervisord at /x: ENOENT');
  assert.deepEqual([v.phase, v.reason], ['Unknown', 'SupervisordUnreachable']);
});
