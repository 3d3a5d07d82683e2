// The example in desired-state/ as scripts/up.sh uses it: `tend validate` accepts it, and the
// self-signed pair scripts/example-tls.sh makes is one tend serves for Site/docs (it parses, the key
// matches, it is current and covers docs.localhost), in the place the Site names, key 0600.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { servingProblem } from '../../src/acme/pem.js';
import { loadDesiredState } from '../../src/source/index.js';
import { BIN, REPO, collect, ensureBuilt } from '../helpers/e2e.js';
import { tempDir } from '../helpers/tmp.js';

test('tend validate accepts the example desired state', async () => {
  ensureBuilt();
  const r = await collect(spawn(process.execPath, [BIN, 'validate', '-d', join(REPO, 'desired-state')]));
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /^ok: \d+ resources valid/);
});

test("example-tls.sh makes the pair Site/docs names, and tend's certificate check accepts it", async (t) => {
  const loaded = await loadDesiredState(join(REPO, 'desired-state'));
  const docs = loaded.resources.find((r) => r.key === 'Site/docs')?.resource;
  assert.ok(docs?.kind === 'Site' && docs.spec.tls, 'Site/docs declares tls');
  const { certificate, key } = docs.spec.tls;
  const placeInUpSh = /example-tls\.sh" (\S+)/.exec(readFileSync(join(REPO, 'scripts/up.sh'), 'utf8'))?.[1];
  assert.equal(certificate, `${placeInUpSh}/docs.localhost.crt`, 'up.sh makes the files the Site names');
  assert.equal(key, `${placeInUpSh}/docs.localhost.key`);

  const dir = join(tempDir(t), 'tls');
  const make = () => execFileSync(join(REPO, 'scripts/example-tls.sh'), [dir]).toString();
  assert.match(make(), /made a self-signed certificate/);
  const crt = readFileSync(join(dir, 'docs.localhost.crt'), 'utf8');
  const pem = readFileSync(join(dir, 'docs.localhost.key'), 'utf8');
  assert.equal(servingProblem(crt, pem, ['docs.localhost'], Date.now()), undefined);
  assert.equal(statSync(dir).mode & 0o777, 0o700);
  assert.equal(statSync(join(dir, 'docs.localhost.key')).mode & 0o777, 0o600);
  assert.equal(make(), '', 'a current pair is kept');
  assert.equal(readFileSync(join(dir, 'docs.localhost.crt'), 'utf8'), crt);
});
