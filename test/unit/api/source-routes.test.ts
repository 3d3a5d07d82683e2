// The git source's routes through inject(): 404 without a source, the token on every POST, the pin
// body checked before it reaches the source, and a refused pin answered as a conflict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildServer } from '../../../src/api/server.js';
import { TendError } from '../../../src/errors/catalogue.js';
import { FakeDeps } from './fake-deps.js';

const TOKEN = 'test-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };

test('without a git source every source route answers 404', async (t) => {
  const app = buildServer(new FakeDeps(), { token: TOKEN });
  t.after(() => app.close());
  assert.equal((await app.inject('/v1/source')).statusCode, 404);
  const r = await app.inject({ method: 'POST', url: '/v1/source/refresh', headers: auth, payload: {} });
  assert.equal(r.statusCode, 404);
  assert.match(r.json().error.message, /--git/);
});

test('refresh and pin need the token; a pin body is checked; a refused pin is 409', async (t) => {
  const calls: string[] = [];
  const deps = Object.assign(new FakeDeps(), {
    source: {
      status: () => ({ revision: 'a'.repeat(40) }),
      refresh: async () => (calls.push('refresh'), { revision: 'b'.repeat(40) }),
      pin: async (rev: string) => {
        calls.push(`pin ${rev}`);
        throw new TendError('TEND_ERR_SOURCE_REVISION', 'pin refused: revision does not validate');
      },
      unpin: async () => (calls.push('unpin'), {}),
    },
  });
  const app = buildServer(deps, { token: TOKEN });
  t.after(() => app.close());
  assert.equal((await app.inject('/v1/source')).json().revision, 'a'.repeat(40));
  for (const url of ['/v1/source/refresh', '/v1/source/pin', '/v1/source/unpin'])
    assert.equal((await app.inject({ method: 'POST', url, payload: {} })).statusCode, 401, url);
  assert.deepEqual(calls, []);
  const ok = await app.inject({ method: 'POST', url: '/v1/source/refresh', headers: auth, payload: {} });
  assert.equal(ok.json().revision, 'b'.repeat(40));
  for (const revision of ['--output=/etc/x', 'HEAD~1', 'abc', 'A'.repeat(40)]) {
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/source/pin',
      headers: auth,
      payload: { revision },
    });
    assert.equal(bad.statusCode, 400, revision);
  }
  const refused = await app.inject({
    method: 'POST',
    url: '/v1/source/pin',
    headers: auth,
    payload: { revision: 'abcdef12' },
  });
  assert.equal(refused.statusCode, 409);
  assert.equal(refused.json().error.code, 'TEND_ERR_SOURCE_REVISION');
  assert.deepEqual(calls, ['refresh', 'pin abcdef12']);
});
