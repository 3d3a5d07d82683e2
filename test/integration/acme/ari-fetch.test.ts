// The ARI check over real HTTPS on loopback: a directory that advertises renewalInfo gets
// GET <renewalInfo>/<certID> (RFC 9773's certID) and its window and Retry-After are read; a
// directory without it, an error answer, a garbled body, an http renewalInfo and a dead server
// each give a reason (the one-third rule applies), never an exception.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { fetchRenewalInfo } from '../../../src/acme/ari-fetch.js';
import { selfSigned, testCa } from '../../unit/acme/certs.js';

interface Route {
  status: number;
  body: string;
  headers?: Record<string, string>;
}

async function server(t: { after(fn: () => Promise<void>): void }, ca: ReturnType<typeof testCa>) {
  const routes = new Map<string, Route>();
  const asked: string[] = [];
  const srv = createServer({ cert: ca.server.cert, key: ca.server.key }, (req, res) => {
    asked.push(req.url ?? '');
    const r = routes.get(req.url ?? '') ?? { status: 404, body: '{}' };
    res.writeHead(r.status, { 'content-type': 'application/json', ...r.headers });
    res.end(r.body);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => srv.close(() => r())));
  const base = `https://127.0.0.1:${(srv.address() as AddressInfo).port}`;
  const agent = new Agent({ ca: ca.caPem });
  t.after(async () => agent.destroy());
  return { routes, asked, base, agent };
}

const RFC_ID = 'aYhba4dGQEHhs3uEe6CuLN4ByNQ.AIdlQyE';
const window = { start: '2026-03-01T00:00:00Z', end: '2026-03-02T00:00:00Z' };

test('renewalInfo advertised: the certID is asked for and the window and Retry-After read', async (t) => {
  const ca = testCa(t);
  const s = await server(t, ca);
  s.routes.set('/dir', { status: 200, body: JSON.stringify({ renewalInfo: `${s.base}/ari/` }) });
  s.routes.set(`/ari/${RFC_ID}`, {
    status: 200,
    body: JSON.stringify({ suggestedWindow: window, explanationURL: 'https://ca.test/incident' }),
    headers: { 'retry-after': '21600' },
  });
  const out = await fetchRenewalInfo(`${s.base}/dir`, ca.leaf('87654321', ['a.test']), s.agent);
  assert.deepEqual(out, {
    certId: RFC_ID,
    retryAfter: '21600',
    info: {
      window: { start: Date.parse(window.start), end: Date.parse(window.end) },
      explanationURL: 'https://ca.test/incident',
    },
  });
  assert.deepEqual(s.asked, ['/dir', `/ari/${RFC_ID}`]);
});

test('no renewalInfo, an error, a garbled body, an http endpoint, a dead server: reasons', async (t) => {
  const ca = testCa(t);
  const s = await server(t, ca);
  const leaf = ca.leaf('87654321', ['a.test']);
  s.routes.set('/plain', { status: 200, body: JSON.stringify({ newNonce: `${s.base}/nonce` }) });
  assert.deepEqual(await fetchRenewalInfo(`${s.base}/plain`, leaf, s.agent), {
    certId: RFC_ID,
    problem: 'the CA does not offer ARI (no renewalInfo)',
  });

  s.routes.set('/dir', { status: 200, body: JSON.stringify({ renewalInfo: `${s.base}/ari` }) });
  s.routes.set(`/ari/${RFC_ID}`, { status: 500, body: '{}', headers: { 'retry-after': '120' } });
  assert.deepEqual(await fetchRenewalInfo(`${s.base}/dir`, leaf, s.agent), {
    certId: RFC_ID,
    retryAfter: '120',
    problem: `renewalInfo answered HTTP 500 for ${RFC_ID}`,
  });

  s.routes.set(`/ari/${RFC_ID}`, { status: 200, body: 'not json' });
  assert.match((await fetchRenewalInfo(`${s.base}/dir`, leaf, s.agent)).problem ?? '', /no suggestedWindow/);

  s.routes.set('/http', { status: 200, body: JSON.stringify({ renewalInfo: 'http://127.0.0.1:1/ari' }) });
  assert.match((await fetchRenewalInfo(`${s.base}/http`, leaf, s.agent)).problem ?? '', /not an https URL/);

  const before = s.asked.length;
  assert.match(
    (await fetchRenewalInfo(`${s.base}/dir`, selfSigned(['a.test']).cert, s.agent)).problem ?? '',
    /no Authority Key Identifier/,
  );
  assert.equal(s.asked.length, before, 'a certificate without a certID asks nothing');

  assert.match(
    (await fetchRenewalInfo('https://127.0.0.1:1/dir', leaf, s.agent)).problem ?? '',
    /renewalInfo is unreachable: .*ECONNREFUSED/,
  );
});
