// Symlinked directories in the desired state: walked when they stay inside the tree (today's users
// share a directory between hosts that way), refused at the link when they lead out of it, and a
// link back up the tree does not loop.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadDesiredState } from '../../../src/source/index.js';
import { staticSiteYaml } from '../../helpers/e2e.js';
import { tempDir } from '../../helpers/tmp.js';

test('a symlinked directory inside the tree is loaded; one leading outside is refused at the link', async (t) => {
  const base = tempDir(t, 'tend-symdir-');
  const ds = join(base, 'ds');
  mkdirSync(join(ds, '.shared'), { recursive: true });
  writeFileSync(join(ds, '.shared/inside.yaml'), staticSiteYaml('inside', '/srv/www/inside'));
  symlinkSync('.shared', join(ds, 'linked'));
  mkdirSync(join(base, 'outside'));
  writeFileSync(join(base, 'outside/stolen.yaml'), staticSiteYaml('stolen', '/srv/www/stolen'));
  symlinkSync('../outside', join(ds, 'escape'));
  symlinkSync('.', join(ds, 'loop'));

  const load = await loadDesiredState(ds);
  assert.deepEqual(
    load.resources.map((r) => [r.key, r.file]),
    [['Site/inside', 'linked/inside.yaml']],
  );
  assert.equal(load.ok, false);
  const refusal = load.errors.find((e) => e.file === 'escape');
  assert.ok(refusal, `expected an error at the link "escape", got ${JSON.stringify(load.errors)}`);
  assert.match(refusal.message, /got a symlink to .*outside.*; refused/);
  // Its contents are unknown, not absent: a prune must hold, never delete what they may declare.
  assert.deepEqual(load.unknownFiles, ['escape']);
  assert.ok(!load.files.some((f) => f.includes('stolen')));
});

test('with only inside links the tree loads cleanly', async (t) => {
  const ds = join(tempDir(t, 'tend-symdir-'), 'ds');
  mkdirSync(join(ds, 'hosts/web1'), { recursive: true });
  writeFileSync(join(ds, 'hosts/web1/a.yaml'), staticSiteYaml('a', '/srv/www/a'));
  symlinkSync('web1', join(ds, 'hosts/web2'));
  symlinkSync('..', join(ds, 'hosts/web1/up'));
  const load = await loadDesiredState(ds);
  // Both paths declare Site/a: the second is reported as declared twice, like two copies would be.
  assert.deepEqual(load.files, ['hosts/web1/a.yaml', 'hosts/web2/a.yaml']);
  assert.ok(
    load.errors.every((e) => e.code === 'TEND_ERR_DUPLICATE'),
    JSON.stringify(load.errors),
  );
});
