// End to end, `tend serve --git … --git-verify KEYRING` against git daemon with keys the test
// generates with gpg (decision 0041): a commit signed by a keyring key is applied; an unsigned one, one
// signed by another key and one altered after signing are held with SourceReady=False naming the
// revision and the reason while the last good revision keeps serving; a pin to an unsigned revision is
// refused; a revision applied before verification was turned on keeps serving, reported as unverified.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, collect, httpGet, processesMentioning, staticSiteYaml } from '../helpers/e2e.js';
import { gpgKey } from '../helpers/gpg.js';
import { gitRemote } from './git-harness.js';
import { serveEnv, waitFor } from './serve-harness.js';

type Source = {
  revision?: string;
  lastAttemptedRevision?: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
};

test('tend serve --git-verify: only commits signed by a keyring key are applied', async (t) => {
  const env = await serveEnv(t);
  const remote = await gitRemote(t, env.base);
  const trusted = gpgKey(t, 'Deployer <deploy@tend.test>');
  const stranger = gpgKey(t, 'Stranger <stranger@evil.test>');
  const keyring = join(env.base, 'deployers.asc');
  trusted.exportTo(keyring);
  const docroot = join(env.www, 'alpha');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'alpha\n');
  const alpha = (rev: string) => staticSiteYaml('alpha', docroot, `  headers: { X-Rev: "${rev}" }\n`);
  const served = async () => (await httpGet(env.port, 'alpha.e2e.test')).headers['x-rev'] ?? 'none';
  const source = async () => (await env.api('GET', '/v1/source')).body as Source;
  const ready = (s: Source) => s.conditions.find((c) => c.type === 'SourceReady')!;
  const checkout = (rev: string) => join(env.root, 'state/git/checkouts', rev);
  const git = ['--git', remote.url, '--git-interval', '1h'];
  const refresh = async () => assert.equal((await env.api('POST', '/v1/source/refresh')).status, 200);
  /** Pushes a commit, refreshes, and asserts it is held for `reason` while `serving` serves. */
  const held = async (
    rev: string,
    reason: string,
    detail: RegExp,
    serving: { rev: string; header: string },
  ) => {
    await refresh();
    const s = await source();
    assert.equal(s.lastAttemptedRevision, rev);
    assert.equal(s.revision, serving.rev, 'the last good revision is still the one applied');
    assert.equal(ready(s).status, 'False');
    assert.equal(ready(s).reason, reason);
    assert.match(ready(s).message, new RegExp(`^revision ${rev} `), 'the condition names the revision');
    assert.match(ready(s).message, detail);
    assert.match(
      ready(s).message,
      new RegExp(`--git-verify refuses it; still serving ${serving.rev.slice(0, 12)}`),
    );
    assert.equal(await served(), serving.header);
    assert.ok(!existsSync(checkout(rev)), "a refused revision's files are never checked out");
  };

  // Before verification: an unsigned revision is applied as any other.
  const c0 = remote.commit({ 'alpha.yaml': alpha('v0') }, 'v0');
  await remote.startDaemon();
  await env.start(git);
  await waitFor('v0 to serve', async () => (await served()) === 'v0');

  await t.test('turned on later, it reports the serving revision unverified and keeps it', async () => {
    env.daemon.proc.kill('SIGTERM');
    assert.equal(await env.daemon.exited, 0, env.daemon.log());
    await env.start([...git, '--git-verify', keyring]);
    const s = await waitFor('the unverified condition', async () => {
      const x = await source();
      return ready(x).reason === 'UnsignedRevision' ? x : undefined;
    });
    assert.equal(ready(s).status, 'False');
    assert.equal(s.revision, c0);
    assert.match(
      ready(s).message,
      new RegExp(`^revision ${c0} is not signed; it was applied before and keeps serving`),
    );
    assert.equal(await served(), 'v0');
  });

  const c1 = remote.commit({ 'alpha.yaml': alpha('v1') }, 'v1', trusted.gitSign);
  await t.test('a commit signed by a key of the keyring is applied', async () => {
    await refresh();
    const s = await source();
    assert.equal(s.revision, c1);
    assert.equal(ready(s).status, 'True', ready(s).message);
    assert.equal(await served(), 'v1');
    assert.equal((await env.resource('Site/alpha'))?.lastAppliedRevision, c1);
  });

  const good = { rev: c1, header: 'v1' };
  let unsigned = '';
  await t.test('an unsigned commit is held, named, and v1 keeps serving', async () => {
    unsigned = remote.commit({ 'alpha.yaml': alpha('v2') }, 'v2 unsigned');
    await held(unsigned, 'UnsignedRevision', /is not signed/, good);
  });

  await t.test('a commit signed by a key outside the keyring is held', async () => {
    const c3 = remote.commit({ 'alpha.yaml': alpha('v3') }, 'v3 by a stranger', stranger.gitSign);
    await held(
      c3,
      'UnknownSigningKey',
      new RegExp(`signed by key ${stranger.keyId}, which is not in the keyring`),
      good,
    );
  });

  await t.test('a signed commit altered after signing is held', async () => {
    // c1's object with another message, pushed as the branch: its signature no longer matches.
    const text = remote.git('cat-file', 'commit', c1).replace(/\nv1$/, '\nv1 altered');
    const file = join(env.base, 'forged-commit');
    writeFileSync(file, `${text}\n`);
    const forged = remote.git('hash-object', '-t', 'commit', '-w', file);
    remote.forcePush(forged);
    await held(forged, 'BadSignature', /does not match its content/, good);
  });

  await t.test('a pin to an unsigned revision is refused', async () => {
    const r = await collect(
      spawn(process.execPath, [BIN, 'source', 'pin', unsigned, '--root', env.root], { stdio: 'pipe' }),
    );
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stderr, /TEND_ERR_SOURCE_REVISION.*pin refused: revision [0-9a-f]{40} is not signed/);
    assert.equal((await source()).revision, c1);
    assert.equal(await served(), 'v1');
  });

  await t.test('the next signed commit is applied and the condition recovers', async () => {
    const c5 = remote.commit({ 'alpha.yaml': alpha('v5') }, 'v5', trusted.gitSign);
    await refresh();
    const s = await source();
    assert.equal(s.revision, c5);
    assert.equal(ready(s).status, 'True', ready(s).message);
    assert.equal(await served(), 'v5');
    // Verification ran no agent or key server of tend's own.
    assert.deepEqual(processesMentioning(join(env.root, 'state/git/gnupg')), []);
  });
});

test('tend serve --git-verify with a keyring holding no key refuses to start', async (t) => {
  const env = await serveEnv(t);
  const keyring = join(env.base, 'not-a-keyring.asc');
  writeFileSync(keyring, 'this is not a key\n');
  const r = await env.tend(
    'serve',
    '--listen',
    '127.0.0.1:0',
    '--git',
    '/nonexistent.git',
    '--git-verify',
    keyring,
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /--git-verify: the keyring .*not-a-keyring\.asc holds no OpenPGP public key/);
});
