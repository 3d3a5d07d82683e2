// The daemon's V8 flags do what decision 0051 relies on, in a real node process: the young generation
// stays at its starting size under a pass-like allocation that doubles it without them, and a Worker's
// new isolate undoes that process-wide (why the daemon starts none).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const heapFlags = fileURLToPath(new URL('../../../src/host/heap-flags.js', import.meta.url));

/** The young generation's size (MB) after keeping 400,000 small objects, in a fresh node. */
function youngAfterAllocation(setup: string): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { useDaemonHeapFlags } from ${JSON.stringify(heapFlags)};
    ${setup}
    const kept = [];
    for (let i = 0; i < 400000; i++) kept.push({ i, s: 'x' + i });
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    console.log(young / 1024 / 1024);`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test("without the daemon's flags, V8 doubles the young generation under allocation", () => {
  assert.ok(youngAfterAllocation('') >= 8, 'the control grows (else the next test proves nothing)');
});

test("with the daemon's flags the young generation keeps its starting size", () => {
  assert.ok(youngAfterAllocation('useDaemonHeapFlags();') <= 2.5);
});

test("a Worker's new isolate resets the growth factor process-wide, so the daemon starts none", () => {
  const setup = `useDaemonHeapFlags();
    const w = new Worker('0', { eval: true });
    await new Promise((r) => w.once('exit', r));`;
  assert.ok(youngAfterAllocation(setup) >= 8);
});
