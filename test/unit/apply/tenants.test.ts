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

test('as root, pool users listed in /etc/passwd need no getent; others are asked, and created when missing', async () => {
  let passwd = 'root:x:0:0:root:/root:/bin/bash\nshop:x:1001:1001::/srv:/usr/sbin/nologin\n';
  const execs: string[] = [];
  const chowned: string[] = [];
  const dirs = new Set<string>();
  const host = {
    isRoot: () => true,
    async exec(file: string, args: readonly string[]) {
      execs.push(`${file} ${args.join(' ')}`);
      if (file === 'getent' && args[1] === 'ldapuser')
        return { exitCode: 0, stdout: 'ldapuser:*:5000:5000::/:/bin/false', stderr: '' };
      if (file === 'useradd') {
        passwd += `${args[args.length - 1]}:x:1002:1002::/:/usr/sbin/nologin\n`;
        return { exitCode: 0, stdout: '', stderr: '' };
      }
      return { exitCode: 2, stdout: '', stderr: '' };
    },
    fs: {
      async readFile(path: string) {
        return path === '/etc/passwd' ? passwd : path === '/etc/group' ? '' : undefined;
      },
      async stat(path: string) {
        return dirs.has(path)
          ? {
              isFile: false,
              isDirectory: true,
              isSymlink: false,
              mode: 0o40700,
              uid: 0,
              gid: 0,
              mtimeMs: 0,
              size: 0,
            }
          : undefined;
      },
      async mkdirp(path: string) {
        dirs.add(path);
      },
      async chown(path: string, uid: number, gid: number) {
        chowned.push(`${path} ${uid}:${gid}`);
      },
      async writeFileAtomic() {},
    },
  } as unknown as Host;
  const owned = (name: string, owner: string, account?: string): Rendered =>
    ({
      key: `Pool/${name}`,
      files: [],
      links: [],
      ...(account ? { account: { name: account, home: '/srv' } } : {}),
      tenantDirs: [{ path: `/t/${name}/tmp`, owner, mode: 0o700, parent: `/t/${name}` }],
    }) as unknown as Rendered;
  await prepareTenants({
    host,
    stateDir: '/t/state',
    rendered: [owned('a', 'shop'), owned('b', 'shop'), owned('c', 'ldapuser'), owned('d', 'new1', 'new1')],
  });
  assert.deepEqual(
    execs.map((e) => e.split(' ').slice(0, 3).join(' ')),
    ['getent passwd ldapuser', 'getent passwd new1', 'useradd --system --user-group'],
    'shop is in /etc/passwd: no fork for it; new1 was looked up (missing), created, then read back',
  );
  assert.deepEqual(chowned, [
    '/t/a/tmp 1001:1001',
    '/t/b/tmp 1001:1001',
    '/t/c/tmp 5000:5000',
    '/t/d/tmp 1002:1002',
  ]);
});
