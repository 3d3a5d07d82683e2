// The POSIX rule nginx's workers meet when they connect to a pool socket, checked from stat; drift of
// owner, group and mode; and the parse of `id`'s output.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseId, permits, reachProblem, socketDrift } from '../../../src/drivers/php-fpm/socket-access.js';

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
