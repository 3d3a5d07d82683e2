// The nginx preflight: which listens of a changed vhost are refused, and which are left to nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { listensOf, refuseBusyListens } from '../../../src/drivers/nginx/listen-preflight.js';
import type { Host } from '../../../src/host/index.js';

test('listensOf reads IPv4 and IPv6 listens with their options', () => {
  const conf =
    'server {\n    listen 127.0.0.1:9090;\n    listen [::1]:9443 ssl http2;\n    # listen 1.2.3.4:1;\n}\n';
  assert.deepEqual(listensOf(conf), [
    { address: '127.0.0.1', port: 9090 },
    { address: '::1', port: 9443 },
  ]);
});

/** /proc as a fake: port 9090 (0x2382) has a listener with inode 111 held by pid 50 (the master). */
function fakeHost(freePorts: number[], masterHolds9090: boolean): Host {
  const files: Record<string, string> = {
    '/proc/net/tcp':
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n' +
      '   0: 0100007F:2382 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 111 1\n' +
      '   1: 0100007F:2383 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 222 1\n',
    '/proc/60/comm': 'squatter\n',
  };
  const fds: Record<string, Record<string, string>> = {
    '50': masterHolds9090 ? { '6': 'socket:[111]' } : {},
    '60': { '3': 'socket:[222]', ...(masterHolds9090 ? {} : { '4': 'socket:[111]' }) },
  };
  return {
    fs: {
      readFile: async (p: string) => files[p],
      readdir: async (p: string) => (p === '/proc' ? ['50', '60'] : Object.keys(fds[p.split('/')[2]!] ?? {})),
      readlink: async (p: string) => fds[p.split('/')[2]!]?.[p.split('/')[4]!],
    },
    portIsFree: async (port: number) => freePorts.includes(port),
  } as unknown as Host;
}

const vhost = (port: number) => ({ path: `/x/${port}.conf`, content: `listen 127.0.0.1:${port};\n` });
const main = { address: '127.0.0.1', port: 8080 };

test('a port another process holds is refused with the holder named; the master’s own ports pass', async () => {
  const host = fakeHost([], true);
  const refused = await refuseBusyListens(
    host,
    [
      { key: 'Site/kept', files: [vhost(9090)] },
      { key: 'Site/taken', files: [vhost(9091)] },
      { key: 'Site/main', files: [vhost(8080)] },
    ],
    { masterPid: 50, mainListen: main },
  );
  assert.deepEqual([...refused.keys()], ['Site/taken']);
  const why = refused.get('Site/taken')!;
  assert.equal(why.code, 'TEND_ERR_PORT_IN_USE');
  assert.match(
    why.message,
    /^\/x\/9091\.conf: port 9091 on 127\.0\.0\.1 is already in use by pid 60 \(squatter\)/,
  );
});

test('with nginx down, a busy Site port is refused but the main listen is never a Site’s fault', async () => {
  const refused = await refuseBusyListens(
    fakeHost([], false),
    [
      { key: 'Site/a', files: [vhost(9090)] },
      { key: 'Site/b', files: [vhost(8080)] },
    ],
    { mainListen: main },
  );
  assert.deepEqual([...refused.keys()], ['Site/a']);
});

test('a free port passes without reading /proc holders', async () => {
  const refused = await refuseBusyListens(
    fakeHost([9092], false),
    [{ key: 'Site/a', files: [vhost(9092)] }],
    {
      mainListen: main,
    },
  );
  assert.equal(refused.size, 0);
});
