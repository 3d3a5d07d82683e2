// The API flags through the real `tend serve` binary: a non-loopback --listen is refused without
// --allow-remote-api and warned about with it; --require-read-token and --max-event-streams take effect.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { get, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { test } from 'node:test';
import { serveEnv } from '../e2e/serve-harness.js';

function fetchStatus(port: number, path: string, token?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) =>
    get(
      {
        host: '127.0.0.1',
        port,
        path,
        agent: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      },
      resolve,
    ).on('error', reject),
  );
}

test('tend serve: remote API needs --allow-remote-api and warns; read token and stream cap apply', async (t) => {
  const env = await serveEnv(t);
  const remote = `0.0.0.0:${env.apiPort}`;

  const refused = await env.tend('serve', '--listen', remote);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr + refused.stdout, /TEND_ERR_USAGE.*--allow-remote-api/s);

  const daemon = await env.start(['--listen', remote, '--allow-remote-api']);
  assert.match(daemon.log(), /token travels in clear/);
  const token = readFileSync(join(env.root, 'state/api-token'), 'utf8').trim();
  const anon = await fetchStatus(env.apiPort, '/v1/plan');
  anon.resume();
  assert.equal(anon.statusCode, 401, 'a remote API needs the token for reads');
  daemon.proc.kill('SIGTERM');
  assert.equal(await daemon.exited, 0);

  const local = await env.start(['--require-read-token', '--max-event-streams', '1']);
  assert.doesNotMatch(local.log(), /travels in clear/, 'no warning on loopback');
  for (const path of ['/v1/plan', '/v1/events', '/v1/resources']) {
    const r = await fetchStatus(env.apiPort, path);
    r.resume();
    assert.equal(r.statusCode, 401, `${path} without the read token`);
  }
  const first = await fetchStatus(env.apiPort, '/v1/events', token);
  t.after(() => first.destroy());
  assert.equal(first.statusCode, 200);
  const second = await fetchStatus(env.apiPort, '/v1/events', token);
  second.resume();
  assert.equal(second.statusCode, 429, 'the second stream is over --max-event-streams 1');
  const plan = await fetchStatus(env.apiPort, '/v1/plan', token);
  plan.resume();
  assert.equal(plan.statusCode, 200);
  first.destroy();
  local.proc.kill('SIGTERM');
  assert.equal(await local.exited, 0);
});
