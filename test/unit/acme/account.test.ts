// A refused account is retired only when the CA had registered it and refused it for good: its file
// moves to .retired (0600) and a new key is made next time; other failures leave it alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { AccountRetired, loadAccount, retireIfRefused, saveAccountUrl } from '../../../src/acme/account.js';
import { AcmeFailure } from '../../../src/acme/problem.js';
import { createRealHost } from '../../../src/host/index.js';
import { tempDir } from '../../helpers/tmp.js';

const UNAUTHORIZED = 'urn:ietf:params:acme:error:unauthorized';

function setup(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t);
  const paths = {
    challengeDir: `${dir}/ch`,
    siteDir: (s: string) => `${dir}/c/${s}`,
    accountFile: (i: string) => `${dir}/a/${i}.json`,
  };
  return { host: createRealHost(), paths, file: `${dir}/a/le.json` };
}

test('a registered account refused as unauthorized or unknown is set aside; the next load makes a new key', async (t) => {
  for (const type of [UNAUTHORIZED, 'urn:ietf:params:acme:error:accountDoesNotExist']) {
    const { host, paths, file } = setup(t);
    const acct = await loadAccount(host, paths, 'le');
    await saveAccountUrl(host, paths, 'le', acct, 'https://ca.test/acct/1');
    const registered = await loadAccount(host, paths, 'le');
    const out = await retireIfRefused(host, paths, 'le', registered, new AcmeFailure(type, 'deactivated'));
    assert.ok(out instanceof AccountRetired);
    assert.equal(out.type, type);
    assert.equal(out.accountUrl, 'https://ca.test/acct/1');
    assert.equal(out.retiredFile, `${file}.retired`);
    assert.equal(existsSync(file), false);
    assert.equal(statSync(`${file}.retired`).mode & 0o777, 0o600);
    assert.equal((JSON.parse(readFileSync(`${file}.retired`, 'utf8')) as { key: string }).key, acct.key);
    const fresh = await loadAccount(host, paths, 'le');
    assert.notEqual(fresh.key, acct.key);
    assert.equal(fresh.url, undefined);
  }
});

test('a key the CA never registered, or another problem, is not retired', async (t) => {
  const { host, paths, file } = setup(t);
  const acct = await loadAccount(host, paths, 'le');
  const refused = new AcmeFailure(UNAUTHORIZED, 'bad EAB MAC');
  assert.equal(await retireIfRefused(host, paths, 'le', acct, refused), refused);
  assert.ok(existsSync(file));
  await saveAccountUrl(host, paths, 'le', acct, 'https://ca.test/acct/2');
  const registered = await loadAccount(host, paths, 'le');
  const limited = new AcmeFailure('urn:ietf:params:acme:error:rateLimited', 'slow down');
  assert.equal(await retireIfRefused(host, paths, 'le', registered, limited), limited);
  const down = new AcmeFailure('connection', 'the ACME server is unreachable');
  assert.equal(await retireIfRefused(host, paths, 'le', registered, down), down);
  assert.ok(existsSync(file));
  assert.equal(existsSync(`${file}.retired`), false);
});
