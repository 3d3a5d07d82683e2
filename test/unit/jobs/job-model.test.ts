// Job schema rules, checked through the real loader so every bad input comes back with file:line.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { jobResource } from '../../../src/model/index.js';
import { loadDesiredState } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { describeErrors, writeTree } from '../source/helpers.js';

const job = (spec: string) =>
  `apiVersion: tend/v1\nkind: Job\nmetadata:\n  name: j\nspec:\n  command: [php, artisan, schedule:run]\n  user: nobody\n${spec}`;

test('a valid Job loads with its defaults: forbid, no retries, history 3/5', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'j.yaml': job('  schedule: "* * * * *"\n  timeZone: Europe/Berlin\n') });
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, true, describeErrors(r));
  const res = r.resources[0]!.resource;
  assert.equal(res.kind, 'Job');
  if (res.kind !== 'Job') return;
  assert.equal(res.spec.concurrency, 'forbid');
  assert.equal(res.spec.retries, 0);
  assert.deepEqual(res.spec.history, { succeeded: 3, failed: 5 });
});

test('macros, runOnce and on-demand Jobs are valid', () => {
  for (const spec of [
    { schedule: '@hourly' },
    { schedule: '@daily' },
    { runOnce: 'revision' },
    { runOnce: 'spec' },
    {},
  ])
    jobResource.parse({
      apiVersion: 'tend/v1',
      kind: 'Job',
      metadata: { name: 'j' },
      spec: { command: ['x'], ...spec },
    });
});

const CASES: [name: string, spec: string, line: number, field: string, message: RegExp][] = [
  [
    'a cron with a minute out of range',
    '  schedule: "61 * * * *"\n',
    8,
    'spec.schedule',
    /expected 5 cron fields.*minute: 61/,
  ],
  [
    'a cron with four fields',
    '  schedule: "* * * *"\n',
    8,
    'spec.schedule',
    /expected 5 cron fields.*got 4 field/,
  ],
  [
    'a cron with seconds (six fields)',
    '  schedule: "* * * * * *"\n',
    8,
    'spec.schedule',
    /expected 5 cron fields/,
  ],
  [
    'an unknown time zone',
    '  schedule: "@daily"\n  timeZone: Mars/Olympus\n',
    9,
    'spec.timeZone',
    /expected an IANA time zone.*Mars\/Olympus/,
  ],
  ['two triggers', '  schedule: "@daily"\n  runOnce: spec\n', 9, 'spec.runOnce', /exactly one trigger/],
  ['retries out of bounds', '  retries: 50\n', 8, 'spec.retries', /20/],
  ['a history out of bounds', '  history: { succeeded: -1 }\n', 8, 'spec.history.succeeded', /0/],
  ['an unknown concurrency', '  concurrency: sometimes\n', 8, 'spec.concurrency', /forbid/],
  [
    'a startingDeadline without a schedule',
    '  startingDeadline: 5m\n',
    8,
    'spec.startingDeadline',
    /needs a schedule/,
  ],
];

for (const [name, spec, line, field, message] of CASES)
  test(`bad input: ${name} is refused at file:line with what was expected`, async (t) => {
    const dir = tempDir(t);
    writeTree(dir, { 'j.yaml': job(spec) });
    const r = await loadDesiredState(dir);
    assert.equal(r.ok, false);
    const e = r.errors.find((x) => x.field === field);
    assert.ok(e, `no error at ${field}: ${describeErrors(r)}`);
    assert.equal(e.file, 'j.yaml');
    assert.equal(e.line, line, describeErrors(r));
    assert.match(e.message, message);
  });

test('a timeout longer than the schedule interval with concurrency allow is a warning at file:line', async (t) => {
  const { validateCommand } = await import('../../../src/cli/validate.js');
  const dir = tempDir(t);
  writeTree(dir, {
    'j.yaml': job('  schedule: "*/5 * * * *"\n  concurrency: allow\n  timeout: 10m\n'),
    'k.yaml': job('  schedule: "*/5 * * * *"\n  concurrency: forbid\n  timeout: 10m\n').replace(
      'name: j',
      'name: k',
    ),
  });
  let out = '';
  const code = await validateCommand(['-d', dir, '--no-host-checks'], {
    stdout: (s) => (out += s),
    stderr: (s) => (out += s),
    cwd: dir,
    env: {},
    isTTY: false,
  });
  assert.equal(code, 0, out);
  assert.match(
    out,
    /warning: j\.yaml:1:1: Job\/j: spec\.timeout: timeout 10m is longer than the schedule's interval \(300 s\)/,
  );
  assert.doesNotMatch(out, /Job\/k/);
});
