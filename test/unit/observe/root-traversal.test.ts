// The facts behind the Site root refusal: the first directory above a root www-data cannot search,
// judged with lstat (a symlinked component is never followed, so nothing beyond it is described),
// one lstat per directory however many roots share it; and a memoized load sees a verdict change.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { FileStat, Host } from '../../../src/host/index.js';
import { RootTraversal } from '../../../src/observe/root-traversal.js';
import { loadDesiredState, type LoadMemo } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';

const dir = (mode: number, uid = 0): FileStat => ({
  isFile: false,
  isDirectory: true,
  isSymlink: false,
  mode: 0o40000 | mode,
  uid,
  gid: 0,
  mtimeMs: 0,
  size: 0,
});
const link: FileStat = { ...dir(0o777), isDirectory: false, isSymlink: true };
const WWW_DATA = { user: 'www-data', uid: 33, gids: [33] };

function fakeHost(tree: Record<string, FileStat>): { host: Host; lstats: string[] } {
  const lstats: string[] = [];
  const host = {
    fs: {
      lstat: async (p: string) => {
        lstats.push(p);
        return tree[p];
      },
    },
  } as unknown as Host;
  return { host, lstats };
}

test('the first folder www-data cannot search blocks; a symlink is not followed; each folder is read once', async () => {
  const { host, lstats } = fakeHost({
    '/': dir(0o755),
    '/srv': dir(0o755),
    '/srv/www': dir(0o755),
    '/srv/www/a': dir(0o755),
    '/srv/www/tmp': dir(0o700),
    '/srv/www/tmp/b': dir(0o755),
    '/srv/www/owned': dir(0o700, 33),
    '/srv/www/link': link,
  });
  const facts = new RootTraversal(host, 'www-data', WWW_DATA);
  const roots = [
    '/srv/www/a/public',
    '/srv/www/tmp/b/public',
    '/srv/www/owned/public',
    '/srv/www/link/x/public',
  ];
  const stamp = await facts.prepare(roots);
  assert.equal(facts.blockedAncestor('/srv/www/a/public'), undefined);
  assert.deepEqual(facts.blockedAncestor('/srv/www/tmp/b/public'), { dir: '/srv/www/tmp', mode: '0700' });
  assert.equal(facts.blockedAncestor('/srv/www/owned/public'), undefined, "its owner's bits let it in");
  assert.equal(facts.blockedAncestor('/srv/www/link/x/public'), undefined, 'a symlink ends the walk');
  assert.ok(!lstats.includes('/srv/www/link/x'), 'nothing behind the symlink was read');
  assert.equal(new Set(lstats).size, lstats.length, 'one lstat per folder');
  assert.equal(await facts.prepare(roots), stamp, 'the same verdicts give the same stamp');
});

test('a memoized load judges again when a folder above a root opens, though no file changed', async (t) => {
  const ds = tempDir(t);
  writeFileSync(
    join(ds, 'site.yaml'),
    'apiVersion: tend/v1\nkind: Site\nmetadata: { name: s }\nspec:\n  domains: [s.test]\n  preset: static\n  root: /srv/www/s\n',
  );
  mkdirSync(join(ds, 'x'));
  let open = false;
  const traversal = {
    user: 'www-data',
    blockedAncestor: (p: string) =>
      open || p !== '/srv/www/s' ? undefined : { dir: '/srv/www', mode: '0700' },
    prepare: async (paths: readonly string[]) => JSON.stringify([open, paths]),
  };
  const memo: LoadMemo = { now: () => Date.now() + 60_000 };
  const ruleContext = { webBases: ['/srv/www'], traversal };
  const closed = await loadDesiredState(ds, { memo, ruleContext });
  assert.deepEqual(closed.invalidKeys, ['Site/s']);
  assert.match(closed.errors[0]!.message, /cannot enter \/srv\/www \(mode 0700\)/);
  assert.equal(closed.errors[0]!.code, 'TEND_ERR_NOT_TRAVERSABLE');
  assert.equal(closed.errors[0]!.line, 7);
  assert.equal(await loadDesiredState(ds, { memo, ruleContext }), closed, 'unchanged: the memo answers');
  open = true;
  const opened = await loadDesiredState(ds, { memo, ruleContext });
  assert.deepEqual(opened.invalidKeys, []);
  assert.deepEqual(
    opened.resources.map((r) => r.key),
    ['Site/s'],
  );
});
