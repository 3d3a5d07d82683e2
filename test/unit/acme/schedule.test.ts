// When tend asks the CA: a third of the lifetime left, the ARI window, capped doubling backoff and Retry-After.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BACKOFF_CAP_MS, backoffMs, nextAttempt, renewAt } from '../../../src/acme/schedule.js';
import type { StoredCertificate } from '../../../src/acme/store.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const DAY = 86_400_000;
const cert = (over: Partial<StoredCertificate> = {}): StoredCertificate => ({
  serial: 'aa',
  notBefore: new Date(T0).toISOString(),
  notAfter: new Date(T0 + 90 * DAY).toISOString(),
  domains: ['shop.example.com'],
  issuer: 'CN=x',
  issuerName: 'le',
  certificate: '/x.crt',
  key: '/x.key',
  issuedAt: new Date(T0).toISOString(),
  ...over,
});
const base = { domains: ['shop.example.com'], issuerName: 'le', attempt: undefined };

test('renewal is due when a third of the lifetime is left, or at the moment chosen in the ARI window', () => {
  assert.equal(renewAt(cert()), T0 + 60 * DAY);
  assert.equal(renewAt(cert(), { renewAt: '2026-02-01T00:00:00Z' }), Date.parse('2026-02-01T00:00:00Z'));
  const early = nextAttempt({
    ...base,
    now: T0 + DAY,
    cert: cert(),
    ari: { renewAt: '2025-01-01T00:00:00Z' },
  });
  assert.equal(early.at, T0 + DAY, 'a moment already past is due now');
  assert.match(early.why, /ARI/);
  assert.equal(nextAttempt({ ...base, now: T0 + DAY, cert: cert() }).at, T0 + 60 * DAY);
  assert.equal(nextAttempt({ ...base, now: T0 + DAY, cert: undefined }).at, T0 + DAY);
});

test('a changed domain list or Issuer is due now', () => {
  const now = T0 + DAY;
  assert.equal(
    nextAttempt({ ...base, now, cert: cert(), domains: ['shop.example.com', 'www.example.com'] }).at,
    now,
  );
  assert.match(nextAttempt({ ...base, now, cert: cert(), issuerName: 'zerossl' }).why, /Issuer changed/);
});

test('backoff doubles from 30 s, is capped at 1 h, and Retry-After wins when longer', () => {
  assert.deepEqual(
    [1, 2, 3, 4].map((n) => backoffMs(n)),
    [30_000, 60_000, 120_000, 240_000],
  );
  assert.equal(backoffMs(30), BACKOFF_CAP_MS);
  assert.equal(backoffMs(1, 7_200_000), 7_200_000);
  assert.equal(backoffMs(3, 1_000), 120_000);
});

test('after a failure the next attempt waits for nextAttemptAt, even with no certificate', () => {
  const now = T0 + DAY;
  const attempt = {
    at: new Date(now).toISOString(),
    ok: false,
    failures: 2,
    nextAttemptAt: new Date(now + 60_000).toISOString(),
  };
  assert.equal(nextAttempt({ ...base, now, cert: undefined, attempt }).at, now + 60_000);
  // A success clears the wait.
  assert.equal(nextAttempt({ ...base, now, cert: undefined, attempt: { ...attempt, ok: true } }).at, now);
});
