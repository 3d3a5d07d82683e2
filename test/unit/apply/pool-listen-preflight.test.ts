// The php-fpm preflight: a pool socket a foreign process listens on is refused with the holder named;
// the master's own sockets, a dead master's orphaned workers and stale socket files pass; a vhost
// pointing at a refused socket is held with its Pool.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { refuseForeignPoolListens } from '../../../src/drivers/php-fpm/listen-preflight.js';
import { preflightRefusals } from '../../../src/apply/preflight.js';
import type { Host } from '../../../src/host/index.js';
import type { ServiceDriver } from '../../../src/drivers/service.js';
import type { Change } from '../../../src/plan/types.js';

const stat = (pid: number, ppid: number) => `${pid} (x) S ${ppid} 1 1 ${'0 '.repeat(15)}100\n`;
const unixLine = (inode: number, path: string) =>
  `0000000000000000: 00000002 00000000 00010000 0001 01 ${inode} ${path}\n`;

/**
 * /proc as a fake: /run/ours.sock (inode 111) is held by master 50 and its worker 51;
 * /run/taken.sock (222) by pid 60 (a python server); /run/orphan.sock (333) by pid 70, a pool worker
 * whose master is gone (parent 1). /run/stale.sock has a file but no listener.
 */
function fakeHost(): Host {
  const files: Record<string, string> = {
    '/proc/net/unix':
      'Num       RefCount Protocol Flags    Type St Inode Path\n' +
      unixLine(111, '/run/ours.sock') +
      unixLine(222, '/run/taken.sock') +
      unixLine(333, '/run/orphan.sock'),
    '/proc/50/stat': stat(50, 1),
    '/proc/50/cmdline': 'php-fpm: master process (/x/php-fpm.conf)\0',
    '/proc/51/stat': stat(51, 50),
    '/proc/51/cmdline': 'php-fpm: pool ours\0',
    '/proc/60/stat': stat(60, 1),
    '/proc/60/cmdline': 'python3\0squat.py\0',
    '/proc/70/stat': stat(70, 1),
    '/proc/70/cmdline': 'php-fpm: pool orphan\0',
    '/proc/1/cmdline': 'init\0',
  };
  const fds: Record<string, Record<string, string>> = {
    '50': { '5': 'socket:[111]' },
    '51': { '5': 'socket:[111]' },
    '60': { '3': 'socket:[222]' },
    '70': { '4': 'socket:[333]' },
  };
  return {
    fs: {
      readFile: async (p: string) => files[p],
      readdir: async (p: string) =>
        p === '/proc' ? Object.keys(fds) : Object.keys(fds[p.split('/')[2]!] ?? {}),
      readlink: async (p: string) => fds[p.split('/')[2]!]?.[p.split('/')[4]!],
    },
    portIsFree: async () => true,
  } as unknown as Host;
}

const pool = (key: string, socket: string) => ({
  key,
  files: [{ path: `/x/${key}.conf`, content: `[${key}]\nlisten = ${socket}\n` }],
});

test('a socket a foreign process listens on is refused, naming it; ours, orphans and stale files pass', async () => {
  const refused = await refuseForeignPoolListens(
    fakeHost(),
    [
      pool('Pool/ours', '/run/ours.sock'),
      pool('Pool/taken', '/run/taken.sock'),
      pool('Pool/orphan', '/run/orphan.sock'),
      pool('Pool/stale', '/run/stale.sock'),
    ],
    { masterPid: 50 },
  );
  assert.deepEqual([...refused.keys()], ['Pool/taken']);
  const why = refused.get('Pool/taken')!;
  assert.equal(why.code, 'TEND_ERR_SOCKET_IN_USE');
  assert.equal(why.address, 'unix:/run/taken.sock');
  assert.match(
    why.message,
    /^\/x\/Pool\/taken\.conf: unix socket \/run\/taken\.sock is already listened on by pid 60 \(python3 squat\.py\), a process tend does not manage/,
  );
});

test('a php-fpm master that is not the tracked one is a foreign owner', async () => {
  const refused = await refuseForeignPoolListens(fakeHost(), [pool('Pool/ours', '/run/ours.sock')], {});
  // pid 51's parent (50) is a php-fpm master, just not the tracked one: the socket is not ours.
  assert.deepEqual([...refused.keys()], ['Pool/ours']);
});

test('a vhost that points at a refused socket is held with its Pool; others go on', async () => {
  const write = (path: string, content: string, service: 'nginx' | 'php-fpm@8.2') => ({
    op: 'write' as const,
    path,
    service,
    mode: 0o644,
    content,
    diff: '',
    secrets: [],
  });
  const change = (key: string, ops: Change['ops']): Change =>
    ({
      key,
      kind: key.split('/')[0],
      name: key.split('/')[1],
      action: 'create',
      reason: '',
      ops,
      services: [...new Set(ops.map((o) => o.service))],
    }) as Change;
  const changes = [
    change('Pool/taken', [write('/x/taken.conf', '[taken]\nlisten = /run/taken.sock\n', 'php-fpm@8.2')]),
    change('Site/taken', [write('/n/taken.conf', '    set $tend_fastcgi unix:/run/taken.sock;\n', 'nginx')]),
    change('Site/other', [write('/n/other.conf', '    set $tend_fastcgi unix:/run/ours.sock;\n', 'nginx')]),
  ];
  const host = fakeHost();
  const drivers = {
    'php-fpm@8.2': { preflight: (c: never) => refuseForeignPoolListens(host, c, { masterPid: 50 }) },
    nginx: {},
  } as unknown as Record<string, ServiceDriver>;
  const refused = await preflightRefusals(changes, (id) => drivers[id]!);
  assert.deepEqual([...refused.keys()].sort(), ['Pool/taken', 'Site/taken']);
  assert.equal(refused.get('Site/taken')!.code, 'TEND_ERR_SOCKET_IN_USE');
  assert.match(
    refused.get('Site/taken')!.message,
    /^its upstream unix:\/run\/taken\.sock \(Pool\/taken\) is refused/,
  );
});
