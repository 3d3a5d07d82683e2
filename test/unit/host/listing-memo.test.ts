// The directory listing memo: a directory whose mtime has not moved is not listed again, a change is
// seen at the next look, and a listing taken within the racy window is never remembered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRealFs } from '../../../src/host/real-fs.js';
import { RACY_MS } from '../../../src/host/file-identity.js';
import { ListingMemo } from '../../../src/host/listing-memo.js';

function fixture(t: { after: (fn: () => void) => void }) {
  const dir = mkdtempSync(join(tmpdir(), 'tend-listing-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const real = createRealFs();
  const listed: string[] = [];
  const fs = {
    stat: real.stat,
    readdir: (path: string) => {
      listed.push(path);
      return real.readdir(path);
    },
  };
  const clock = { now: Date.now() };
  const memo = new ListingMemo(fs, () => clock.now);
  /** Sets the directory's mtime `agoMs` before the clock. */
  const age = (agoMs: number) => {
    const at = (clock.now - agoMs) / 1000;
    utimesSync(dir, at, at);
  };
  return { dir, listed, clock, memo, age };
}

test('an unchanged directory is listed once; a new or removed entry is seen at the next look', async (t) => {
  const { dir, listed, memo, age } = fixture(t);
  writeFileSync(join(dir, 'nginx.json'), '{}');
  age(60_000);
  assert.deepEqual(await memo.list(dir), ['nginx.json']);
  const again = await memo.list(dir);
  assert.deepEqual(again, ['nginx.json']);
  again.push('mutated by a caller');
  assert.deepEqual(await memo.list(dir), ['nginx.json'], 'callers get copies');
  assert.equal(listed.length, 1);

  writeFileSync(join(dir, 'php-fpm@8.2.json'), '{}');
  age(30_000);
  assert.deepEqual(await memo.list(dir), ['nginx.json', 'php-fpm@8.2.json']);
  rmSync(join(dir, 'nginx.json'));
  age(20_000);
  assert.deepEqual(await memo.list(dir), ['php-fpm@8.2.json']);
  assert.equal(listed.length, 3);
});

test('a listing taken within the racy window is not remembered, so a same-tick change is seen', async (t) => {
  const { dir, listed, clock, memo, age } = fixture(t);
  age(RACY_MS - 500);
  assert.deepEqual(await memo.list(dir), []);
  // An entry added in the same clock tick leaves the directory's mtime where it was.
  writeFileSync(join(dir, 'nginx.json'), '{}');
  age(RACY_MS - 500);
  clock.now += 10_000;
  assert.deepEqual(await memo.list(dir), ['nginx.json'], 'the racy listing was used once');
  assert.deepEqual(await memo.list(dir), ['nginx.json']);
  assert.equal(listed.length, 2, 'the listing taken once the mtime was old is remembered');
});

test('a missing directory, or a file in its place, lists nothing and is not read', async (t) => {
  const { dir, listed, memo } = fixture(t);
  assert.deepEqual(await memo.list(join(dir, 'absent')), []);
  writeFileSync(join(dir, 'file'), 'x');
  assert.deepEqual(await memo.list(join(dir, 'file')), []);
  assert.deepEqual(listed, []);
});
