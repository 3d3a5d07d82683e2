// The POSIX rule nginx's workers meet when they connect to a pool socket, checked from stat; drift of
// owner, group and mode; and the parse of `id`'s output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  idOf,
  parseId,
  permits,
  reachProblem,
  socketDrift,
  workerCredential,
} from '../../../src/drivers/php-fpm/socket-access.js';
import type { Host } from '../../../src/host/host.js';

const www = { name: 'www-data', uid: 33, gid: 33, groups: [33, 1001] };
const sock = (mode: number, uid = 33, gid = 33) => ({ mode: 0o140000 | mode, uid, gid });

test('the owner class decides for the owner, even where other bits would allow', () => {
  assert.equal(permits(sock(0o660), www, 'w'), true);
  assert.equal(permits(sock(0o000), www, 'w'), false);
  assert.equal(permits(sock(0o066), www, 'w'), false, 'owner bits are 0: other bits do not count');
});

test('group and supplementary groups use the group class; strangers use other', () => {
  assert.equal(permits(sock(0o060, 0, 1001), www, 'w'), true, 'a supplementary group');
  assert.equal(permits(sock(0o600, 0, 33), www, 'w'), false);
  assert.equal(permits(sock(0o602, 0, 0), www, 'w'), true);
  assert.equal(permits(sock(0o660, 0, 0), www, 'w'), false);
  assert.equal(permits(sock(0o000, 0, 0), { name: 'root', uid: 0, gid: 0, groups: [] }, 'w'), true);
});

test('reachProblem names the directory nginx cannot search, or the socket it cannot write', () => {
  const dirs = [
    { path: '/', stat: { mode: 0o755, uid: 0, gid: 0 } },
    { path: '/run', stat: { mode: 0o700, uid: 0, gid: 0 } },
  ];
  assert.match(reachProblem('/run/p.sock', sock(0o660), dirs, www) ?? '', /cannot search \/run/);
  dirs[1]!.stat.mode = 0o755;
  assert.equal(reachProblem('/run/p.sock', sock(0o660), dirs, www), undefined);
  assert.match(
    reachProblem('/run/p.sock', sock(0o000), dirs, www) ?? '',
    /www-data cannot connect.*mode 0000/,
  );
});

test('socketDrift lists each difference from the pool file, and nothing when they agree', () => {
  assert.equal(socketDrift(sock(0o660), { uid: 33, gid: 33, mode: 0o660 }), '');
  assert.equal(socketDrift(sock(0o660, 0, 0), { uid: undefined, gid: undefined, mode: 0o660 }), '');
  assert.equal(
    socketDrift(sock(0o000, 0, 33), { uid: 33, gid: 33, mode: 0o660 }),
    'mode 0000 (want 0660), owner 0 (want 33)',
  );
});

test('parseId reads uid, primary gid and every group', () => {
  assert.deepEqual(
    parseId('www-data', 'uid=33(www-data) gid=33(www-data) groups=33(www-data),1001(shop)\n'),
    {
      name: 'www-data',
      uid: 33,
      gid: 33,
      groups: [33, 1001],
    },
  );
  assert.equal(parseId('x', 'id: x: no such user'), undefined);
});

/** A host whose `getent` answers after a tick, counting the commands it ran; its clock is `t.now`. */
function getentHost(answer: (args: readonly string[]) => string | Error) {
  const t = { now: 1_000_000, execs: 0 };
  const host = {
    now: () => t.now,
    async exec(_file: string, args: readonly string[]) {
      t.execs++;
      await new Promise((r) => setTimeout(r, 5));
      const out = answer(args);
      if (out instanceof Error) throw out;
      return { exitCode: 0, stdout: out, stderr: '' };
    },
  } as unknown as Host;
  return { host, t };
}

test('idOf: lookups that overlap share one getent; the answer is kept for a minute, then asked again', async () => {
  let uid = 33;
  const { host, t } = getentHost(() => `www-data:x:${uid}:33::/var/www:/usr/sbin/nologin`);
  const ids = await Promise.all(Array.from({ length: 32 }, () => idOf(host, 'passwd', 'www-data')));
  assert.deepEqual(new Set(ids), new Set([33]));
  assert.equal(t.execs, 1, '32 concurrent lookups of one name fork one getent');
  uid = 34;
  t.now += 59_000;
  assert.equal(await idOf(host, 'passwd', 'www-data'), 33, 'within the minute');
  assert.equal(t.execs, 1);
  t.now += 2_000;
  assert.equal(await idOf(host, 'passwd', 'www-data'), 34, 'an expired answer is never served');
  assert.equal(t.execs, 2);
  assert.equal(await idOf(host, 'group', 'www-data'), 34, 'another database is another key');
  assert.equal(t.execs, 3);
});

test('idOf: a lookup that failed is not kept; the next one asks again', async () => {
  let fail = true;
  const { host, t } = getentHost(() => (fail ? new Error('fork failed') : 'shop:x:1001:1001::/:/bin/false'));
  const both = await Promise.allSettled([idOf(host, 'passwd', 'shop'), idOf(host, 'passwd', 'shop')]);
  assert.deepEqual(
    both.map((r) => r.status),
    ['rejected', 'rejected'],
  );
  assert.equal(t.execs, 1);
  fail = false;
  assert.equal(await idOf(host, 'passwd', 'shop'), 1001);
  assert.equal(t.execs, 2);
});

test('workerCredential: one `id` for overlapping callers', async () => {
  const { host, t } = getentHost(() => 'uid=33(www-data) gid=33(www-data) groups=33(www-data)');
  const creds = await Promise.all(Array.from({ length: 8 }, () => workerCredential(host, 'www-data')));
  assert.equal(t.execs, 1);
  assert.equal(creds[7]?.uid, 33);
});
