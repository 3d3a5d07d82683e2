// Stat identity decides when a daemon may skip re-reading a file: any rewrite must change it, and a
// file changed within the racy window is never trusted.
import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ContentMemo, stableIdentity } from '../../../src/host/file-identity.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { tempDir } from '../../helpers/tmp.js';

const later = () => Date.now() + 60_000;

test('a file written just now is racy: no identity, so nothing is memoized for it', (t) => {
  const path = join(tempDir(t), 'a.conf');
  writeFileSync(path, 'one');
  assert.equal(stableIdentity(path), undefined);
  assert.ok(stableIdentity(path, later()), 'the same file is stable once the window has passed');
});

test('identity changes with a rename-over, a size change, and is absent for missing or non-files', (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'a.conf');
  writeFileSync(path, 'one');
  const first = stableIdentity(path, later());
  writeFileSync(join(dir, 'tmp'), 'two');
  renameSync(join(dir, 'tmp'), path);
  const renamed = stableIdentity(path, later());
  assert.notEqual(renamed, first);
  writeFileSync(path, 'three!');
  assert.notEqual(stableIdentity(path, later()), renamed);
  assert.equal(stableIdentity(join(dir, 'missing'), later()), undefined);
  assert.equal(stableIdentity(dir, later()), undefined);
  assert.equal(stableIdentity(join(path, 'under-a-file'), later()), undefined);
});

test('ContentMemo answers only for the identity it stored, and stays bounded', () => {
  const memo = new ContentMemo<string>(2);
  memo.set('/a', 'id1', 'A');
  assert.equal(memo.get('/a', 'id1'), 'A');
  assert.equal(memo.get('/a', 'id2'), undefined);
  assert.equal(memo.get('/a', undefined), undefined);
  memo.set('/b', 'id1', 'B');
  memo.set('/c', 'id1', 'C');
  assert.equal(memo.get('/a', 'id1'), undefined, 'the oldest entry went');
  assert.equal(memo.get('/c', 'id1'), 'C');
  memo.set('/c', undefined, 'C2');
  assert.equal(memo.get('/c', 'id1'), undefined, 'a racy read forgets the old entry');
});

test("a long-lived host's readFiles sees every rewrite, even same-size ones right after a read", async (t) => {
  const dir = tempDir(t);
  const host = createRealHost({ longLived: true });
  const paths = [join(dir, 'a.conf'), join(dir, 'b.conf')];
  writeFileSync(paths[0]!, 'aaaa');
  writeFileSync(paths[1]!, 'bbbb');
  assert.deepEqual(await host.fs.readFiles!(paths), ['aaaa', 'bbbb']);
  writeFileSync(paths[0]!, 'AAAA');
  assert.deepEqual(await host.fs.readFiles!(paths), ['AAAA', 'bbbb']);
  writeFileSync(paths[1]!, 'BBBB');
  assert.deepEqual(await host.fs.readFiles!([...paths, join(dir, 'missing')]), ['AAAA', 'BBBB', undefined]);
});
