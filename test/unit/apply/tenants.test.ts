// Tenant dirs before a pass applies pool files: created (parent first) when missing, and an idle
// pass that finds them costs one stat each, not a mkdir of the parent as well.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { prepareTenants } from '../../../src/apply/tenants.js';
import type { FileStat, Host } from '../../../src/host/host.js';
import type { Rendered } from '../../../src/render/types.js';

function dirHost() {
  const dirs = new Set<string>(['/']);
  const ops: string[] = [];
  const st = (): FileStat => ({
    isFile: false,
    isDirectory: true,
    isSymlink: false,
    mode: 0o040700,
    uid: 0,
    gid: 0,
    mtimeMs: 0,
    size: 0,
  });
  const host = {
    isRoot: () => false,
    fs: {
      async stat(path: string) {
        ops.push(`stat ${path}`);
        return dirs.has(path) ? st() : undefined;
      },
      async mkdirp(path: string, mode?: number) {
        ops.push(`mkdirp ${path} ${mode?.toString(8)}`);
        for (let p = path; p !== '/'; p = p.slice(0, p.lastIndexOf('/')) || '/') dirs.add(p);
      },
    },
  } as unknown as Host;
  return { host, dirs, ops };
}

const pool = (name: string): Rendered =>
  ({
    key: `Pool/${name}`,
    files: [],
    links: [],
    tenantDirs: [
      { path: `/t/pools/${name}/tmp`, owner: 'www-data', mode: 0o700, parent: `/t/pools/${name}` },
      { path: `/t/pools/${name}/sessions`, owner: 'www-data', mode: 0o700, parent: `/t/pools/${name}` },
    ],
  }) as unknown as Rendered;

test('prepareTenants creates a missing tenant dir after its parent (0711), then only stats it', async () => {
  const { host, dirs, ops } = dirHost();
  await prepareTenants({ host, stateDir: '/t/state', rendered: [pool('a')] });
  assert.deepEqual(ops, [
    'stat /t/pools/a/tmp',
    'mkdirp /t/pools/a 711',
    'mkdirp /t/pools/a/tmp 700',
    'stat /t/pools/a/sessions',
    'mkdirp /t/pools/a 711',
    'mkdirp /t/pools/a/sessions 700',
  ]);
  ops.length = 0;
  await prepareTenants({ host, stateDir: '/t/state', rendered: [pool('a')] });
  assert.deepEqual(ops, ['stat /t/pools/a/tmp', 'stat /t/pools/a/sessions']);
  // Removed behind tend's back: the next pass creates it again.
  dirs.delete('/t/pools/a/sessions');
  ops.length = 0;
  await prepareTenants({ host, stateDir: '/t/state', rendered: [pool('a')] });
  assert.deepEqual(ops, [
    'stat /t/pools/a/tmp',
    'stat /t/pools/a/sessions',
    'mkdirp /t/pools/a 711',
    'mkdirp /t/pools/a/sessions 700',
  ]);
});
