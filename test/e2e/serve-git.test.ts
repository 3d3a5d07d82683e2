// End to end with `tend serve --git` against a bare repository served by `git daemon` on loopback:
// commits are applied by the interval and by the refresh route, revisions show in status, a bad
// commit is held while the previous revision serves, force-pushes, outages and a deleted branch
// reach status without deleting anything, a SIGKILL during a checkout converges, and pins hold.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, collect, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { gitRemote } from './git-harness.js';
import { serveEnv, sleep, waitFor } from './serve-harness.js';

type Source = {
  revision?: string;
  lastFetchedRevision?: string;
  lastAttemptedRevision?: string;
  pinnedRevision?: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
};

const BROKEN = `apiVersion: tend/v1
kind: Site
metadata: { name: beta }
spec:
  domains: [beta.e2e.test]
  preset: static
  root: /nonexistent
  notAField: 1
`;

test('tend serve --git: interval, refresh route, held bad commits, faults, SIGKILL, pins', async (t) => {
  const env = await serveEnv(t);
  const remote = await gitRemote(t, env.base);
  const docroot = join(env.www, 'alpha');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'alpha\n');
  const alpha = (rev?: string) =>
    staticSiteYaml('alpha', docroot, rev ? `  headers: { X-Rev: "${rev}" }\n` : '');
  const served = async () => (await httpGet(env.port, 'alpha.e2e.test')).headers['x-rev'] ?? 'none';
  const source = async () => (await env.api('GET', '/v1/source')).body as Source;
  const ready = (s: Source) => s.conditions.find((c) => c.type === 'SourceReady');
  const applied = async () => (await env.resource('Site/alpha'))?.lastAppliedRevision as string | undefined;
  const checkouts = join(env.root, 'state/git/checkouts');
  const gitFlags = ['--git', remote.url, '--git-path', 'deploy'];
  const tendSource = (...args: string[]) =>
    collect(spawn(process.execPath, [BIN, 'source', ...args, '--root', env.root], { stdio: 'pipe' }));

  const c1 = remote.commit({ 'README.md': 'not desired state\n', 'deploy/alpha.yaml': alpha() }, 'v1');
  await remote.startDaemon();
  await env.start([...gitFlags, '--git-interval', '2s']);

  await t.test('the first revision is applied and shows in status', async () => {
    await waitFor(
      'alpha to serve',
      async () => (await httpGet(env.port, 'alpha.e2e.test')).body === 'alpha\n',
    );
    const s = await source();
    assert.equal(s.revision, c1);
    assert.equal(ready(s)?.status, 'True');
    assert.equal(await applied(), c1);
  });

  let c2 = '';
  await t.test('a pushed commit is applied on the next interval, with no call', async () => {
    c2 = remote.commit({ 'deploy/alpha.yaml': alpha('v2') }, 'v2');
    await waitFor('the v2 header', async () => (await served()) === 'v2');
    assert.equal((await source()).revision, c2);
    await waitFor('lastAppliedRevision c2', async () => (await applied()) === c2);
  });

  let bad = '';
  await t.test('a commit that does not validate is held whole; the previous revision serves', async () => {
    bad = remote.commit({ 'deploy/alpha.yaml': alpha('v3'), 'deploy/beta.yaml': BROKEN }, 'bad');
    const s = await waitFor('the bad revision to be attempted', async () => {
      const x = await source();
      return x.lastAttemptedRevision === bad && ready(x)?.reason === 'InvalidRevision' ? x : undefined;
    });
    assert.equal(ready(s)?.status, 'False');
    assert.match(ready(s)!.message, /beta\.yaml/);
    assert.match(ready(s)!.message, /still serving/);
    assert.equal(s.revision, c2);
    // Two more intervals: the valid half of the bad commit (X-Rev v3) must not go live either.
    await sleep(5_000);
    assert.equal(await served(), 'v2');
    assert.equal((await source()).revision, c2);
    assert.equal(await applied(), c2);
  });

  await t.test('a force-push back to an older commit is applied like any revision', async () => {
    remote.forcePush(c1);
    await waitFor('the v1 revision (no header)', async () => (await served()) === 'none');
    const s = await waitFor('SourceReady True', async () => {
      const x = await source();
      return ready(x)?.status === 'True' ? x : undefined;
    });
    assert.equal(s.revision, c1);
    assert.equal(ready(s)?.status, 'True');
    // The history went backwards: an event says so.
    const events = readFileSync(join(env.root, 'state/events.jsonl'), 'utf8');
    assert.match(events, new RegExp(`SourceNonFastForward.*revision ${c1.slice(0, 12)} does not descend`));
  });

  await t.test('an unreachable remote is a condition and the last good revision keeps serving', async () => {
    await remote.stopDaemon();
    const s = await waitFor('SourceReady False/Unreachable', async () => {
      const x = await source();
      return ready(x)?.reason === 'Unreachable' ? x : undefined;
    });
    assert.equal(ready(s)?.status, 'False');
    assert.equal(s.revision, c1);
    assert.equal((await httpGet(env.port, 'alpha.e2e.test')).status, 200);
    await remote.startDaemon();
    await waitFor('SourceReady True again', async () => ready(await source())?.status === 'True');
  });

  await t.test('a deleted branch is a condition and deletes nothing', async () => {
    remote.deleteBranch();
    const s = await waitFor('SourceReady False/BranchNotFound', async () => {
      const x = await source();
      return ready(x)?.reason === 'BranchNotFound' ? x : undefined;
    });
    assert.equal(s.revision, c1);
    assert.equal((await httpGet(env.port, 'alpha.e2e.test')).status, 200);
    assert.ok(await env.resource('Site/alpha'));
    remote.pushBranch();
    await waitFor('SourceReady True again', async () => ready(await source())?.status === 'True');
  });

  let big = '';
  await t.test('a SIGKILL during a checkout, then a restart, converges', async () => {
    // The daemon is restarted with the checkout hook, so the kill lands inside the checkout for sure
    // (polling for the temp dir missed a fast checkout on an idle machine).
    env.daemon.proc.kill('SIGTERM');
    await env.daemon.exited;
    const marker = join(env.base, 'checkout-window');
    process.env.TEND_TEST_CHECKOUT_WINDOW = marker;
    try {
      await env.start([...gitFlags, '--git-interval', '2s']);
    } finally {
      delete process.env.TEND_TEST_CHECKOUT_WINDOW;
    }
    const assets: Record<string, string> = { 'deploy/alpha.yaml': alpha('big') };
    for (let i = 0; i < 4000; i++) assets[`assets/a${i}.txt`] = `asset ${i}\n`;
    big = remote.commit(assets, 'big');
    const caught = await waitFor('a checkout in progress', () => existsSync(marker), 60_000).catch(
      () => false,
    );
    if (caught) env.daemon.proc.kill('SIGKILL');
    assert.ok(caught, 'the daemon was killed while a checkout was being written');
    await env.daemon.exited;
    assert.ok(
      readdirSync(checkouts).some((n) => n.startsWith('.tmp-')),
      'the kill left a partial checkout',
    );
    assert.notEqual(await served(), 'big');
    await env.start([...gitFlags, '--git-interval', '1h']);
    await waitFor('the big revision', async () => (await served()) === 'big');
    assert.equal((await source()).revision, big);
  });

  await t.test('POST /v1/source/refresh applies a commit at once, and needs the token', async () => {
    const c5 = remote.commit({ 'deploy/alpha.yaml': alpha('v5') }, 'v5');
    const anon = await env.api('POST', '/v1/source/refresh', {}, false);
    assert.equal(anon.status, 401);
    await sleep(1_000);
    assert.equal((await source()).revision, big, 'an unauthenticated refresh fetched nothing');
    const r = await env.api('POST', '/v1/source/refresh', {});
    assert.equal(r.status, 200);
    assert.equal((r.body as Source).revision, c5);
    // The route waits for the pass: the new revision serves as soon as it answers.
    assert.equal(await served(), 'v5');
    assert.equal(await applied(), c5);
  });

  await t.test(
    'tend source pin holds a revision, refuses a bad one, and unpin follows the branch',
    async () => {
      const pin = await tendSource('pin', c2.slice(0, 12));
      assert.equal(pin.code, 0, pin.stderr);
      assert.equal(await served(), 'v2');
      const c6 = remote.commit({ 'deploy/alpha.yaml': alpha('v6') }, 'v6');
      const refresh = await tendSource('refresh', '--json');
      assert.equal(refresh.code, 0, refresh.stderr);
      const s = JSON.parse(refresh.stdout) as Source;
      assert.equal(s.pinnedRevision, c2);
      assert.equal(s.revision, c2);
      assert.equal(s.lastFetchedRevision, c6);
      assert.equal(await served(), 'v2');
      const refused = await tendSource('pin', bad);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /TEND_ERR_SOURCE_REVISION.*does not validate/);
      assert.equal((await source()).revision, c2);
      assert.equal(await served(), 'v2');
      const unpin = await tendSource('unpin');
      assert.equal(unpin.code, 0, unpin.stderr);
      assert.equal(await served(), 'v6');
      assert.equal((await source()).pinnedRevision, undefined);
    },
  );

  await t.test('old checkouts are pruned to the last three', () => {
    const dirs = readdirSync(checkouts).filter((n) => /^[0-9a-f]{40}$/.test(n));
    assert.ok(dirs.length <= 3, `expected at most 3 checkouts, got ${dirs.length}`);
    // The killed checkout's git may have outlived tend; a later prune removed what it left.
    assert.deepEqual(
      readdirSync(checkouts).filter((n) => n.startsWith('.tmp-')),
      [],
    );
  });
});

test('tend serve --git refuses a URL with credentials and never prints them', async () => {
  const secret = 's3cretT0ken';
  for (const url of [
    `https://user:${secret}@example.invalid/x.git`,
    `https://${secret}@example.invalid/x.git`,
  ]) {
    const r = await collect(
      spawn(process.execPath, [BIN, 'serve', '--git', url, '--root', '/nonexistent-tend-root'], {
        stdio: 'pipe',
      }),
    );
    assert.equal(r.code, 1);
    assert.match(r.stderr, /TEND_ERR_USAGE.*without credentials/);
    assert.ok(!r.stderr.includes(secret) && !r.stdout.includes(secret), 'the secret is not echoed');
  }
});

test('tend serve --git with the remote down at start changes nothing, says why, and converges later', async (t) => {
  const env = await serveEnv(t);
  const remote = await gitRemote(t, env.base);
  const docroot = join(env.www, 'late');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'late\n');
  const rev = remote.commit({ 'late.yaml': staticSiteYaml('late', docroot) }, 'late');
  await env.start(['--git', remote.url, '--git-interval', '2s']);
  const s = (await env.api('GET', '/v1/source')).body as Source;
  assert.equal(s.revision, undefined);
  assert.equal(s.conditions[0]?.reason, 'Unreachable');
  assert.equal(s.conditions[0]?.status, 'False');
  assert.deepEqual(((await env.api('GET', '/v1/resources')).body as { items: unknown[] }).items, []);
  assert.match(env.daemon.log(), /the git source has no applicable revision yet \(Unreachable/);
  await remote.startDaemon();
  await waitFor(
    'the late Site to serve',
    async () => (await httpGet(env.port, 'late.e2e.test')).body === 'late\n',
  );
  const after = (await env.api('GET', '/v1/source')).body as Source;
  assert.equal(after.revision, rev);
  assert.equal(after.conditions[0]?.status, 'True');
});
