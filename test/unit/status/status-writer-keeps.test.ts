// A pass whose statuses learned nothing returns the statuses the store already holds, not fresh
// copies: the daemon keeps a pass's result until the next one, and 2,000 copies kept that long were
// promoted out of V8's young generation and collected by a mark-compact every resync (0053).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeStatus } from '../../../src/status/status-writer.js';
import { createRealHost } from '../../../src/host/index.js';
import { StatusStore } from '../../../src/state/status-store.js';
import { tempDir } from '../../helpers/tmp.js';
import { applyOf, loadOfSites, nginxStandIn } from './status-fixture.js';

const unchanged = applyOf({ 'Site/a': 'no-op', 'Site/b': 'no-op' });

test('a pass that learned nothing returns the stored statuses; a changed fact returns the new one', async (t) => {
  const { layout } = await nginxStandIn(t);
  const store = await StatusStore.load(createRealHost(), tempDir(t));
  let clock = Date.now();
  const pass = (generation: string) =>
    writeStatus({
      layout,
      load: loadOfSites(['a', 'b'], generation),
      rendered: [],
      apply: unchanged,
      store,
      now: () => clock,
    });

  const first = (await pass('g1')).statuses;
  assert.deepEqual(
    first.map((s) => s.key),
    ['Site/a', 'Site/b'],
  );
  clock += 5_000;
  const second = (await pass('g1')).statuses;
  for (const [i, s] of second.entries()) {
    assert.equal(s, store.get(s.key), `${s.key}: the stored status itself`);
    assert.equal(s, first[i], `${s.key}: nothing new was learned, so nothing new was kept`);
  }

  clock += 5_000;
  const third = (await pass('g2')).statuses;
  for (const [i, s] of third.entries()) {
    assert.notEqual(s, second[i], `${s.key}: a new generation is a new status`);
    assert.equal(s, store.get(s.key));
    assert.equal(s.observedGeneration, 'g2');
  }
});
