// `tend status` shows days to expiry in the table and the certificate block in detail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatusDetail, renderStatusTable } from '../../../src/cli/status.js';
import { newStatus } from '../../../src/state/conditions.js';

const now = Date.parse('2026-03-01T12:00:00Z');
const site = {
  ...newStatus('Site', 'shop', now),
  certificate: {
    source: 'Issuer/le',
    serial: '0abc',
    notAfter: '2026-03-31T00:00:00Z',
    domains: ['shop.example.com'],
    lastAttempt: {
      at: '2026-03-01T00:00:00Z',
      ok: false,
      error: { type: 'urn:ietf:params:acme:error:rateLimited', detail: 'too many certificates' },
    },
  },
};

test('the table shows days to expiry and a failing attempt; Sites without a certificate are unchanged', () => {
  const out = renderStatusTable([site, newStatus('Site', 'plain', now)], now);
  assert.match(out, /Site\/shop .*cert 29d \(last attempt failed\)/);
  assert.doesNotMatch(out.split('\n').find((l) => l.startsWith('Site/plain')) ?? '', /cert/);
  const expired = { ...site, certificate: { ...site.certificate, notAfter: '2026-02-01T00:00:00Z' } };
  assert.match(renderStatusTable([expired], now), /cert EXPIRED/);
});

test('the detail shows issuer, serial, notAfter with days, domains and the ACME error', () => {
  const out = renderStatusDetail({ ...site, events: [] } as never, now);
  assert.match(
    out,
    /Certificate:\n {2}Issuer: +Issuer\/le\n {2}Serial: +0abc\n {2}Not after: +2026-03-31T00:00:00Z \(29d/,
  );
  assert.match(
    out,
    /Last attempt: +2026-03-01T00:00:00Z failed: urn:ietf:params:acme:error:rateLimited: too many certificates/,
  );
});

test('the detail names the renewal rule: the ARI window, or the one-third rule with the reason', () => {
  const ari = {
    ...site,
    certificate: {
      ...site.certificate,
      renewal: {
        rule: 'ari' as const,
        at: '2026-03-20T00:00:00Z',
        window: { start: '2026-03-19T00:00:00Z', end: '2026-03-21T00:00:00Z' },
      },
    },
  };
  assert.match(
    renderStatusDetail({ ...ari, events: [] } as never, now),
    /Renewal: +2026-03-20T00:00:00Z \(ARI window 2026-03-19T00:00:00Z … 2026-03-21T00:00:00Z\)/,
  );
  const third = {
    ...site,
    certificate: {
      ...site.certificate,
      renewal: {
        rule: 'one-third-lifetime' as const,
        at: '2026-03-21T00:00:00Z',
        reason: 'the CA does not offer ARI (no renewalInfo)',
      },
    },
  };
  assert.match(
    renderStatusDetail({ ...third, events: [] } as never, now),
    /Renewal: +2026-03-21T00:00:00Z \(a third of the lifetime left; ARI: the CA does not offer ARI/,
  );
});
