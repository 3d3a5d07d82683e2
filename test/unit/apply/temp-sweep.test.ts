// Stale atomic-write temp files (a kill between write and rename) are swept; nothing else is.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { sweepTempFiles, writableDirs } from '../../../src/apply/temp-sweep.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { tempDir } from '../../helpers/tmp.js';

test('only tend temp files in the dirs tend writes are removed', async (t) => {
  const root = tempDir(t, 'tend-sweep-');
  const layout = embeddedLayout(root);
  const owned = layout.php.poolFile('8.2', 'shop');
  const dirs = writableDirs(layout, [owned], ['8.2']);
  assert.ok(dirs.includes(layout.php.poolDir('8.2')), 'the dir of an owned path is swept');
  assert.ok(dirs.includes(join(root, 'php/8.2')), "the dir of a version's main config is swept");
  assert.ok(dirs.includes(layout.programs.runDir), 'run files of Programs are swept');
  assert.ok(dirs.includes(layout.stateDir));

  for (const d of dirs) mkdirSync(d, { recursive: true });
  mkdirSync(join(layout.stateDir, 'services'), { recursive: true });
  const stale = [
    join(layout.nginx.includeDir, '.shop.conf.tend-2a4a587e.tmp'),
    join(layout.php.poolDir('8.2'), '.shop.conf.tend-00ff00aa.tmp'),
    join(layout.stateDir, '.inventory.json.tend-deadbeef.tmp'),
    join(layout.stateDir, 'services', '.php-fpm@8.2.json.tend-1e8c574b.tmp'),
  ];
  const kept = [
    join(layout.nginx.includeDir, 'shop.conf'),
    join(layout.nginx.includeDir, '.shop.conf.tend-nothex!.tmp'),
    join(layout.nginx.includeDir, 'shop.conf.tend-2a4a587e.tmp'),
    join(root, '.elsewhere.tend-2a4a587e.tmp'),
  ];
  for (const f of [...stale, ...kept]) writeFileSync(f, 'x');

  const removed = await sweepTempFiles(createRealHost(), dirs, layout.stateDir);
  assert.deepEqual(removed.sort(), [...stale].sort());
  for (const f of stale) assert.equal(existsSync(f), false, f);
  for (const f of kept) assert.equal(existsSync(f), true, f);
});

test('a temp file this process is writing right now is left alone', async (t) => {
  const root = tempDir(t, 'tend-sweep-');
  const layout = embeddedLayout(root);
  mkdirSync(layout.programs.runDir, { recursive: true });
  const writing = join(layout.programs.runDir, '.idle-0.json.tend-d72048b8.tmp');
  const stale = join(layout.programs.runDir, '.idle-1.json.tend-0badf00d.tmp');
  for (const f of [writing, stale]) writeFileSync(f, 'x');
  const real = createRealHost();
  const host = { ...real, fs: { ...real.fs, tempInFlight: (p: string) => p === writing } };
  const removed = await sweepTempFiles(host, writableDirs(layout, []));
  assert.deepEqual(removed, [stale]);
  assert.equal(existsSync(writing), true);
  assert.equal(real.fs.tempInFlight?.(writing), false, 'the real host is not writing it');
});
