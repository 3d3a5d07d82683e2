// A deactivated ACME account against Debian's pebble: the next order is refused with pebble's own
// problem (type and detail) in the Site's status, the working certificate keeps serving, the refused
// account's key is set aside with an AcmeAccountRetired event, and the next attempt registers a new
// account and gets the certificate. Without renewalInfo, status names the one-third rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import * as acme from 'acme-client';
import { waitFor } from './serve-harness.js';
import { httpsGet, pebbleInstalled } from './pebble-harness.js';
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

const DOMAIN = 'acct.acme.test';
const WWW = `www.${DOMAIN}`;

test(
  'ACME against pebble: a deactivated account is a status message, the old certificate serves, and a new account is registered',
  { skip: !pebbleInstalled() && 'pebble is not installed (apt-get install pebble)', timeout: 300_000 },
  async (t) => {
    const acmeEnv = await servePebble(t);
    const { env, pebble, httpsPort } = acmeEnv;
    const root = staticRoot(env, 'acct', 'account test\n');
    writePebbleIssuer(acmeEnv, 'ops@acct.acme.test');
    env.write('acct.yaml', acmeSiteYaml('acct', root, [DOMAIN], false));
    await env.start();
    const cert = () => certificateOf(env, 'acct');
    const ca = await pebble.issuingRoot();
    const first = await firstServed(acmeEnv, ca, DOMAIN);

    // pebble offers no renewalInfo: status says the one-third rule times the renewal, and why.
    const rule = await waitFor('status to name the renewal rule', async () => {
      const r = (await cert()).renewal;
      return r?.reason && !/not asked yet/.test(r.reason) ? r : undefined;
    });
    assert.equal(rule.rule, 'one-third-lifetime');
    assert.equal(rule.reason, 'the CA does not offer ARI (no renewalInfo)');

    // Deactivate tend's account with its own key, as a CA (or an operator) would.
    const accountFile = join(env.root, 'state/acme/accounts/pebble.json');
    const account = JSON.parse(readFileSync(accountFile, 'utf8')) as { key: string; url: string };
    acme.axios.defaults.httpsAgent = new Agent({ ca: readFileSync(pebble.caFile, 'utf8') });
    const client = new acme.Client({
      directoryUrl: pebble.directory,
      accountKey: account.key,
      accountUrl: account.url,
    });
    const deactivated = (await client.updateAccount({ status: 'deactivated' })) as { status?: string };
    assert.equal(deactivated.status, 'deactivated');

    // A new name needs a new order: refused, reported, and nothing replaced.
    env.write('acct.yaml', acmeSiteYaml('acct', root, [DOMAIN, WWW], false));
    const failed = await failedAttempt(env, 'acct', 'the refused order to be reported');
    assert.equal(failed.lastAttempt?.error?.type, 'urn:ietf:params:acme:error:unauthorized');
    assert.match(failed.lastAttempt?.error?.detail ?? '', /deactivated/i, "pebble's own detail");
    assert.equal(failed.serial, first.serial, 'the refused attempt replaced nothing');
    const still = await httpsGet(httpsPort, ca, DOMAIN);
    assert.equal(still.serial, first.serial, 'the working certificate keeps serving');
    assert.equal(still.status, 200);
    const ready = await certificateReady(env, 'acct');
    assert.equal(ready?.status, 'True');
    assert.equal(ready?.reason, 'RenewalFailing');
    assert.match(ready?.message ?? '', /unauthorized: .*deactivated/i);
    assert.equal(env.daemon.proc.exitCode, null, 'the daemon did not crash');

    // The refused key is set aside (0600) with a clear event; the next attempt makes a new account.
    const retired = `${accountFile}.retired`;
    assert.equal(statSync(retired).mode & 0o777, 0o600);
    assert.equal((JSON.parse(readFileSync(retired, 'utf8')) as { url: string }).url, account.url);
    const events = () => readFileSync(join(env.root, 'state/events.jsonl'), 'utf8');
    assert.match(events(), /"reason":"AcmeAccountRetired".*set aside.*new account/);
    const renewed = await waitFor(
      'a certificate for both names from a new account',
      async () => {
        const c = await cert();
        return c.lastAttempt?.ok && c.domains?.includes(WWW) ? c : undefined;
      },
      120_000,
    );
    assert.notEqual(renewed.serial, first.serial);
    const fresh = JSON.parse(readFileSync(accountFile, 'utf8')) as { key: string; url: string };
    assert.notEqual(fresh.url, account.url, 'a new account was registered');
    assert.notEqual(fresh.key, account.key, 'under a new key');
    assert.equal(statSync(accountFile).mode & 0o777, 0o600);
    const served = await waitFor('the new certificate to be served', async () => {
      const r = await httpsGet(httpsPort, ca, WWW).catch(() => undefined);
      return r?.serial === renewed.serial ? r : undefined;
    });
    assert.equal(served.status, 200);
    assert.ok(existsSync(retired));
    assert.doesNotMatch(env.daemon.log(), /PRIVATE KEY/, 'no key reaches the log');
  },
);
