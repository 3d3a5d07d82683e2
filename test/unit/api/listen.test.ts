// listen(): spec parsing, the token requirement for network binds, and unix sockets kept private.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { statSync, existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isLoopbackSpec, listen, parseListenSpec } from '../../../src/api/listen.js';
import { buildServer } from '../../../src/api/server.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { tempDir } from '../../helpers/tmp.js';
import { FakeDeps } from './fake-deps.js';

const TOKEN = 'test-token-0123456789abcdef';

test('listen specs parse, and malformed ones are usage errors', () => {
  assert.deepEqual(parseListenSpec('127.0.0.1:7080'), { type: 'tcp', host: '127.0.0.1', port: 7080 });
  assert.deepEqual(parseListenSpec('[::1]:0'), { type: 'tcp', host: '::1', port: 0 });
  assert.deepEqual(parseListenSpec('unix:/run/tend.sock'), { type: 'unix', path: '/run/tend.sock' });
  for (const bad of ['7080', 'localhost', 'host:99999', 'unix:relative.sock', '::1:80', '']) {
    assert.throws(
      () => parseListenSpec(bad),
      (err) => isTendError(err, 'TEND_ERR_USAGE'),
      bad,
    );
  }
  assert.equal(isLoopbackSpec('127.0.0.1:1'), true);
  assert.equal(isLoopbackSpec('localhost:1'), true);
  assert.equal(isLoopbackSpec('unix:/x.sock'), true);
  assert.equal(isLoopbackSpec('0.0.0.0:1'), false);
  assert.equal(isLoopbackSpec('[::]:1'), false);
  assert.equal(isLoopbackSpec('example.com:1'), false);
});

test('a non-loopback bind is refused without a token, and without reads protected', async (t) => {
  for (const opts of [{}, { token: TOKEN }]) {
    const app = buildServer(new FakeDeps(), opts);
    t.after(() => app.close());
    await assert.rejects(listen(app, '0.0.0.0:0', { allowRemote: true }), (err) =>
      isTendError(err, 'TEND_ERR_AUTH'),
    );
    assert.equal(app.server.listening, false);
  }
  const guarded = buildServer(new FakeDeps(), { token: TOKEN, requireTokenForReads: true });
  const bound = await listen(guarded, '0.0.0.0:0', { allowRemote: true });
  t.after(() => bound.close());
  assert.match(bound.url, /^http:\/\/0\.0\.0\.0:\d+$/);
});

test('a loopback TCP bind reports its URL and serves', async (t) => {
  const app = buildServer(new FakeDeps());
  const bound = await listen(app, '127.0.0.1:0');
  t.after(() => bound.close());
  const res = await fetch(`${bound.url}/healthz`);
  assert.equal(res.status, 200);
});

function getOverUnix(socketPath: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, path, headers: { host: 'localhost' } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('a unix socket is mode 0600, replaces a stale socket and is removed on close', async (t) => {
  const dir = tempDir(t, 'tend-api-');
  const path = join(dir, 'api.sock');
  // A socket file with nobody behind it, as a crashed tend leaves it: a process killed while listening.
  const code = `require('net').createServer().listen(${JSON.stringify(path)}, () => process.kill(process.pid, 'SIGKILL'))`;
  spawnSync(process.execPath, ['-e', code], { stdio: 'ignore', timeout: 30_000 });
  assert.ok(existsSync(path), 'the stale socket file exists');

  const app = buildServer(new FakeDeps());
  const bound = await listen(app, `unix:${path}`);
  assert.equal(bound.url, `unix:${path}`);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await getOverUnix(path, '/v1/resources'), 200);
  await bound.close();
  assert.equal(existsSync(path), false);
});

test('listen refuses to replace a regular file or a live socket', async (t) => {
  const dir = tempDir(t, 'tend-api-');
  const file = join(dir, 'not-a-socket');
  writeFileSync(file, 'data');
  const app = buildServer(new FakeDeps());
  t.after(() => app.close());
  await assert.rejects(listen(app, `unix:${file}`), (err) => isTendError(err, 'TEND_ERR_USAGE'));

  const live = join(dir, 'live.sock');
  const other = createServer();
  await new Promise<void>((resolve) => other.listen(live, resolve));
  t.after(() => new Promise<void>((resolve) => other.close(() => resolve())));
  await assert.rejects(listen(app, `unix:${live}`), (err) => isTendError(err, 'TEND_ERR_LOCKED'));
});
