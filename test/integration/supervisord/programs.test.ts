// Programs under a real supervisord: hostile argv and env round-trip exactly, several instances,
// a change restarts only its own group, removal stops it, and secrets stay out of its log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { apply, host, printer, record, runningAll, startHarness, waitFor } from './harness.js';

const HOSTILE_ARGS = [
  'plain',
  'two words',
  "it's",
  'say "hi"',
  'semi;colon',
  'space ;comment',
  'hash #comment',
  'tab\t;x',
  '%(here)s',
  '%%(ENV_HOME)s',
  '100%',
  '{braces}',
  '../../etc/passwd',
  'back\\slash\\',
  '$HOME `id`',
  "'",
  '"',
  ' leading and trailing ',
  'ünïcödé ✓',
  '-c',
  '=',
  ',',
];

const HOSTILE_ENV = {
  COMMA: 'a,b,c',
  QUOTE1: "it's",
  QUOTE2: 'say "hi" now',
  PERCENT: '100% %(here)x %%',
  SEMI: 'a;b#c',
  EQ: 'k=v',
  EMPTY: '',
  SPACES: '  padded  ',
  BRACES: '{x}',
  PATHISH: '../../x',
};

test('hostile argv and env reach the program exactly', async (t) => {
  const h = await startHarness(t);
  const secret = 'hunter2-SECRET-value';
  const p = printer(h, 'hostile', HOSTILE_ARGS, { env: { ...HOSTILE_ENV, TOKEN: { value: secret } } });
  await apply(h, { put: [p] });
  await waitFor(h, 'hostile running', runningAll('hostile', 1));
  const got = await record(h, 'hostile');
  assert.deepEqual(got.argv, HOSTILE_ARGS);
  for (const [k, v] of Object.entries(HOSTILE_ENV)) assert.equal(got.env[k], v, `env ${k}`);
  assert.equal(got.env.TOKEN, secret);

  const file = h.layout.supervisord.programFile('hostile');
  assert.equal((await host.fs.stat(file))!.mode, 0o600, 'a file holding secrets is owner-only');
  const svLog = (await host.fs.readFile(join(h.layout.supervisord.logDir, 'supervisord.log'))) ?? '';
  assert.ok(svLog.includes('hostile'), 'supervisord logged the program (the log is the one checked)');
  assert.ok(!svLog.includes(secret), 'the secret is not in supervisord log');
});

test('several instances are group:name_NN, each running its own process', async (t) => {
  const h = await startHarness(t);
  await apply(h, { put: [printer(h, 'web', [], { instances: 3 })] });
  const obs = await waitFor(h, 'three web instances', runningAll('web', 3));
  const web = obs.get('web')!;
  assert.deepEqual(
    web.map((i) => [i.index, i.namespec]),
    [
      [0, 'web:web_00'],
      [1, 'web:web_01'],
      [2, 'web:web_02'],
    ],
  );
  assert.equal(new Set(web.map((i) => i.pid)).size, 3);
  for (const i of web) assert.equal((await record(h, `web_0${i.index}`)).pid, i.pid);
  const info = await h.driver.client.getProcessInfo('web:web_01');
  assert.equal(info.pid, web[1]!.pid);
});

test('changing one program restarts only it; removing one stops it', async (t) => {
  const h = await startHarness(t);
  await apply(h, { put: [printer(h, 'a', ['one']), printer(h, 'b', ['two'])] });
  let obs = await waitFor(h, 'a and b running', (o) => runningAll('a', 1)(o) && runningAll('b', 1)(o));
  const pidA = obs.get('a')![0]!.pid!;
  const pidB = obs.get('b')![0]!.pid!;

  rmSync(join(h.outDir, 'a.json'), { force: true });
  await apply(h, { put: [printer(h, 'a', ['one', 'changed'])] });
  assert.deepEqual(h.driver.lastSync?.actions, { a: 'replaced' });
  obs = await waitFor(h, 'a restarted', (o) => runningAll('a', 1)(o) && o.get('a')![0]!.pid !== pidA);
  assert.equal(obs.get('b')![0]!.pid, pidB, 'b was not restarted');
  assert.deepEqual((await record(h, 'a')).argv, ['one', 'changed']);
  assert.equal(host.kill(pidA, 0), false, 'the old a process is gone');

  // An unchanged program named again is left alone (idempotent re-apply).
  await apply(h, { put: [printer(h, 'b', ['two'])] });
  assert.deepEqual(h.driver.lastSync?.actions, { b: 'in sync' });
  assert.equal((await waitFor(h, 'b', runningAll('b', 1))).get('b')![0]!.pid, pidB);

  const pidA2 = obs.get('a')![0]!.pid!;
  await apply(h, { remove: ['a'] });
  assert.deepEqual(h.driver.lastSync?.actions, { a: 'removed' });
  obs = await waitFor(h, 'a gone', (o) => !o.has('a'));
  assert.equal(host.kill(pidA2, 0), false, 'the removed program was stopped');
  assert.equal(obs.get('b')![0]!.pid, pidB);
  // Removing again is a no-op, not an error.
  await apply(h, { remove: ['a'] });
  assert.deepEqual(h.driver.lastSync?.actions, { a: 'in sync' });
});
