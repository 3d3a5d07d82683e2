// The daemon's V8 flags do what decisions 0051 and 0056 rely on, in a real node process: the young
// generation stays at its starting size under a pass-like allocation that doubles it without them,
// and bin/tend's shebang (run as an executable) makes that size 8 MB; a Worker's new isolate undoes
// it process-wide (why the daemon starts none), and nothing is optimized.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { shebangFlags } from '../../helpers/shebang.js';

const v8Flags = fileURLToPath(new URL('../../../src/host/v8-flags.js', import.meta.url));
const bin = fileURLToPath(new URL('../../../../bin/tend', import.meta.url));

/** The young generation's size (MB, both semi-spaces) after keeping 400,000 small objects, in a fresh node. */
function youngAfterAllocation(setup: string, nodeFlags: string[] = []): number {
  const script = `
    import { getHeapSpaceStatistics } from 'node:v8';
    import { Worker } from 'node:worker_threads';
    import { useDaemonV8Flags } from ${JSON.stringify(v8Flags)};
    ${setup}
    const kept = [];
    for (let i = 0; i < 400000; i++) kept.push({ i, s: 'x' + i });
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size;
    console.log(young / 1024 / 1024);`;
  const r = spawnSync(process.execPath, [...nodeFlags, '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return Number(r.stdout.trim());
}

test("without the daemon's flags, V8 doubles the young generation under allocation", () => {
  assert.ok(youngAfterAllocation('') >= 8, 'the control grows (else the next test proves nothing)');
});

test("with the daemon's flags the young generation keeps its starting size", () => {
  assert.ok(youngAfterAllocation('useDaemonV8Flags();') <= 2.5);
});

test("bin/tend's shebang gives tend serve an 8 MB young generation, and it stays 8 MB", () => {
  const flags = shebangFlags(bin);
  assert.ok(flags.includes('--no-memory-reducer'), flags.join(' '));
  // V8 reports both semi-spaces: 2 x 8 MB, where without the growth factor they double again.
  assert.equal(youngAfterAllocation('useDaemonV8Flags();', flags), 16);
  assert.ok(youngAfterAllocation('', flags) > 16, 'the control grows (else the check proves nothing)');
  // Executed as a file, the kernel and env(1) take the line as it is written.
  const run = spawnSync(bin, ['--version'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.match(run.stdout, /^tend \d/);
});

test("a Worker's new isolate resets the growth factor process-wide, so the daemon starts none", () => {
  const setup = `useDaemonV8Flags();
    const w = new Worker('0', { eval: true });
    await new Promise((r) => w.once('exit', r));`;
  assert.ok(youngAfterAllocation(setup) >= 8);
});

/** How many functions V8's optimizing compiler finished, for a hot loop run in a fresh node. */
function optimizedFunctions(setup: string): number {
  const script = `
    import { useDaemonV8Flags } from ${JSON.stringify(v8Flags)};
    ${setup}
    const work = (xs) => xs.reduce((s, x) => s + x.a * 2, 0);
    const xs = Array.from({ length: 5000 }, (_, a) => ({ a }));
    let t = 0;
    for (let i = 0; i < 400; i++) t += work(xs);
    console.log(t > 0);`;
  const r = spawnSync(process.execPath, ['--trace-opt', '--input-type=module', '-e', script], {
    encoding: 'utf8',
  });
  assert.equal(r.status, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l.startsWith('[completed optimizing')).length;
}

test("with the daemon's flags nothing is optimized; without them a hot loop is", () => {
  assert.ok(optimizedFunctions('') > 0, 'the control optimizes (else the check proves nothing)');
  assert.equal(optimizedFunctions('useDaemonV8Flags();'), 0);
});
