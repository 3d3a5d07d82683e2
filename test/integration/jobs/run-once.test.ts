// runOnce: once per spec generation and once per revision, across a tend restart, and a run cut
// short by a crash (the runner dropped without stopping, its process still alive) is recorded as
// interrupted, its orphan stopped, and never run a second time for the same revision.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alive, job, jobRig, until } from './helpers.js';

const settled = (rig: ReturnType<typeof jobRig>, name: string, n: number) =>
  until(`${n} finished run(s)`, () => {
    const l = rig.runner.history.list(name);
    return l.length === n && l.every((r) => r.outcome !== 'running') && l;
  });

test('runOnce: spec runs once per spec, not again after a restart, again when the spec changes', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  const hook = (v: string) => job('hook', { command: ['true'], runOnce: 'spec', env: { V: v } });
  await rig.runner.apply([hook('1')]);
  await settled(rig, 'hook', 1);
  await rig.runner.apply([hook('1')]);
  const restarted = rig.restart();
  await restarted.apply([hook('1')]);
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(restarted.history.list('hook').length, 1);
  await restarted.apply([hook('2')]);
  await until('the second spec to run', () => restarted.history.list('hook').length === 2);
  const gens = new Set(restarted.history.list('hook').map((r) => r.generation));
  assert.equal(gens.size, 2);
});

test('runOnce: revision runs once per revision, even when tend dies mid-run', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  const migrate = job('migrate', { command: ['sleep', '60'], runOnce: 'revision' });
  await rig.runner.apply([migrate], 'rev-a');
  const first = await until('the migration to run', () => rig.runner.running('migrate')[0]);
  assert.ok(first.pid && alive(first.pid));
  // tend is killed: no stop, the record still says running. A new tend comes up on the same state.
  const after = rig.restart();
  await after.apply([migrate], 'rev-a');
  const records = after.history.list('migrate');
  assert.equal(records.length, 1, JSON.stringify(records));
  assert.equal(records[0]!.outcome, 'interrupted');
  assert.equal(records[0]!.revision, 'rev-a');
  await until('the orphaned run to be stopped', () => !alive(first.pid!), 30_000);
  // Applying the same revision again runs nothing; a new revision runs once.
  await after.apply([migrate], 'rev-a');
  await after.apply([migrate], 'rev-b');
  await after.apply([migrate], 'rev-b');
  const revs = after.history.list('migrate').map((r) => r.revision);
  assert.deepEqual(revs.sort(), ['rev-a', 'rev-b']);
});

test('tend stopping records a run in progress as interrupted, once', async (t) => {
  const rig = jobRig(t, Date.now(), false);
  await rig.runner.apply([job('long', { command: ['sleep', '60'], stop: { timeout: '1s' } })]);
  const rec = await rig.runner.trigger('long');
  await rig.runner.stop();
  const done = rig.runner.history.get('long', rec.id);
  assert.equal(done?.outcome, 'interrupted');
  assert.equal(alive(rec.pid!), false);
  const after = rig.restart();
  await after.apply([job('long', { command: ['sleep', '60'] })]);
  assert.deepEqual(
    after.history.list('long').map((r) => r.outcome),
    ['interrupted'],
  );
});
