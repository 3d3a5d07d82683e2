// A master that cannot start fails ensureRunning with TEND_ERR_SERVICE_START carrying the
// service's own words, and leaves nothing running or recorded behind.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { serviceDriverFor, type NginxDriver, type PhpFpmDriver } from '../../../src/drivers/services.js';
import { PHP, embeddedFixture, masters, realHost, writePool, writeVhost } from './harness.js';

test('nginx whose port is taken reports the bind error from nginx itself', async (t) => {
  const f = await embeddedFixture(t);
  writeVhost(f, 'v1');
  const blocker = createServer().listen(f.port, '127.0.0.1');
  t.after(() => blocker.close());
  await new Promise((resolve) => blocker.once('listening', resolve));
  const nginx = serviceDriverFor('nginx', { host: realHost(), layout: f.layout }) as NginxDriver;
  await assert.rejects(nginx.ensureRunning(), (err) => {
    assert.ok(isTendError(err, 'TEND_ERR_SERVICE_START'), String(err));
    assert.match(
      String(err.details.output),
      /bind\(\) to 127\.0\.0\.1:\d+ failed \(98: Address already in use\)/,
    );
    return true;
  });
  assert.equal(await nginx.isRunning(), false);
  assert.deepEqual(masters(f.root, 'nginx'), []);
});

test('php-fpm with a broken pool reports php-fpm own error and the failing file', async (t) => {
  const f = await embeddedFixture(t);
  const bad = writePool(f, 'app', 'pm.max_children = 0');
  const php = serviceDriverFor(`php-fpm@${PHP}`, { host: realHost(), layout: f.layout }) as PhpFpmDriver;
  await assert.rejects(php.ensureRunning(), (err) => {
    assert.ok(isTendError(err, 'TEND_ERR_SERVICE_START'), String(err));
    assert.match(String(err.details.output), /pm\.max_children must be a positive value/);
    assert.deepEqual(err.details.failingFiles, [bad]);
    return true;
  });
  assert.equal(await php.isRunning(), false);
  assert.deepEqual(masters(f.root, 'php-fpm'), []);
});
