// Real nginx and php-fpm 8.2 in a temp embedded root: start, serve PHP through nginx, ping the
// pool over FastCGI, refuse bad configs (old masters keep serving), verified reloads, stop.
import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { httpProbe } from '../../../src/host/http-probe.js';
import { fastcgiRequest, pingPool } from '../../../src/drivers/php-fpm/fastcgi.js';
import { serviceDriverFor, type NginxDriver, type PhpFpmDriver } from '../../../src/drivers/services.js';
import { PHP, embeddedFixture, httpGet, masters, realHost, writePool, writeVhost } from './harness.js';
import { holdPort } from '../../helpers/ports.js';

test('embedded nginx + php-fpm: serve, validate, refuse, reload, stop', async (t) => {
  const f = await embeddedFixture(t);
  const ctx = { host: realHost(), layout: f.layout };
  const nginx = serviceDriverFor('nginx', ctx) as NginxDriver;
  const php = serviceDriverFor(`php-fpm@${PHP}`, ctx) as PhpFpmDriver;
  writeVhost(f, 'v1');
  writePool(f);

  await t.test('ensureRunning starts both masters and PHP is served through nginx', async () => {
    await php.ensureRunning();
    await nginx.ensureRunning();
    assert.equal(await nginx.isRunning(), true);
    assert.equal(await php.isRunning(), true);
    assert.equal(masters(f.root, 'nginx').length, 1);
    assert.equal(masters(f.root, 'php-fpm').length, 1);
    const page = await httpGet(f.port, 'app.test', '/index.php', 'hello-body');
    assert.equal(page.status, 200);
    assert.equal(page.body, 'php says POST hello-body');
    assert.equal(page.headers['x-from'], 'php');
    const probe = await httpProbe({
      address: '127.0.0.1',
      port: f.port,
      host: 'app.test',
      path: '/index.php',
      expectStatus: 200,
      timeoutMs: 5_000,
    });
    assert.equal(probe.ok, true, probe.message);
    const unknown = await httpProbe({
      ...probe,
      address: '127.0.0.1',
      port: f.port,
      host: 'nope.test',
      path: '/',
      expectStatus: 200,
      timeoutMs: 5_000,
    });
    assert.equal(unknown.ok, false);
    assert.equal(unknown.status, 404, 'the default server answers unknown hosts with 404');
  });

  await t.test('FastCGI straight to the pool: ping and a request with a body', async () => {
    const ping = await pingPool({ socketPath: f.socket }, '/ping', 'pong-app');
    assert.equal(ping.ok, true, ping.message);
    const wrong = await pingPool({ socketPath: f.socket }, '/ping', 'something-else');
    assert.equal(wrong.ok, false);
    const r = await fastcgiRequest({
      socketPath: f.socket,
      params: {
        REQUEST_METHOD: 'POST',
        SCRIPT_FILENAME: `${f.docroot}/index.php`,
        SCRIPT_NAME: '/index.php',
        CONTENT_TYPE: 'text/plain',
        LONG_PARAM: 'x'.repeat(1000),
      },
      body: Buffer.from('b'.repeat(70_000)),
    });
    assert.equal(r.status, 200);
    assert.equal(r.body, `php says POST ${'b'.repeat(70_000)}`);
    const missing = await fastcgiRequest({
      socketPath: f.socket,
      params: { REQUEST_METHOD: 'GET', SCRIPT_FILENAME: `${f.docroot}/nope.php`, SCRIPT_NAME: '/nope.php' },
    });
    assert.equal(missing.status, 404);
  });

  await t.test('a bad vhost fails validation with the file named and the reload is refused', async () => {
    assert.equal((await nginx.validate()).ok, true);
    const bad = writeVhost(f, 'bad', 'bad', 'bogus_directive on;');
    const result = await nginx.validate();
    assert.equal(result.ok, false);
    assert.match(result.message, /unknown directive "bogus_directive"/);
    assert.deepEqual(result.failingFiles, [bad]);
    writeVhost(f, 'v2');
    await assert.rejects(nginx.reload(), (err) => isTendError(err, 'TEND_ERR_VALIDATION_FAILED'));
    assert.equal((await httpGet(f.port, 'app.test', '/version')).body, 'v1', 'the old config still serves');
    rmSync(bad);
  });

  await t.test('a fixed config reloads with new workers and the change is served', async () => {
    const result = await nginx.reload();
    assert.match(result.method, /^SIGHUP to \d+ \(workers [\d,]+ -> [\d,]+\)$/);
    assert.equal((await httpGet(f.port, 'app.test', '/version')).body, 'v2');
  });

  await t.test('a config nginx -t accepts but the master cannot apply is reported', async () => {
    // The holding socket is the blocker: no window between finding the port and taking it.
    const { port: busyPort, handOver } = await holdPort();
    t.after(() => handOver());
    const extra = writeVhost({ ...f, port: busyPort }, 'busy', 'busy');
    assert.equal((await nginx.validate()).ok, true, 'nginx -t ignores EADDRINUSE');
    await assert.rejects(nginx.reload(), (err) => {
      assert.ok(isTendError(err, 'TEND_ERR_RELOAD_FAILED'));
      assert.match(err.message, /\[emerg\].*bind\(\)/);
      return true;
    });
    rmSync(extra);
    assert.equal((await httpGet(f.port, 'app.test', '/version')).body, 'v2');
  });

  await t.test('a bad pool fails validation, the reload is refused, the old master serves', async () => {
    const before = await php.tracker.current();
    const bad = writePool(f, 'broken', 'pm.max_spare_servers = 0\npm = dynamic');
    const result = await php.validate();
    assert.equal(result.ok, false);
    assert.deepEqual(result.failingFiles, [bad]);
    await assert.rejects(php.reload(), (err) => isTendError(err, 'TEND_ERR_VALIDATION_FAILED'));
    writeFileSync(bad, '[broken]\npm = bogus\n');
    assert.deepEqual((await php.validate()).failingFiles, [bad]);
    assert.deepEqual(await php.tracker.current(), before);
    assert.equal((await pingPool({ socketPath: f.socket }, '/ping', 'pong-app')).ok, true);
    rmSync(bad);
  });

  await t.test('php-fpm reload re-execs the master and the pools answer; restart too', async () => {
    const before = await php.tracker.current();
    writePool(f, 'app', 'ping.response = pong-v2');
    const result = await php.reload();
    assert.match(result.method, /^SIGUSR2 to \d+/);
    assert.notDeepEqual(await php.tracker.current(), before);
    assert.equal((await pingPool({ socketPath: f.socket }, '/ping', 'pong-v2')).ok, true);
    const restarted = await php.reload({ restart: true });
    assert.equal(restarted.method, 'restarted');
    assert.equal(masters(f.root, 'php-fpm').length, 1);
    assert.equal((await httpGet(f.port, 'app.test', '/index.php')).body, 'php says GET ');
  });

  await t.test('the last pool gone: reload stops the master; stop() stops nginx', async () => {
    rmSync(f.layout.php.poolFile(PHP, 'app'));
    assert.equal((await php.validate()).ok, true);
    assert.equal((await php.reload()).method, 'stopped: no pools left');
    await php.ensureRunning();
    assert.equal(await php.isRunning(), false, 'no master without pools');
    await nginx.stop();
    assert.equal(await nginx.isRunning(), false);
    assert.deepEqual([...masters(f.root, 'nginx'), ...masters(f.root, 'php-fpm')], []);
  });
});
