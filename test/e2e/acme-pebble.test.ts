// ACME end to end against Debian's pebble with real HTTP-01 validation through tend's embedded nginx:
// the Site serves plain HTTP, then HTTPS chained to pebble's root; pebble's 60 s certificates are
// renewed at a third of their life and go live with one nginx reload while a request loop sees no
// failure; a blocked challenge shows pebble's own error in status while the old certificate serves.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet } from '../helpers/e2e.js';
import { sleep, waitFor } from './serve-harness.js';
import { httpsGet as httpsGetAs, pebbleInstalled } from './pebble-harness.js';
import {
  acmeSiteYaml,
  certificateOf,
  certificateReady,
  failedAttempt,
  firstServed,
  servePebble,
  staticRoot,
  writePebbleIssuer,
} from './acme-harness.js';

const DOMAIN = 'shop.acme.test';

const httpsGet = (port: number, ca: string, path = '/') => httpsGetAs(port, ca, DOMAIN, path);

const nginxReloads = (log: string) =>
  (log.match(/"service":"nginx"[^\n]*"msg":"service reloaded"/g) ?? []).length;
/** nginx reloads logged since the last certificate was installed (the pass logs after nginx serves). */
const reloadsSinceInstall = (log: string) =>
  nginxReloads(log.slice(log.lastIndexOf('"msg":"certificate installed"')));

test(
  'ACME against pebble: issued over HTTP-01, renewed with no failed request, a blocked renewal keeps the old certificate',
  { skip: !pebbleInstalled() && 'pebble is not installed (apt-get install pebble)', timeout: 300_000 },
  async (t) => {
    const acmeEnv = await servePebble(t, { validitySeconds: 60 });
    const { env, pebble, httpsPort } = acmeEnv;
    const root = staticRoot(env, 'shop', 'hello over tls\n');
    writePebbleIssuer(acmeEnv, 'ops@shop.acme.test');
    env.write('shop.yaml', acmeSiteYaml('shop', root, [DOMAIN], true));
    await env.start();
    const cert = () => certificateOf(env, 'shop');
    const ca = await pebble.issuingRoot();

    // Issuance: the HTTPS server comes up with pebble's chain; plain HTTP redirects, except the challenge path.
    const first = await firstServed(acmeEnv, ca, DOMAIN);
    assert.equal(first.status, 200);
    assert.equal(first.body, 'hello over tls\n');
    const issued = await cert();
    assert.equal(issued.serial, first.serial, 'status names the serial nginx serves');
    assert.deepEqual(issued.domains, [DOMAIN]);
    assert.equal(issued.source, 'Issuer/pebble');
    // Workers of the config before the certificate may still take a connection for a moment.
    const redirect = await waitFor('plain HTTP to redirect', async () => {
      const r = await httpGet(env.port, DOMAIN, '/page');
      return r.status === 301 ? r : undefined;
    });
    assert.equal(redirect.status, 301);
    assert.equal(redirect.headers.location, `https://${DOMAIN}:${httpsPort}/page`);
    const challenge = await httpGet(env.port, DOMAIN, '/.well-known/acme-challenge/none-such');
    assert.equal(
      challenge.status,
      404,
      'the challenge path is answered from the challenge dir, not redirected',
    );
    const siteDir = join(env.root, 'state/acme/certs/shop');
    assert.equal(statSync(join(siteDir, `${first.serial}.key`)).mode & 0o777, 0o600);
    assert.equal(statSync(join(env.root, 'state/acme/accounts/pebble.json')).mode & 0o777, 0o600);
    const metrics = await env.api('GET', '/metrics');
    const gauge = new RegExp(`tend_certificate_expiry_timestamp_seconds\\{site="shop"\\} (\\d+)`).exec(
      String(metrics.body),
    );
    assert.equal(Number(gauge?.[1]), Date.parse(issued.notAfter!) / 1000);

    // Renewal: a third of 60 s before expiry; a request loop on fresh connections never fails.
    await waitFor('the issuing pass to be logged', () => reloadsSinceInstall(env.daemon.log()) >= 1);
    const reloadsBefore = nginxReloads(env.daemon.log());
    const seen = { ok: 0, failed: [] as string[] };
    let looping = true;
    const loop = (async () => {
      while (looping) {
        try {
          const r = await httpsGet(httpsPort, ca);
          if (r.status === 200) seen.ok++;
          else seen.failed.push(`status ${r.status}`);
        } catch (err) {
          seen.failed.push(String(err));
        }
        await sleep(50);
      }
    })();
    const renewed = await waitFor(
      'the renewed certificate to be served',
      async () => {
        const r = await httpsGet(httpsPort, ca).catch(() => undefined);
        return r && r.serial !== first.serial ? r : undefined;
      },
      90_000,
    );
    await waitFor('the renewing pass to be logged', () => reloadsSinceInstall(env.daemon.log()) >= 1);
    await sleep(1000);
    looping = false;
    await loop;
    assert.deepEqual(seen.failed, [], 'no request failed while the certificate was renewed');
    assert.ok(seen.ok > 10, `the loop ran (${seen.ok} requests)`);
    const relevant = env.daemon
      .log()
      .split('\n')
      .filter((l) => /service reloaded|certificate installed|"msg":"reconciled"/.test(l));
    assert.equal(
      nginxReloads(env.daemon.log()) - reloadsBefore,
      1,
      `the new certificate went live with one reload:\n${relevant.join('\n')}`,
    );
    assert.equal((await cert()).serial, renewed.serial);

    // Failure: the name now resolves where nothing answers; pebble's own error reaches status.
    await pebble.resolve(DOMAIN, '127.0.0.2');
    const failed = await failedAttempt(env, 'shop', 'the blocked renewal to be reported');
    assert.equal(failed.lastAttempt?.error?.type, 'urn:ietf:params:acme:error:connection');
    assert.match(failed.lastAttempt?.error?.detail ?? '', /127\.0\.0\.2.*connection refused/);
    assert.equal(failed.serial, renewed.serial, 'the failed renewal replaced nothing');
    const still = await httpsGet(httpsPort, ca);
    assert.equal(still.serial, renewed.serial, 'the old certificate keeps serving');
    assert.equal(still.status, 200);
    const ready = await certificateReady(env, 'shop');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'RenewalFailing');
    assert.match(ready?.message ?? '', /connection refused/);
    assert.doesNotMatch(env.daemon.log(), /PRIVATE KEY/, 'no key reaches the log');
    assert.ok(readFileSync(join(siteDir, 'current.json'), 'utf8').includes(renewed.serial));
  },
);
