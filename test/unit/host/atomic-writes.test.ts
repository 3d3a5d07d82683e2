// The real host's atomic writes under load: many files written at once into one directory (their
// directory fsyncs are shared) all land whole, with their modes, and leave no temp file behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/index.js';
import { tempDir } from '../../helpers/tmp.js';

test('500 concurrent atomic writes into two directories all land, and nothing else does', async (t) => {
  const dir = tempDir(t, 'tend-atomic-');
  const host = createRealHost();
  const paths = Array.from({ length: 500 }, (_, i) => join(dir, i % 2 ? 'a' : 'b', `f${i}.conf`));
  await Promise.all(paths.map((p, i) => host.fs.writeFileAtomic(p, `file ${i}\n`, 0o640)));
  // And again over the same paths: renames over existing files share fsyncs the same way.
  await Promise.all(paths.map((p, i) => host.fs.writeFileAtomic(p, `file ${i} v2\n`, 0o600)));
  paths.forEach((p, i) => {
    assert.equal(readFileSync(p, 'utf8'), `file ${i} v2\n`);
    assert.equal(statSync(p).mode & 0o777, 0o600);
  });
  assert.equal(readdirSync(join(dir, 'a')).length + readdirSync(join(dir, 'b')).length, 500, 'no temp files');
});
