import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runGate, type GateMember } from '../../../src/apply/gate.js';
import type { ValidationResult } from '../../../src/drivers/service.js';

/** A pretend service: its config is the set of applied members; it rejects any member named bad-*. */
function world(names: string[], opts: { brokenBaseline?: boolean; nameFiles?: boolean } = {}) {
  const live = new Set<string>(names);
  const validate = async (): Promise<ValidationResult> => {
    const bad = [...live].filter((n) => n.startsWith('bad'));
    if (opts.brokenBaseline) return { ok: false, message: 'baseline broken', failingFiles: [] };
    if (bad.length === 0) return { ok: true, message: 'ok', failingFiles: [] };
    return {
      ok: false,
      message: `unknown directive in ${bad[0]}.conf`,
      failingFiles: opts.nameFiles ? [`/x/${bad[0]}.conf`] : [],
    };
  };
  const members: GateMember[] = names.map((n) => ({
    key: n,
    paths: [`/x/${n}.conf`],
    apply: async () => void live.add(n),
    revert: async () => void live.delete(n),
  }));
  return { live, validate, members };
}

test('a clean batch passes with one validation and holds nothing', async () => {
  const w = world(['a', 'b', 'c']);
  const r = await runGate(w.validate, w.members);
  assert.equal(r.held.size, 0);
  assert.equal(r.validations, 1);
  assert.deepEqual([...w.live].sort(), ['a', 'b', 'c']);
});

test('bisection holds back only the bad member among twenty and keeps the rest live', async () => {
  const names = Array.from({ length: 20 }, (_, i) => (i === 13 ? 'bad-13' : `good-${i}`));
  const w = world(names);
  const r = await runGate(w.validate, w.members);
  assert.deepEqual([...r.held.keys()], ['bad-13']);
  assert.match(r.held.get('bad-13')!, /unknown directive in bad-13\.conf/);
  assert.equal(w.live.size, 19);
  assert.ok(!w.live.has('bad-13'));
  assert.ok(r.validations < 20, `bisection needed ${r.validations} validations`);
});

test('two bad members are both found', async () => {
  const w = world(['bad-a', 'g1', 'g2', 'g3', 'g4', 'bad-b', 'g5']);
  const r = await runGate(w.validate, w.members);
  assert.deepEqual([...r.held.keys()].sort(), ['bad-a', 'bad-b']);
  assert.equal(w.live.size, 5);
});

test('the fast path uses the file the validator names', async () => {
  const names = Array.from({ length: 50 }, (_, i) => (i === 7 ? 'bad-7' : `good-${i}`));
  const w = world(names, { nameFiles: true });
  const r = await runGate(w.validate, w.members);
  assert.deepEqual([...r.held.keys()], ['bad-7']);
  assert.equal(r.validations, 2);
});

test('a baseline that was already broken holds every member with a message saying so', async () => {
  const w = world(['a', 'b'], { brokenBaseline: true });
  const r = await runGate(w.validate, w.members);
  assert.equal(r.held.size, 2);
  assert.match(r.held.get('a')!, /already invalid/);
});
