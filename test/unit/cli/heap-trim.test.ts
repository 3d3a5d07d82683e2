// The daemon's heap trim: after a pass that left a lot of garbage, one collection returns it, off
// the pass's path and never while a pass runs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { heapTrim } from '../../../src/cli/heap-trim.js';

const used = () => getHeapStatistics().used_heap_size;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Old-generation garbage: objects kept long enough to be promoted, then dropped all at once. */
let held: unknown[] = [];
function makeGarbage(): void {
  held = [];
  for (let i = 0; i < 600_000; i++) held.push({ i, s: `garbage ${i}`, a: [i, i] });
  held = [];
}

test('after a pass that grew the heap, one collection follows; none while a pass runs', async () => {
  setFlagsFromString('--expose-gc');
  let busy = true;
  const trim = heapTrim({ isBusy: () => busy });
  makeGarbage();
  const grown = used();
  trim.afterPass();
  await sleep(1_500);
  assert.ok(used() >= grown * 0.9, 'no collection while a pass runs');

  busy = false;
  makeGarbage();
  const before = used();
  trim.afterPass();
  // Before V8's own memory reducer would start (about 8 s after its last collection).
  const deadline = Date.now() + 6_000;
  while (used() > before / 2 && Date.now() < deadline) await sleep(100);
  trim.stop();
  assert.ok(used() < before / 2, `heap ${used()} after trim, ${before} before`);
});

test("afterStart: start-up's collection runs at once, even with passes queued behind it", () => {
  setFlagsFromString('--expose-gc');
  const trim = heapTrim({ isBusy: () => true });
  trim.afterStart();
  makeGarbage();
  const before = used();
  trim.afterStart();
  assert.ok(used() < before / 2, `heap ${used()} after afterStart, ${before} before`);
  trim.stop();
});
