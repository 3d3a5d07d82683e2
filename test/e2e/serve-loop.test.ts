// End to end against one running `tend serve`: edits are served without a command, drift is healed
// by resync, a broken file deletes nothing and shows in status, killed programs come back, and two
// `tend reconcile` calls are answered by the daemon one pass at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, collect, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { alive, programYaml, proxySiteYaml, serveEnv, waitFor } from './serve-harness.js';

const staticSite = staticSiteYaml;

type Status = {
  phase?: string;
  conditions?: { type: string; status: string; reason: string; message: string }[];
  outputs?: Record<string, string | number>;
};

test('tend serve: edits, drift, broken files, killed programs, serialized reconciles', async (t) => {
  const env = await serveEnv(t);
  const docroot = join(env.www, 'alpha');
  mkdirSync(docroot);
  writeFileSync(join(docroot, 'index.html'), 'alpha v1\n');
  env.write('alpha.yaml', staticSite('alpha', docroot));
  env.write('app.yaml', `${programYaml('app', env.programScript)}---\n${proxySiteYaml('front', 'app')}`);
  await env.start();

  await t.test('a YAML edit is served without any command', async () => {
    await waitFor(
      'alpha to serve',
      async () => (await httpGet(env.port, 'alpha.e2e.test')).body === 'alpha v1\n',
    );
    env.write('alpha.yaml', staticSite('alpha', docroot, '  headers: { X-Edited: "yes" }\n'));
    await waitFor(
      'the edited header',
      async () => (await httpGet(env.port, 'alpha.e2e.test')).headers['x-edited'] === 'yes',
    );
    // The proxy Site waits for the program's leased port, then routes to it.
    await waitFor('front to proxy to app', async () =>
      (await httpGet(env.port, 'front.e2e.test')).body.startsWith('program 0'),
    );
  });

  await t.test('a managed vhost deleted by hand is restored by resync', async () => {
    const vhost = join(env.root, 'nginx/sites/alpha.conf');
    const before = readFileSync(vhost, 'utf8');
    rmSync(vhost);
    await waitFor('the vhost to come back', () => {
      try {
        return readFileSync(vhost, 'utf8') === before;
      } catch {
        return false;
      }
    });
  });

  await t.test('a Program killed by hand is restarted', async () => {
    const st = (await waitFor('app Ready', async () => {
      const s = (await env.resource('Program/app')) as Status | undefined;
      return s?.phase === 'Ready' && s.outputs?.pids ? s : undefined;
    })) as Status;
    const pid = Number(String(st.outputs!.pids).split(',')[0]);
    assert.ok(alive(pid));
    process.kill(pid, 'SIGKILL');
    const after = (await waitFor('a new pid for app', async () => {
      const s = (await env.resource('Program/app')) as Status | undefined;
      const p = Number(String(s?.outputs?.pids ?? '').split(',')[0]);
      return s?.phase === 'Ready' && p && p !== pid ? s : undefined;
    })) as Status;
    assert.ok(alive(Number(String(after.outputs!.pids).split(',')[0])));
    await waitFor(
      'front to answer again',
      async () => (await httpGet(env.port, 'front.e2e.test')).status === 200,
    );
    const events = (await env.api('GET', '/v1/resources/Program/app')).body as {
      events: { reason: string }[];
    };
    assert.ok(
      events.events.some((e) => e.reason === 'Exited' || e.reason === 'Restarted'),
      JSON.stringify(events.events),
    );
  });

  await t.test('an unparseable file causes no deletions and shows as an error in status', async () => {
    env.write('alpha.yaml', 'apiVersion: tend/v1\nkind: Site\nmetadata: { name: alpha\nspec: [\n');
    const st = (await waitFor('alpha to show the source error', async () => {
      const s = (await env.resource('Site/alpha')) as Status | undefined;
      return s?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True') ? s : undefined;
    })) as Status;
    assert.equal(st.phase, 'Failed');
    // Two resync periods later the site still serves and its vhost is still there.
    await new Promise((r) => setTimeout(r, 5_000));
    assert.equal((await httpGet(env.port, 'alpha.e2e.test')).body, 'alpha v1\n');
    const ready = (await env.api('GET', '/readyz')).body as { reason?: string };
    assert.match(ready.reason ?? '', /alpha\.yaml/);
    env.write('alpha.yaml', staticSite('alpha', docroot));
    await waitFor(
      'alpha Ready again',
      async () => ((await env.resource('Site/alpha')) as Status | undefined)?.phase === 'Ready',
    );
  });

  await t.test('two tend reconcile calls against one daemon do not interleave', async () => {
    const [a, b] = await Promise.all([env.tend('reconcile'), env.tend('reconcile', '--only', 'Site/alpha')]);
    for (const r of [a, b]) {
      assert.equal(r.code, 0, r.stderr + r.stdout);
      assert.match(r.stdout, /Reconciled by the running tend serve/);
    }
    // Every pass the daemon logged ends before the next one starts.
    const passes = env.daemon
      .log()
      .split('\n')
      .filter((l) => l.includes('"durationMs"') && /"msg":"(reconciled|in sync)"/.test(l))
      .map((l) => JSON.parse(l) as { time: number; durationMs: number })
      .map((p) => [p.time - p.durationMs, p.time] as const)
      .sort((x, y) => x[0] - y[0]);
    assert.ok(passes.length >= 2);
    for (let i = 1; i < passes.length; i++)
      assert.ok(passes[i]![0] >= passes[i - 1]![1] - 1, `passes ${i - 1} and ${i} overlap`);
  });

  await t.test('the CLI reads status from the daemon', async () => {
    const r = await env.status('--json');
    assert.equal(r.code, 0, r.stderr);
    const keys = (JSON.parse(r.stdout) as { key: string }[]).map((s) => s.key);
    assert.deepEqual(keys, ['Program/app', 'Site/alpha', 'Site/front']);
  });
  await t.test('a Terminal is served by the daemon; its token only through tend terminal token', async () => {
    env.write(
      'term.yaml',
      'apiVersion: tend/v1\nkind: Terminal\nmetadata: { name: term }\nspec:\n  user: nobody\n',
    );
    const st = (await waitFor('term Ready with a URL', async () => {
      const s = (await env.resource('Terminal/term')) as Status | undefined;
      return s?.phase === 'Ready' && s.outputs?.url ? s : undefined;
    })) as Status;
    const url = new URL(String(st.outputs!.url));
    assert.equal(url.hostname, '127.0.0.1', 'loopback by default');
    const page = await httpGet(Number(url.port), '127.0.0.1', url.pathname);
    assert.equal(page.status, 200);
    const tokenOf = (name: string) =>
      collect(
        spawn(process.execPath, [BIN, 'terminal', 'token', name, '--root', env.root], { stdio: 'pipe' }),
      );
    const shown = await tokenOf('term');
    assert.equal(shown.code, 0, shown.stderr);
    assert.match(shown.stdout, /^[0-9a-f]{64}\n$/);
    // The login link from the real CLI: no token in it, and the daemon's terminal takes it once.
    const opened = await collect(
      spawn(process.execPath, [BIN, 'terminal', 'open', 'term', '--root', env.root], { stdio: 'pipe' }),
    );
    assert.equal(opened.code, 0, opened.stderr);
    const link = opened.stdout.trim();
    assert.ok(link.startsWith(`${url.href}login?ticket=`), link);
    assert.ok(!link.includes(shown.stdout.trim()), 'the token is not in the login link');
    const used = await httpGet(Number(url.port), '127.0.0.1', link.slice(url.origin.length));
    assert.equal(used.status, 303);
    assert.match(String(used.headers['set-cookie']), /HttpOnly/);
    const reused = await httpGet(Number(url.port), '127.0.0.1', link.slice(url.origin.length));
    assert.equal(reused.status, 403, 'a login link works once');
    const everything = JSON.stringify((await env.api('GET', '/v1/resources/Terminal/term')).body);
    assert.ok(!everything.includes(shown.stdout.trim()), 'the token is not in the API');
    assert.ok(!env.daemon.log().includes(shown.stdout.trim()), 'the token is not in the log');

    env.remove('term.yaml');
    await waitFor('the terminal to stop listening', async () => {
      try {
        await httpGet(Number(url.port), '127.0.0.1');
        return false;
      } catch {
        return true;
      }
    });
    const gone = await tokenOf('term');
    assert.equal(gone.code, 1, 'a deleted Terminal loses its token');
    assert.match(gone.stderr, /TEND_ERR_NOT_FOUND/);
  });
});
