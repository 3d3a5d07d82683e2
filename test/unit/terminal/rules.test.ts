// Pure pieces of the terminal: message parsing, Origin against Host, window size clamps, /etc/passwd
// and /proc parsing, the clean environment, the CSP, and identity rules against a fake Host.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import type { Host } from '../../../src/host/index.js';
import { terminalSpec } from '../../../src/model/terminal.js';
import { originMatchesHost } from '../../../src/terminal/gate.js';
import { parsePasswd, resolveIdentity, shellArgs, shellEnv } from '../../../src/terminal/identity.js';
import { contentSecurityPolicy } from '../../../src/terminal/page.js';
import { parseAuth, parseClientMessage } from '../../../src/terminal/protocol.js';
import { clampSize } from '../../../src/terminal/pty.js';
import { endReason, limitsOf, tickMs } from '../../../src/terminal/limits.js';

test('auth and client messages are parsed strictly', () => {
  assert.deepEqual(parseAuth('{"auth":"abc","cols":80,"rows":24}'), { token: 'abc', cols: 80, rows: 24 });
  for (const bad of ['', 'abc', '[]', 'null', '{"token":"abc"}', '{"auth":1}', '{"cols":80}'])
    assert.equal(parseAuth(bad), undefined);
  // With a login cookie the token may be left out, but a wrong type is still refused.
  assert.deepEqual(parseAuth('{"cols":80,"rows":24}', true), { token: '', cols: 80, rows: 24 });
  for (const bad of ['[]', 'null', '{"auth":1}', '{"auth":null}'])
    assert.equal(parseAuth(bad, true), undefined, bad);
  assert.deepEqual(parseClientMessage('{"type":"input","data":"ls\\r"}'), { type: 'input', data: 'ls\r' });
  assert.deepEqual(parseClientMessage('{"type":"resize","cols":1,"rows":2}'), {
    type: 'resize',
    cols: 1,
    rows: 2,
  });
  for (const bad of ['{"type":"input"}', '{"type":"resize","cols":"80","rows":24}', '{"type":"exec"}', '1'])
    assert.equal(parseClientMessage(bad), undefined, bad);
});

test('Origin must name the Host the page came from', () => {
  const cases: Array<[string | undefined, string | undefined, boolean]> = [
    [undefined, '127.0.0.1:20001', true],
    ['http://127.0.0.1:20001', '127.0.0.1:20001', true],
    ['https://term.example.com', 'term.example.com', true],
    ['https://term.example.com', 'term.example.com:443', true],
    ['http://[::1]:20001', '[::1]:20001', true],
    ['http://127.0.0.1:20002', '127.0.0.1:20001', false],
    ['http://evil.example', '127.0.0.1:20001', false],
    ['null', '127.0.0.1:20001', false],
    ['file://', '127.0.0.1:20001', false],
    ['http://127.0.0.1:20001', undefined, false],
  ];
  for (const [origin, host, ok] of cases)
    assert.equal(originMatchesHost(origin, host), ok, `${origin} vs ${host}`);
});

test('window sizes from the browser are clamped', () => {
  assert.deepEqual(clampSize(100000, -5), { cols: 1000, rows: 1 });
  assert.deepEqual(clampSize('80', Number.NaN), { cols: 80, rows: 24 });
  assert.deepEqual(clampSize(120.7, 40.2), { cols: 120, rows: 40 });
});

test('the environment is built from nothing', () => {
  process.env.TEND_UNIT_SECRET = 'x';
  const env = shellEnv({ user: 'www-data', uid: 33, gid: 33, home: '/var/www' }, '/bin/bash');
  delete process.env.TEND_UNIT_SECRET;
  assert.deepEqual(Object.keys(env).sort(), [
    'COLORTERM',
    'HOME',
    'LANG',
    'LOGNAME',
    'PATH',
    'SHELL',
    'TERM',
    'USER',
  ]);
  assert.equal(env.TERM, 'xterm-256color');
  assert.doesNotMatch(env.PATH!, /sbin/);
  assert.deepEqual(shellArgs('/bin/bash'), ['-l']);
  assert.deepEqual(shellArgs('/usr/bin/htop'), []);
});

const PASSWD = `root:x:0:0:root:/root:/bin/bash
# a comment
toor:x:0:0::/root:/bin/sh
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin
broken-line
`;

function fakeHost(root: boolean): Host {
  return {
    fs: { readFile: async (p: string) => (p === '/etc/passwd' ? PASSWD : undefined) },
    isRoot: () => root,
    exec: async (file: string, args: string[]) =>
      file === 'getent' && args[0] === 'initgroups'
        ? { exitCode: 0, stdout: `${args[1]} 34`, stderr: '' }
        : { exitCode: 2, stdout: '', stderr: '' },
  } as unknown as Host;
}

test('/etc/passwd parsing skips comments and broken lines', () => {
  assert.deepEqual(
    parsePasswd(PASSWD).map((e) => e.name),
    ['root', 'toor', 'www-data'],
  );
});

test('identity: unknown users, uid 0 under another name, and switches without root are refused', async () => {
  const spec = (user: string, allowRoot = false) => ({
    ...terminalSpec.parse({ user: 'www-data' }),
    user,
    allowRoot,
  });
  await assert.rejects(resolveIdentity(fakeHost(true), spec('ghost'), 't'), (e) =>
    isTendError(e, 'TEND_ERR_USER_UNKNOWN'),
  );
  await assert.rejects(resolveIdentity(fakeHost(true), spec('toor'), 't'), (e) =>
    isTendError(e, 'TEND_ERR_ROOT_REFUSED'),
  );
  const toor = await resolveIdentity(fakeHost(true), spec('toor', true), 't');
  assert.equal(toor.uid, 0);
  if (process.getuid?.() !== 33) {
    const www = await resolveIdentity(fakeHost(true), spec('www-data'), 't');
    assert.deepEqual(www.switchTo, { uid: 33, gid: 33, groups: [33, 34] });
    await assert.rejects(resolveIdentity(fakeHost(false), spec('www-data'), 't'), (e) =>
      isTendError(e, 'TEND_ERR_USER_SWITCH'),
    );
  }
});

test('the CSP allows scripts only from the origin and names the socket only for a clean Host', () => {
  const csp = contentSecurityPolicy('127.0.0.1:20001');
  assert.match(csp, /script-src 'self';/);
  assert.match(csp, /connect-src 'self' ws:\/\/127\.0\.0\.1:20001 wss:\/\/127\.0\.0\.1:20001/);
  const hostile = contentSecurityPolicy("x; script-src 'unsafe-inline'");
  assert.equal(hostile.match(/script-src/g)?.length, 1, 'a hostile Host cannot add a directive');
  assert.match(hostile, /connect-src 'self';/);
});

test('limits: expiry wins, then idle from the last input, then the session age', () => {
  const spec = { ...terminalSpec.parse({ user: 'www-data' }), idleTimeout: '10s', maxSessionDuration: '1m' };
  const limits = limitsOf({ ...spec, expiresAt: '2030-01-01T00:00:00Z' });
  const t0 = Date.parse('2029-12-31T23:00:00Z');
  assert.equal(endReason(limits, { startedAt: t0, lastInputAt: t0 }, t0 + 9_999), undefined);
  assert.equal(endReason(limits, { startedAt: t0, lastInputAt: t0 }, t0 + 10_000), 'idle');
  assert.equal(endReason(limits, { startedAt: t0, lastInputAt: t0 + 55_000 }, t0 + 60_000), 'max-duration');
  assert.equal(
    endReason(limits, { startedAt: t0, lastInputAt: t0 }, Date.parse('2030-01-01T00:00:00Z')),
    'expired',
  );
  assert.equal(limitsOf(spec).expiresAt, Infinity);
  assert.equal(tickMs(limits), 1000);
  assert.equal(tickMs(limitsOf({ ...spec, idleTimeout: '1s' })), 100);
});
