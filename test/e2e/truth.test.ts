// Status that never lies (issue 14), on real nginx and php-fpm through the CLI: one test per lie of
// items 1, 2, 3 and 5. Items 4 and 6 live in truth-offline.test.ts and truth-metrics.test.ts.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  BIN,
  collect,
  e2eEnv,
  freePort,
  httpGet,
  phpPairYaml,
  poolYaml,
  staticSiteYaml,
  webBaseArgs,
} from '../helpers/e2e.js';
import { stockEnv } from './stock-nginx.js';

interface Status {
  key: string;
  phase: string;
  conditions: { type: string; status: string; reason: string; message: string }[];
}

const cond = (s: Status | undefined, type: string) => s?.conditions.find((c) => c.type === type);

const statusesOf = (stdout: string) => JSON.parse(stdout) as Status[];

test(
  'a default-server answer caught as WrongVhost: Degraded, never Ready, while visitors see no marker',
  { timeout: 300_000 },
  async (t) => {
    // Debian's stock nginx (system profile): tend's vhost listens on 0.0.0.0, as on a real host.
    const env = stockEnv(t, await freePort());
    const www = join(env.base, 'www/docs');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'docs from tend\n');
    writeFileSync(join(env.ds, 'docs.yaml'), staticSiteYaml('docs', www));
    const first = await env.tend('reconcile');
    assert.equal(first.code, 0, `${first.stdout}\n${first.stderr}`);
    const before = statusesOf((await env.tend('status', '--json')).stdout).find((s) => s.key === 'Site/docs');
    assert.equal(before?.phase, 'Ready');
    // The marker is for tend's probe only: a visitor's answer carries no X-Tend-Site.
    const visitor = await httpGet(env.port, 'docs.e2e.test');
    assert.equal(visitor.body, 'docs from tend\n');
    assert.equal(visitor.headers['x-tend-site'], undefined);

    // Someone else's catch-all on 127.0.0.1:<port> (a more specific address than tend's 0.0.0.0)
    // answers every request there with 200, the status the probe expects. No server_name clashes.
    writeFileSync(
      join(env.etc, 'sites-enabled/catchall'),
      `server {\n    listen 127.0.0.1:${env.port} default_server;\n    server_name _;\n    return 200 "catch-all\\n";\n}\n`,
    );
    // The next pass reloads nginx (the edit below changes tend's vhost), then probes.
    writeFileSync(join(env.ds, 'docs.yaml'), staticSiteYaml('docs', www, '  headers: { X-Edit: "2" }\n'));
    const second = await env.tend('reconcile');
    assert.equal((await httpGet(env.port, 'docs.e2e.test')).body, 'catch-all\n', 'the catch-all answers');
    const after = statusesOf((await env.tend('status', '--json')).stdout).find((s) => s.key === 'Site/docs');
    assert.equal(after?.phase, 'Degraded', `${second.stdout}\n${JSON.stringify(after, null, 2)}`);
    assert.equal(cond(after, 'Ready')?.status, 'False');
    assert.equal(cond(after, 'Ready')?.reason, 'WrongVhost');
    assert.equal(cond(after, 'Healthy')?.reason, 'WrongVhost');
    assert.match(
      cond(after, 'Healthy')?.message ?? '',
      /answered \(200\) by a server block tend did not render/,
    );
  },
);

test(
  'a foreign vhost holding a domain: the Site is Failed with DomainConflict naming its file and line',
  { timeout: 300_000 },
  async (t) => {
    const env = stockEnv(t, await freePort());
    // A vhost tend does not manage, as an operator left it on the host, already serves docs.
    const legacy = join(env.etc, 'sites-enabled/legacy');
    writeFileSync(
      legacy,
      `# the old docs\nserver {\n    listen ${env.port};\n    server_name docs.e2e.test;\n    return 200 "legacy docs\\n";\n}\n`,
    );
    // The host's nginx already runs, as Debian started it.
    const started = spawnSync('/usr/sbin/nginx', ['-c', join(env.etc, 'nginx.conf')]);
    assert.equal(started.status, 0, started.stderr.toString());
    assert.equal((await httpGet(env.port, 'docs.e2e.test')).body, 'legacy docs\n');
    const www = join(env.base, 'www/docs');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.html'), 'docs from tend\n');
    writeFileSync(join(env.ds, 'docs.yaml'), staticSiteYaml('docs', www));
    const run = await env.tend('reconcile');
    assert.notEqual(run.code, 0, 'a refused Site is an error');
    const docs = statusesOf((await env.tend('status', '--json')).stdout).find((s) => s.key === 'Site/docs');
    assert.equal(docs?.phase, 'Failed', JSON.stringify(docs, null, 2));
    const ready = cond(docs, 'Ready');
    assert.equal(ready?.reason, 'DomainConflict');
    assert.ok(ready?.message.includes(`${legacy}:2`), ready?.message);
    assert.match(ready?.message ?? '', /docs\.yaml:\d+:\d+: spec\.domains\[0\]/);
    // tend took nothing over: the foreign vhost still answers, and no tend vhost was written.
    assert.equal((await httpGet(env.port, 'docs.e2e.test')).body, 'legacy docs\n');
    assert.match(run.stdout + run.stderr, /TEND_ERR_DOMAIN_CONFLICT|already served on/);
  },
);

test(
  'a domain moved between two tend Sites, in both orders: the Site that serves it keeps it',
  { timeout: 300_000 },
  async (t) => {
    const env = await e2eEnv(t);
    const roots = Object.fromEntries(
      ['docs', 'shop'].map((name) => {
        const dir = join(env.www, name);
        mkdirSync(dir, { recursive: true });
        writeFileSync(join(dir, 'index.html'), `${name}\n`);
        return [name, dir];
      }),
    );
    const site = (name: string, domains: string[]) =>
      staticSiteYaml(name, roots[name]!).replace(`[${name}.e2e.test]`, `[${domains.join(', ')}]`);
    const statuses = async () => statusesOf((await env.status('--json')).stdout);
    const phases = async () => Object.fromEntries((await statuses()).map((s) => [s.key, s.phase]));
    env.write('docs.yaml', site('docs', ['docs.e2e.test']));
    env.write('shop.yaml', site('shop', ['shop.e2e.test', 'www.shop.e2e.test']));
    assert.equal((await env.reconcile()).code, 0);
    assert.deepEqual(await phases(), { 'Site/docs': 'Ready', 'Site/shop': 'Ready' });

    // docs (loaded first) reaches for shop's domain: the edit to docs is refused, shop keeps serving.
    env.write('docs.yaml', site('docs', ['docs.e2e.test', 'www.shop.e2e.test']));
    await env.reconcile();
    let all = await statuses();
    let docs = all.find((s) => s.key === 'Site/docs');
    assert.equal(all.find((s) => s.key === 'Site/shop')?.phase, 'Ready', JSON.stringify(all, null, 2));
    assert.equal(docs?.phase, 'Failed');
    assert.equal(cond(docs, 'Ready')?.reason, 'DomainConflict');
    assert.match(cond(docs, 'Ready')?.message ?? '', /www\.shop\.e2e\.test is already served by Site\/shop/);
    assert.equal((await httpGet(env.port, 'www.shop.e2e.test')).body, 'shop\n');
    assert.equal((await httpGet(env.port, 'docs.e2e.test')).body, 'docs\n', 'docs keeps serving');

    // shop lets go: the held edit to docs goes through, docs now serves the domain.
    env.write('shop.yaml', site('shop', ['shop.e2e.test']));
    await env.reconcile();
    assert.deepEqual(await phases(), { 'Site/docs': 'Ready', 'Site/shop': 'Ready' });
    assert.equal((await httpGet(env.port, 'www.shop.e2e.test')).body, 'docs\n');

    // The other order: shop (loaded last) takes it back; the error lands on shop, docs keeps it.
    env.write('shop.yaml', site('shop', ['shop.e2e.test', 'www.shop.e2e.test']));
    await env.reconcile();
    all = await statuses();
    docs = all.find((s) => s.key === 'Site/docs');
    const shop = all.find((s) => s.key === 'Site/shop');
    assert.equal(docs?.phase, 'Ready', JSON.stringify(all, null, 2));
    assert.equal(shop?.phase, 'Failed');
    assert.equal(cond(shop, 'Ready')?.reason, 'DomainConflict');
    assert.match(cond(shop, 'Ready')?.message ?? '', /already served by Site\/docs/);
    assert.equal((await httpGet(env.port, 'www.shop.e2e.test')).body, 'docs\n');
    assert.equal((await httpGet(env.port, 'shop.e2e.test')).body, 'shop\n', 'shop keeps serving');
  },
);

test('a 404 and a 502, each with the cause nginx logged for the probe', { timeout: 300_000 }, async (t) => {
  const env = await e2eEnv(t);
  const root = env.phpRoot('app', 'app');
  // Each step edits the Site (a header, the health path), so the pass re-applies and re-probes it.
  const write = (edit: number, health = '/') =>
    env.write(
      'app.yaml',
      phpPairYaml({
        pool: 'app',
        site: 'app',
        domain: 'app.e2e.test',
        root,
        maxChildren: 2,
        // Not nginx's user: what nginx may read, the pool may not.
        poolSpec: '  user: nobody\n',
        siteSpec: `  headers: { X-Edit: "${edit}" }\n  health: { path: ${health} }\n`,
      }),
    );
  const site = async () => statusesOf((await env.status('--json')).stdout).find((s) => s.key === 'Site/app');
  write(1);
  assert.equal((await env.reconcile()).code, 0);
  assert.equal((await site())?.phase, 'Ready');

  // 404: probe.php is a link (root's, like its target, so nginx follows it) to a script outside
  // the pool's open_basedir: php-fpm refuses to run it and nginx logs why.
  const outside = join(env.base, 'outside');
  mkdirSync(outside);
  writeFileSync(join(outside, 'probe.php'), '<?php echo "probe";\n');
  symlinkSync(join(outside, 'probe.php'), join(root, 'probe.php'));
  write(2, '/probe.php');
  await env.reconcile();
  let healthy = cond(await site(), 'Healthy');
  assert.equal((await site())?.phase, 'Degraded');
  assert.match(healthy?.message ?? '', /expected status 200, got 404/);
  assert.match(
    healthy?.message ?? '',
    // php-fpm's own words: the open_basedir warning, or (when the pool logs PHP errors to its own
    // file, decision 0036) the refusal to open the script it names.
    /nginx logged: FastCGI sent in stderr: .*(open_basedir restriction in effect\. File\(\S+\/outside\/probe\.php\)|Unable to open primary script: \S+\/probe\.php \(Operation not permitted\))/,
  );

  // 502: the pool's socket directory cannot be traversed by nginx's workers.
  const sockets = join(env.root, 'run/php');
  chmodSync(sockets, 0o700);
  write(3);
  await env.reconcile();
  healthy = cond(await site(), 'Healthy');
  assert.equal((await site())?.phase, 'Degraded', healthy?.message);
  assert.match(healthy?.message ?? '', /got 502/);
  assert.match(
    healthy?.message ?? '',
    /nginx logged: connect\(\) to unix:\S+ failed \(13: Permission denied\)/,
  );
  chmodSync(sockets, 0o755);
});

test('validation refuses a Pool or Program user the host does not have, naming file and line', async (t) => {
  const env = await e2eEnv(t);
  env.write(
    'users.yaml',
    `${poolYaml('ghostpool', '  user: tend-no-such-user\n')}---
apiVersion: tend/v1
kind: Program
metadata: { name: ghostprog }
spec:
  command: [/bin/true]
  user: tend-no-such-user
---
apiVersion: tend/v1
kind: Pool
metadata: { name: made }
spec:
  php: "8.2"
  user: { name: tend-no-such-user, create: true }
`,
  );
  const run = await collect(
    spawn(process.execPath, [BIN, 'validate', '-d', env.ds, ...webBaseArgs(env.base)], { stdio: 'pipe' }),
  );
  assert.notEqual(run.code, 0);
  const out = run.stdout + run.stderr;
  assert.match(out, /users\.yaml:6:\d+: .*user tend-no-such-user does not exist on this host/);
  assert.match(out, /users\.yaml:13:\d+: .*user tend-no-such-user does not exist on this host/);
  // The Pool that asks tend to create its account is not refused for it.
  assert.doesNotMatch(out, /users\.yaml:2[0-9]:/);
});
