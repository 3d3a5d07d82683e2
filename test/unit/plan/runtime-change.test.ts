// A Program's runtime change: the fields that differ, secrets never shown, and the restart verdict
// matching what the supervisor (or supervisord) will do.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runtimeChange, runtimeFieldsOf } from '../../../src/plan/runtime-change.js';
import type { Resource } from '../../../src/model/index.js';

const program = (spec: Record<string, unknown>) =>
  ({
    kind: 'Program',
    metadata: { name: 'api' },
    spec: { command: ['node', 'a.js'], instances: 2, env: {}, backend: 'native', ...spec },
  }) as unknown as Resource;

test('native: any field but instances rolls; instances alone scales; nothing changed restarts nothing', () => {
  const before = runtimeFieldsOf(program({}))!;
  const rolled = runtimeChange('update', runtimeFieldsOf(program({ command: ['node', 'b.js'] })), before)!;
  assert.equal(rolled.restart, 'rolling');
  assert.deepEqual(rolled.fields, [
    { field: 'spec.command', before: '["node","a.js"]', after: '["node","b.js"]' },
  ]);
  const scaled = runtimeChange('update', runtimeFieldsOf(program({ instances: 1 })), before)!;
  assert.equal(scaled.restart, 'scale');
  assert.match(scaled.summary, /instances 2 → 1 \(stopped, highest first\)/);
  assert.equal(runtimeChange('update', before, before)!.restart, 'none');
});

test('supervisord restarts the program for any change, and for its file rewritten after drift', () => {
  const before = runtimeFieldsOf(program({ backend: 'supervisord' }))!;
  assert.equal(
    runtimeChange('update', runtimeFieldsOf(program({ backend: 'supervisord', instances: 3 })), before)!
      .restart,
    'restart',
  );
  assert.equal(runtimeChange('update', before, before, true)!.restart, 'restart');
  assert.equal(runtimeChange('update', before, before, false)!.restart, 'none');
});

test('a secret env value is never in the fields, only whether it changed', () => {
  const a = runtimeFieldsOf(program({ env: { TOKEN: { value: 'hunter2-aaaa', secret: true }, MODE: 'x' } }))!;
  const b = runtimeFieldsOf(program({ env: { TOKEN: { value: 'hunter2-bbbb', secret: true }, MODE: 'x' } }))!;
  assert.ok(!JSON.stringify(a).includes('hunter2'), 'not even in what the inventory records');
  const change = runtimeChange('update', b, a)!;
  assert.deepEqual(change.fields, [
    { field: 'spec.env.TOKEN', before: '(secret)', after: '(secret, changed)' },
  ]);
  assert.equal(change.restart, 'rolling');
});

test('create starts, delete stops, and an unrecorded past spec says so instead of guessing', () => {
  const f = runtimeFieldsOf(program({}));
  assert.equal(runtimeChange('create', f, undefined)!.summary, 'starts 2 instance(s)');
  assert.equal(runtimeChange('delete', undefined, f)!.restart, 'stop');
  assert.equal(runtimeChange('update', f, undefined)!.restart, 'unknown');
  assert.equal(
    runtimeFieldsOf({ kind: 'Site', metadata: { name: 's' }, spec: {} } as unknown as Resource),
    undefined,
  );
});
