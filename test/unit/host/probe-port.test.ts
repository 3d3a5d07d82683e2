// Probe messages name the port they used: a wrong status and a refused connection, through a real
// local HTTP server (Sites) and a closed port (Programs' tcp probe).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpProbe } from '../../../src/host/http-probe.js';
import { freePort } from '../../helpers/ports.js';

test('a Site probe message names the port, for a wrong status and a refused connection', async (t) => {
  const server = createServer((_q, r) => {
    r.statusCode = 502;
    r.end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  const port = (server.address() as AddressInfo).port;
  const base = { address: '127.0.0.1', host: 'shop.test', path: '/up', expectStatus: 200, timeoutMs: 5_000 };
  const bad = await httpProbe({ ...base, port });
  assert.equal(bad.ok, false);
  assert.match(bad.message, new RegExp(`^http://shop\\.test:${port}/up: expected status 200, got 502$`));
  const closed = await freePort();
  const refused = await httpProbe({ ...base, port: closed });
  assert.match(refused.message, new RegExp(`http://shop\\.test:${closed}/up: .*ECONNREFUSED`));
});
