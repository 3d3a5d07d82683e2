// File-based certificates through real nginx: a pair replaced on disk is checked and served within a
// resync; a garbage certificate or a key of another pair is held back with a clear status while the
// last good certificate keeps serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/e2e.js';
import { selfSigned } from '../unit/acme/certs.js';
import { httpsGet } from './pebble-harness.js';
import { serveEnv, waitFor } from './serve-harness.js';

const DOMAIN = 'shop.files.test';

interface Cond {
  type: string;
  status: string;
  reason: string;
  message: string;
}

test('a replaced certificate file is served within a resync; a bad replacement is held back while the old one serves', async (t) => {
  const httpsPort = await freePort();
  const env = await serveEnv(t, ['--https-port', String(httpsPort)]);
  const tlsDir = join(env.base, 'tls');
  mkdirSync(tlsDir);
  const certFile = join(tlsDir, 'shop.pem');
  const keyFile = join(tlsDir, 'shop.key');
  const a = selfSigned([DOMAIN]);
  const b = selfSigned([DOMAIN]);
  writeFileSync(certFile, a.cert);
  writeFileSync(keyFile, a.key, { mode: 0o600 });
  const root = join(env.www, 'shop');
  mkdirSync(root);
  writeFileSync(join(root, 'index.html'), 'files\n');
  env.write(
    'shop.yaml',
    `apiVersion: tend/v1
kind: Site
metadata: { name: shop }
spec:
  domains: [${DOMAIN}]
  preset: static
  root: ${root}
  tls: { certificate: ${certFile}, key: ${keyFile}, redirect: false }
`,
  );
  await env.start();
  const served = (ca: string) => httpsGet(httpsPort, ca, DOMAIN).catch(() => undefined);
  const first = await waitFor('pair A to be served', () => served(a.cert));
  assert.equal(first.body, 'files\n');
  const condition = async () =>
    ((await env.resource('Site/shop'))?.conditions as Cond[] | undefined)?.find(
      (c) => c.type === 'CertificateReady',
    );

  // A good replacement (pair B) goes live by itself, within a resync (2 s here).
  writeFileSync(keyFile, b.key);
  writeFileSync(certFile, b.cert);
  const second = await waitFor('pair B to be served', () => served(b.cert), 30_000);
  assert.notEqual(second.serial, first.serial);
  await waitFor('status to follow', async () => (await condition())?.reason === 'Valid');

  // Garbage: held back, B keeps serving, status names the problem.
  writeFileSync(certFile, 'not a certificate\n');
  const held = await waitFor(
    'the garbage to be held back',
    async () => {
      const c = await condition();
      return c?.reason === 'ReplacementHeld' ? c : undefined;
    },
    30_000,
  );
  assert.match(held.message, /does not parse.*the previous certificate [0-9a-f]+ keeps serving/);
  assert.equal((await served(b.cert))?.serial, second.serial);

  // A certificate with someone else's key: held back too.
  writeFileSync(certFile, a.cert);
  const mismatch = await waitFor(
    'the mismatched key to be held back',
    async () => {
      const c = await condition();
      return c?.reason === 'ReplacementHeld' && /key does not match/.test(c.message) ? c : undefined;
    },
    30_000,
  );
  assert.equal(mismatch.status, 'True');
  await env.api('POST', '/v1/reconcile', {});
  assert.equal(
    (await served(b.cert))?.serial,
    second.serial,
    'the last good pair still serves after another pass',
  );
  const events = await env.api('GET', '/v1/resources/Site/shop');
  assert.match(JSON.stringify(events.body), /CertificateHeldBack/);
});
