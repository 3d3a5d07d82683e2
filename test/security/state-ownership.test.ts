// Attack: another local user prepares tend's root before root's `tend serve` first runs (the root
// defaults to a directory next to a deploy user's checkout) and plants an API or Terminal token,
// or leaves the state dir writable. tend must refuse to start, name the path, and adopt nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '../helpers/e2e.js';
import { serveEnv } from '../e2e/serve-harness.js';

const NOBODY = 65534;
const PLANTED = `${'a'.repeat(64)}\n`;

test('tend serve refuses a root, state dir or token another user owns or can write, naming the path', async (t) => {
  const env = await serveEnv(t);
  const state = join(env.root, 'state');
  const fresh = () => {
    rmSync(env.root, { recursive: true, force: true });
    mkdirSync(state, { recursive: true, mode: 0o700 });
    chmodSync(env.root, 0o755);
    chmodSync(state, 0o700);
  };
  const refused = async (path: string, got: RegExp) => {
    const listen = `127.0.0.1:${await freePort()}`;
    for (const run of [await env.tend('serve', '--listen', listen), await env.tend('reconcile')]) {
      const out = run.stdout + run.stderr;
      assert.equal(run.code, 1, out);
      assert.match(out, /TEND_ERR_STATE_OWNERSHIP/);
      assert.ok(out.includes(`${path} to be owned by uid 0`), out);
      assert.match(out, got);
    }
    // Nothing was started or written on the refused root.
    assert.equal(existsSync(join(state, 'lock')), false);
    assert.equal(existsSync(join(state, 'status.json')), false);
  };

  fresh();
  chownSync(state, NOBODY, NOBODY);
  await refused(state, /owner uid 65534/);

  fresh();
  chmodSync(state, 0o770);
  await refused(state, /mode 0770/);

  fresh();
  chmodSync(env.root, 0o777);
  await refused(env.root, /mode 0777/);

  fresh();
  const apiToken = join(state, 'api-token');
  writeFileSync(apiToken, PLANTED, { mode: 0o600 });
  chownSync(apiToken, NOBODY, NOBODY);
  await refused(apiToken, /owner uid 65534/);
  assert.equal(readFileSync(apiToken, 'utf8'), PLANTED, 'the planted token was left for the operator to see');

  fresh();
  writeFileSync(apiToken, PLANTED, { mode: 0o644 });
  chmodSync(apiToken, 0o644);
  await refused(apiToken, /mode 0644/);

  fresh();
  const terminals = join(state, 'terminals');
  mkdirSync(terminals, { mode: 0o700 });
  const termToken = join(terminals, 'ops.token');
  writeFileSync(termToken, PLANTED, { mode: 0o600 });
  chownSync(termToken, NOBODY, NOBODY);
  await refused(termToken, /owner uid 65534/);

  // A clean root (tend's own, private) starts, and gets a token of its own.
  fresh();
  await env.start();
  const token = readFileSync(apiToken, 'utf8');
  assert.notEqual(token, PLANTED);
  assert.equal((await env.api('GET', '/v1/resources')).status, 200);
});
