// The desired-state watcher on a real directory: bursts, atomic saves, deletions and ignored paths.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchDesiredState } from '../../../src/controller/watch.js';
import { tempDir } from '../../helpers/tmp.js';

/** Generous on purpose: a busy 2-core CI box may deliver inotify events slowly. */
const SETTLE_MS = 800;
const MAX_WAIT_MS = 15_000;
const QUIET_AFTER_MS = 2_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function startWatcher(t: TestContext, dir: string) {
  const batches: string[][] = [];
  const watcher = watchDesiredState(dir, (paths) => batches.push(paths), {
    settleMs: SETTLE_MS,
    maxWaitMs: MAX_WAIT_MS,
  });
  t.after(() => watcher.close());
  await watcher.ready;

  /** Waits until `count` batches arrived (or a timeout), then for a quiet spell; returns all seen. */
  async function batchesAfter(count: number, timeoutMs = 30_000): Promise<string[][]> {
    const deadline = Date.now() + timeoutMs;
    while (batches.length < count && Date.now() < deadline) await sleep(50);
    await sleep(QUIET_AFTER_MS);
    return batches.splice(0);
  }
  return { batchesAfter };
}

const doc = (name: string) =>
  `apiVersion: tend/v1\nkind: Program\nmetadata:\n  name: ${name}\nspec:\n  command: [sleep, "1000"]\n`;

test('500 files written at once arrive as exactly one batch', async (t) => {
  const dir = tempDir(t, 'tend-watch-');
  const { batchesAfter } = await startWatcher(t, dir);
  const expected: string[] = [];
  for (let i = 0; i < 500; i++) {
    const path = join(dir, `p${String(i).padStart(3, '0')}.yaml`);
    writeFileSync(path, doc(`p${i}`));
    expected.push(path);
  }
  const batches = await batchesAfter(1);
  assert.equal(batches.length, 1, `expected one batch, got ${batches.map((b) => b.length).join(', ')}`);
  assert.deepEqual(batches[0], expected.sort());
});

test('an atomic rename save is one batch with that file; a deletion is a batch with the file', async (t) => {
  const dir = tempDir(t, 'tend-watch-');
  const target = join(dir, 'shop.yaml');
  writeFileSync(target, doc('shop'));
  const { batchesAfter } = await startWatcher(t, dir);

  // What vim, VS Code and `sed -i` do: write a temp file beside it, then rename it over the original.
  const temp = join(dir, 'shop.yaml.tmp-1234');
  writeFileSync(temp, doc('shop-v2'));
  renameSync(temp, target);
  const saves = await batchesAfter(1);
  assert.deepEqual(saves, [[target]]);

  rmSync(target);
  const deletes = await batchesAfter(1);
  assert.deepEqual(deletes, [[target]]);
});

test('dot-directories and non-YAML files are ignored; YAML in subdirectories is seen', async (t) => {
  const dir = tempDir(t, 'tend-watch-');
  mkdirSync(join(dir, '.git'));
  const { batchesAfter } = await startWatcher(t, dir);
  writeFileSync(join(dir, '.git', 'HEAD.yaml'), 'ref: x\n');
  mkdirSync(join(dir, '.tend'));
  writeFileSync(join(dir, '.tend', 'status.yaml'), '{}\n');
  writeFileSync(join(dir, 'README.md'), '# notes\n');
  writeFileSync(join(dir, '.shop.yaml.swp'), 'x');
  assert.deepEqual(await batchesAfter(1, 1_500), [], 'nothing under a dot-directory, no non-YAML file');
  mkdirSync(join(dir, 'sites'));
  // A new directory is a change in itself: YAML copied in with it may predate its watch.
  assert.deepEqual(await batchesAfter(1), [[join(dir, 'sites')]]);
  const nested = join(dir, 'sites', 'blog.yml');
  writeFileSync(nested, doc('blog'));
  assert.deepEqual(await batchesAfter(1), [[nested]]);
  rmSync(join(dir, 'sites'), { recursive: true });
  const gone = await batchesAfter(1);
  assert.equal(gone.length, 1);
  assert.ok(gone[0]!.includes(join(dir, 'sites')), `the removed directory is named: ${gone[0]!.join(', ')}`);
});
