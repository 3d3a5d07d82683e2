// The certificate store on a real temp dir: keys 0600, a new pair goes live only when complete, the
// previous pair is kept and older ones pruned; and the CertificateReady condition it feeds.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { CertificateStore } from '../../../src/acme/store.js';
import { withCertificate } from '../../../src/acme/status.js';
import { createRealHost } from '../../../src/host/index.js';
import { newStatus } from '../../../src/state/conditions.js';
import { tempDir } from '../../helpers/tmp.js';
import { selfSigned } from './certs.js';

test('install: key 0600, pointer last, previous pair kept, older pruned', async (t) => {
  const dir = tempDir(t);
  const paths = {
    challengeDir: `${dir}/ch`,
    siteDir: (s: string) => `${dir}/certs/${s}`,
    accountFile: (i: string) => `${dir}/a/${i}`,
  };
  const store = new CertificateStore(createRealHost(), paths);
  assert.equal(await store.current('shop'), undefined);
  const serials: string[] = [];
  for (let i = 0; i < 3; i++) {
    const p = selfSigned(['shop.example.com']);
    const s = await store.install('shop', 'le', p.cert, p.key);
    serials.push(s.serial);
    assert.equal(statSync(s.key).mode & 0o777, 0o600);
    assert.equal((await store.current('shop'))?.serial, s.serial);
  }
  assert.equal(statSync(`${dir}/certs/shop`).mode & 0o777, 0o700);
  const files = readdirSync(`${dir}/certs/shop`)
    .filter((f) => /\.(crt|key)$/.test(f))
    .sort();
  assert.deepEqual(
    files,
    [`${serials[1]}.crt`, `${serials[1]}.key`, `${serials[2]}.crt`, `${serials[2]}.key`].sort(),
  );
  await store.recordAttempt('shop', { at: 'x', ok: false, failures: 1, error: { type: 't', detail: 'd' } });
  assert.equal((await store.current('shop'))?.serial, serials[2], 'a failed attempt replaces nothing');
});

test('CertificateReady: Unknown while issuing, False on a failed first issuance, True while a renewal fails', () => {
  const now = Date.parse('2026-01-02T00:00:00Z');
  const st = newStatus('Site', 'shop', now);
  const cert = {
    serial: 'ab',
    notBefore: '2026-01-01T00:00:00Z',
    notAfter: '2026-04-01T00:00:00Z',
    domains: ['shop.example.com'],
    issuer: 'CN=x',
    issuerName: 'le',
    certificate: '/c',
    key: '/k',
    issuedAt: '2026-01-01T00:00:00Z',
  };
  const failed = {
    at: '2026-01-02T00:00:00Z',
    ok: false,
    failures: 1,
    error: { type: 'urn:ietf:params:acme:error:connection', detail: 'refused' },
  };
  const cond = (s: ReturnType<typeof withCertificate>) =>
    s.conditions.find((c) => c.type === 'CertificateReady');
  assert.equal(
    cond(withCertificate(st, { issuer: 'le', cert: undefined, attempt: undefined }, now))?.status,
    'Unknown',
  );
  const first = withCertificate(st, { issuer: 'le', cert: undefined, attempt: failed }, now);
  assert.equal(cond(first)?.status, 'False');
  assert.match(cond(first)?.message ?? '', /connection: refused/);
  const renewing = withCertificate(st, { issuer: 'le', cert, attempt: failed }, now);
  assert.deepEqual([cond(renewing)?.status, cond(renewing)?.reason], ['True', 'RenewalFailing']);
  assert.deepEqual(renewing.certificate?.lastAttempt?.error, failed.error);
  assert.equal(renewing.certificate?.serial, 'ab');
  const expired = withCertificate(
    st,
    { issuer: 'le', cert, attempt: undefined },
    Date.parse('2026-05-01T00:00:00Z'),
  );
  assert.deepEqual([cond(expired)?.status, cond(expired)?.reason], ['False', 'Expired']);
});
