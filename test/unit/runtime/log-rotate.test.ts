// One log's rotation on a real directory: past its size it shifts to .1 … .keep and the oldest is
// dropped; a log under its size, an empty one and a symlink are left alone; the new file keeps the
// old mode; age rotates a small log only once its last rotation is old enough.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/real-host.js';
import { isDue, rotateOne } from '../../../src/runtime/log-rotate.js';
import { tempDir } from '../../helpers/tmp.js';

test('size rotation shifts generations, drops the oldest, keeps the mode; small logs and symlinks stay', async (t) => {
  const dir = tempDir(t, 'tend-rotate-');
  const host = createRealHost();
  const log = join(dir, 'a.log');
  const limits = { maxBytes: 10, keep: 2 };
  for (const gen of ['first', 'second', 'third']) {
    writeFileSync(log, `${gen} generation\n`, { mode: 0o640 });
    assert.equal(await rotateOne(host, log, limits), true, gen);
  }
  assert.equal(readFileSync(`${log}.1`, 'utf8'), 'third generation\n');
  assert.equal(readFileSync(`${log}.2`, 'utf8'), 'second generation\n');
  assert.ok(!existsSync(`${log}.3`), 'the oldest generation is dropped');
  assert.equal(readFileSync(log, 'utf8'), '', 'a fresh empty file takes the name');
  assert.equal(statSync(log).mode & 0o777, 0o640);

  writeFileSync(log, 'short\n');
  assert.equal(await rotateOne(host, log, limits), false, 'under its size');
  const target = join(dir, 'target');
  writeFileSync(target, 'x'.repeat(100));
  symlinkSync(target, join(dir, 'link.log'));
  assert.equal(await rotateOne(host, join(dir, 'link.log'), limits), false, 'a symlink is never rotated');
  assert.equal(readFileSync(target, 'utf8').length, 100);
});

test('age: a non-empty log rotates once its last rotation is older than maxAge', () => {
  const limits = { maxBytes: 1000, keep: 5, maxAgeMs: 3_600_000 };
  assert.equal(isDue(10, 0, 3_600_000, limits), true);
  assert.equal(isDue(10, 1, 3_600_000, limits), false);
  assert.equal(isDue(0, 0, 10 * 3_600_000, limits), false, 'an empty log never rotates');
  assert.equal(isDue(1001, undefined, 0, limits), true);
});

test('a log that is not due costs one lstat; an age limit reads its last rotation and rotates on it', async (t) => {
  const dir = tempDir(t, 'tend-rotate-');
  const real = createRealHost();
  const looked: string[] = [];
  const host = {
    ...real,
    fs: {
      ...real.fs,
      lstat: (p: string) => {
        looked.push(p.slice(dir.length + 1));
        return real.fs.lstat(p);
      },
    },
  };
  const log = join(dir, 'b.log');
  writeFileSync(log, 'small\n');
  writeFileSync(`${log}.1`, 'old\n');
  assert.equal(await rotateOne(host, log, { maxBytes: 100, keep: 2 }), false);
  assert.deepEqual(looked, ['b.log'], 'no age limit: the .1 is not looked at');

  looked.length = 0;
  const aged = { maxBytes: 100, keep: 2, maxAgeMs: 60_000 };
  assert.equal(await rotateOne({ ...host, now: () => Date.now() + 10_000 }, log, aged), false);
  assert.deepEqual(looked, ['b.log', 'b.log.1']);
  assert.equal(await rotateOne({ ...host, now: () => Date.now() + 120_000 }, log, aged), true);
  assert.equal(readFileSync(`${log}.1`, 'utf8'), 'small\n', 'rotated on age alone');
});
