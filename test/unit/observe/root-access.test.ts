// Site root warnings: one stat per path per call however many Sites share the ancestors, and a
// permission changed between two calls is seen by the second (nothing is kept across passes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { siteRootWarnings } from '../../../src/observe/root-access.js';
import type { FileStat, Host } from '../../../src/host/host.js';
import type { AccountFacts, Resource } from '../../../src/model/index.js';

const dir = (mode: number, uid = 0): FileStat => ({
  isFile: false,
  isDirectory: true,
  isSymlink: false,
  mode: 0o040000 | mode,
  uid,
  gid: uid,
  mtimeMs: 0,
  size: 4096,
});

function statHost(tree: Map<string, FileStat>) {
  const calls = new Map<string, number>();
  const host = {
    fs: {
      async stat(path: string) {
        calls.set(path, (calls.get(path) ?? 0) + 1);
        await new Promise((r) => setImmediate(r));
        return tree.get(path);
      },
    },
  } as unknown as Host;
  return { host, calls };
}

const accounts: AccountFacts = {
  users: new Map([
    ['www-data', { uid: 33, gid: 33 }],
    ['shop', { uid: 1001, gid: 1001 }],
  ]),
  groups: new Map([
    ['www-data', { gid: 33, members: [] }],
    ['shop', { gid: 1001, members: [] }],
  ]),
  stamp: 'x',
};

const pool = (name: string) =>
  ({ kind: 'Pool', metadata: { name }, spec: { user: 'shop', php: '8.2' } }) as unknown as Resource;
const site = (name: string, root: string, poolName: string) =>
  ({
    kind: 'Site',
    metadata: { name },
    spec: { domains: [`${name}.test`], preset: 'php', root, php: { pool: poolName } },
  }) as unknown as Resource;

test('siteRootWarnings stats each root and ancestor once per call, for every Site and user', async () => {
  const tree = new Map<string, FileStat>([
    ['/', dir(0o755)],
    ['/srv', dir(0o755)],
    ['/srv/www', dir(0o755)],
    ['/srv/www/a', dir(0o755, 1001)],
    ['/srv/www/b', dir(0o755, 1001)],
  ]);
  const { host, calls } = statHost(tree);
  const resources = [
    pool('p'),
    ...Array.from({ length: 50 }, (_, i) => site(`s${i}`, i % 2 ? '/srv/www/a' : '/srv/www/b', 'p')),
  ];
  const warnings = await siteRootWarnings(host, resources, accounts, 'www-data');
  assert.equal(warnings.size, 0);
  assert.deepEqual(
    [...calls].filter(([, n]) => n > 1),
    [],
    'no path is stat-ed twice in one call',
  );
  assert.equal(calls.size, 5);
});

test('siteRootWarnings sees a folder made private since the last call (no stat kept across calls)', async () => {
  const tree = new Map<string, FileStat>([
    ['/', dir(0o755)],
    ['/srv', dir(0o755)],
    ['/srv/www', dir(0o755)],
    ['/srv/www/a', dir(0o755, 1001)],
  ]);
  const { host } = statHost(tree);
  const resources = [pool('p'), site('s', '/srv/www/a', 'p')];
  assert.equal((await siteRootWarnings(host, resources, accounts, 'www-data')).size, 0);
  tree.set('/srv/www', dir(0o700));
  const second = await siteRootWarnings(host, resources, accounts, 'www-data');
  assert.match(second.get('Site/s')?.join('\n') ?? '', /www-data cannot enter \/srv\/www \(mode 0700\)/);
  assert.match(second.get('Site/s')?.join('\n') ?? '', /shop cannot enter \/srv\/www/);
  tree.delete('/srv/www/a');
  const third = await siteRootWarnings(host, resources, accounts, 'www-data');
  assert.match(third.get('Site/s')?.join('\n') ?? '', /root \/srv\/www\/a does not exist/);
});
