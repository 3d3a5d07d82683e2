// The one HTTP probe client, against a real local server: judged by status code, Host header sent
// (address:port by default), and timeoutMs is a deadline for the whole exchange: a server that
// trickles its body cannot stretch it. Programs' http probes get the same semantics.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpProbe } from '../../../src/host/http-probe.js';
import { runProbe } from '../../../src/supervisor/probe.js';
import { createRealHost } from '../../../src/host/index.js';
import type { ProbeRuntime } from '../../../src/supervisor/runtime-spec.js';

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Answers 200 at once, then sends one body byte every 100 ms for 10 s. */
const trickle = (_req: IncomingMessage, res: ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  let n = 0;
  const timer = setInterval(() => {
    if (++n > 100 || res.destroyed) {
      clearInterval(timer);
      res.end();
    } else res.write('.');
  }, 100);
  res.once('close', () => clearInterval(timer));
};

test('judged by status code, with the Host header given or address:port', async () => {
  const hosts: string[] = [];
  const s = await serve((req, res) => {
    hosts.push(req.headers.host ?? '');
    res.writeHead(req.url === '/ok' ? 200 : 503).end('body');
  });
  try {
    const base = { address: '127.0.0.1', port: s.port, expectStatus: 200, timeoutMs: 5_000 };
    const ok = await httpProbe({ ...base, path: '/ok', host: 'shop.test' });
    assert.equal(ok.ok, true, ok.message);
    assert.equal(ok.status, 200);
    assert.equal(ok.message, `http://shop.test:${s.port}/ok: 200`);
    const bad = await httpProbe({ ...base, path: '/down' });
    assert.equal(bad.ok, false);
    assert.equal(bad.message, `http://127.0.0.1:${s.port}/down: expected status 200, got 503`);
    assert.deepEqual(hosts, ['shop.test', `127.0.0.1:${s.port}`]);
  } finally {
    await s.close();
  }
});

test('timeoutMs bounds the whole exchange: a trickling body fails the probe at the deadline', async () => {
  const s = await serve(trickle);
  try {
    const r = await httpProbe({
      address: '127.0.0.1',
      port: s.port,
      path: '/',
      expectStatus: 200,
      timeoutMs: 500,
    });
    assert.equal(r.ok, false, 'a 200 whose body outlives the deadline is not a pass');
    assert.match(r.message, /no answer in 500 ms/);
    // The server sends for 10 s; the probe gave up long before (generous bound for a busy box).
    assert.ok(r.durationMs < 8_000, `gave up after ${r.durationMs} ms`);
  } finally {
    await s.close();
  }
});

test("a Program's http probe has the same deadline (it was a socket idle timeout a trickle reset)", async () => {
  const s = await serve(trickle);
  try {
    const spec = {
      kind: 'http',
      path: '/',
      expectStatus: 200,
      timeoutMs: 500,
    } as unknown as ProbeRuntime;
    const started = Date.now();
    const r = await runProbe(createRealHost(), spec, s.port);
    assert.equal(r.ok, false, r.message);
    assert.ok(Date.now() - started < 8_000);
  } finally {
    await s.close();
  }
});

test('nothing listening is a failure with the error, not a throw', async () => {
  const s = await serve((_req, res) => res.end());
  const port = s.port;
  await s.close();
  const r = await httpProbe({ address: '127.0.0.1', port, path: '/', expectStatus: 200, timeoutMs: 2_000 });
  assert.equal(r.ok, false);
  assert.match(r.message, /ECONNREFUSED/);
});
