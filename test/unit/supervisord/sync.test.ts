// syncSupervisord and observation against a recording stand-in for the client: which calls are made
// for which diff, which faults count as "already there", and how states and names are mapped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TendError, isTendError } from '../../../src/errors/catalogue.js';
import type { ProcessInfo, SupervisordClient } from '../../../src/drivers/supervisord/client.js';
import { instanceFromInfo, observeSupervisord } from '../../../src/drivers/supervisord/observe.js';
import { syncSupervisord, type SupervisordChanges } from '../../../src/drivers/supervisord/sync.js';

const fault = (faultCode: number) =>
  new TendError('TEND_ERR_SUPERVISORD', `fault ${faultCode}`, { faultCode, faultString: String(faultCode) });

function fakeClient(diff: SupervisordChanges, faults: Record<string, number> = {}) {
  const calls: string[] = [];
  const record = (method: string) => async (name: string) => {
    calls.push(`${method} ${name}`);
    const code = faults[`${method} ${name}`];
    if (code !== undefined) throw fault(code);
    return method.startsWith('stop') ? [] : true;
  };
  const client = {
    reloadConfig: async () => {
      calls.push('reloadConfig');
      return diff;
    },
    stopProcessGroup: record('stop'),
    removeProcessGroup: record('remove'),
    addProcessGroup: record('add'),
  } as unknown as SupervisordClient;
  return { client, calls };
}

test('acts on supervisord diff, only for the groups tend names', async () => {
  const { client, calls } = fakeClient({
    added: ['new', 'foreign-new'],
    changed: ['edit', 'foreign'],
    removed: ['gone'],
  });
  const result = await syncSupervisord(client, {
    added: ['new'],
    changed: ['edit', 'same'],
    removed: ['gone'],
  });
  assert.deepEqual(calls, [
    'reloadConfig',
    'stop edit',
    'remove edit',
    'add edit',
    'stop gone',
    'remove gone',
    'add new',
  ]);
  assert.deepEqual(result.actions, { edit: 'replaced', gone: 'removed', new: 'added', same: 'in sync' });
});

test('a repeat after a crash converges: faults meaning "already so" are tolerated', async () => {
  const { client, calls } = fakeClient(
    { added: ['a'], changed: ['c'], removed: ['r'] },
    { 'add a': 90, 'stop r': 10, 'remove r': 10, 'add c': 90 },
  );
  const result = await syncSupervisord(client, { added: ['a'], changed: ['c'], removed: ['r'] });
  assert.deepEqual(result.actions, { a: 'added', c: 'replaced', r: 'removed' });
  assert.deepEqual(calls, ['reloadConfig', 'add a', 'stop c', 'remove c', 'add c', 'stop r', 'remove r']);
});

test('other faults propagate (a group that will not stop is not removed blindly)', async () => {
  const { client } = fakeClient({ added: [], changed: [], removed: ['r'] }, { 'remove r': 91 });
  await assert.rejects(
    syncSupervisord(client, { added: [], changed: [], removed: ['r'] }),
    (e) => isTendError(e, 'TEND_ERR_SUPERVISORD') && e.details.faultCode === 91,
  );
});

const info = (over: Partial<ProcessInfo>): ProcessInfo => ({
  name: 'web',
  group: 'web',
  description: '',
  start: 0,
  stop: 0,
  now: 1000,
  state: 20,
  statename: 'RUNNING',
  spawnerr: '',
  exitstatus: 0,
  logfile: '',
  stdout_logfile: '',
  stderr_logfile: '',
  pid: 0,
  ...over,
});

test('maps names, states, exit status and uptime', () => {
  assert.deepEqual(instanceFromInfo(info({ pid: 7, start: 900, description: 'pid 7, uptime 0:01:40' })), {
    program: 'web',
    namespec: 'web',
    index: 0,
    state: 'running',
    statename: 'RUNNING',
    pid: 7,
    uptimeSeconds: 100,
    description: 'pid 7, uptime 0:01:40',
  });
  const exited = instanceFromInfo(
    info({ name: 'web_12', state: 100, statename: 'EXITED', start: 5, stop: 9, exitstatus: 3 }),
  );
  assert.equal(exited.namespec, 'web:web_12');
  assert.equal(exited.index, 12);
  assert.equal(exited.state, 'exited');
  assert.equal(exited.exitStatus, 3);
  const fatal = instanceFromInfo(
    info({ state: 200, statename: 'FATAL', stop: 9, spawnerr: 'Exited too quickly' }),
  );
  assert.equal(fatal.state, 'failed');
  assert.equal(fatal.spawnError, 'Exited too quickly');
  assert.equal(instanceFromInfo(info({ state: 30 })).state, 'backoff');
  assert.equal(instanceFromInfo(info({ state: 999, statename: '?' })).state, 'unknown');
  assert.equal(instanceFromInfo(info({ state: 0, statename: 'STOPPED' })).exitStatus, undefined, 'never ran');
});

test('observe groups instances by program in index order', async () => {
  const client = {
    getAllProcessInfo: async () => [
      info({ name: 'w_01', group: 'w', pid: 2 }),
      info({ name: 'solo', group: 'solo', pid: 3 }),
      info({ name: 'w_00', group: 'w', pid: 1 }),
    ],
  } as unknown as SupervisordClient;
  const obs = await observeSupervisord(client);
  assert.deepEqual([...obs.keys()].sort(), ['solo', 'w']);
  assert.deepEqual(
    obs.get('w')!.map((i) => [i.namespec, i.pid]),
    [
      ['w:w_00', 1],
      ['w:w_01', 2],
    ],
  );
});
