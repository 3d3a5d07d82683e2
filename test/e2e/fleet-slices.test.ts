// End to end, a two-host fleet on one repository (decision 0037): two `tend serve` daemons with their
// own roots, ports and host names follow one bare repository served by `git daemon`; a commit under
// hosts/web1/ and a hostSelector change exactly the hosts they should, with real nginx serving.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { BIN, collect, freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
import { gitRemote } from './git-harness.js';
import { serveEnv, waitFor, type ServeEnv } from './serve-harness.js';

const withMeta = (yaml: string, meta: string) =>
  yaml.replace(/^metadata: \{ name: (\S+) \}$/m, `metadata: { name: $1, ${meta} }`);

test('a fleet of two tend serve daemons applies each host its own slice of one repository', async (t) => {
  const web1 = await serveEnv(t);
  const web2 = await serveEnv(t);
  const remote = await gitRemote(t, web1.base);
  // One docroot both hosts may serve (web2 is given web1's base as a web base too).
  const site = (name: string, meta?: string) => {
    const docroot = join(web1.www, name);
    mkdirSync(docroot, { recursive: true });
    writeFileSync(join(docroot, 'index.html'), `${name}\n`);
    const yaml = staticSiteYaml(name, docroot);
    return meta ? withMeta(yaml, meta) : yaml;
  };
  const serves = async (env: ServeEnv, name: string) =>
    (await httpGet(env.port, `${name}.e2e.test`).catch(() => ({ body: '' }))).body === `${name}\n`;
  const converged = async (env: ServeEnv, revision: string, want: Record<string, boolean>) =>
    waitFor(`${env.base} at ${revision.slice(0, 8)} serving ${JSON.stringify(want)}`, async () => {
      const s = (await env.api('GET', '/v1/source')).body as { revision?: string };
      if (s.revision !== revision) return false;
      for (const [name, on] of Object.entries(want)) if ((await serves(env, name)) !== on) return false;
      return true;
    });

  const c1 = remote.commit(
    {
      'shared.yaml': site('shared'),
      'php.yaml': site('php', 'hostSelector: { role: php }'),
      'named.yaml': site('named', 'hosts: [web2]'),
      'hosts/web1/one.yaml': site('one'),
    },
    'v1',
  );
  await remote.startDaemon();
  const git = ['--git', remote.url, '--git-interval', '1h'];
  await web1.start([...git, '--host-name', 'web1', '--host-label', 'role=static']);
  await web2.start([...git, '--host-name', 'web2', '--host-label', 'role=php', '--web-base', web1.base]);

  await t.test(
    'each host applies the shared files, its hosts/ directory, its name and its selector',
    async () => {
      await converged(web1, c1, { shared: true, one: true, php: false, named: false });
      await converged(web2, c1, { shared: true, one: false, php: true, named: true });
    },
  );

  await t.test(
    'a commit under hosts/web1/ changes web1 only; web2 moves to the revision untouched',
    async () => {
      const c2 = remote.commit({ 'hosts/web1/two.yaml': site('two') }, 'web1 only');
      for (const env of [web1, web2])
        assert.equal((await env.api('POST', '/v1/source/refresh')).status < 300, true);
      await converged(web1, c2, { two: true, one: true, shared: true });
      await converged(web2, c2, { two: false, one: false, shared: true, php: true });
      // Nothing of web2's slice changed, so nothing was applied there: its Sites still carry c1.
      assert.equal((await web2.resource('Site/shared'))?.lastAppliedRevision, c1);
      assert.equal((await web1.resource('Site/two'))?.lastAppliedRevision, c2);
      assert.equal(
        (await web2.api('GET', '/v1/resources/Site/two')).status,
        404,
        'web2 never heard of Site/two',
      );
    },
  );

  let c3 = '';
  await t.test(
    'a hostSelector edit moves a Site between hosts: applied on one, removed from the other',
    async () => {
      c3 = remote.commit({ 'php.yaml': site('php', 'hostSelector: { role: static }') }, 'php moves');
      for (const env of [web1, web2]) await env.api('POST', '/v1/source/refresh');
      await converged(web1, c3, { php: true, one: true, two: true, shared: true });
      await converged(web2, c3, { php: false, named: true, shared: true });
      // Each host's /metrics names it and its revision, so one Prometheus sees the fleet's rollout.
      for (const [env, host] of [
        [web1, 'web1'],
        [web2, 'web2'],
      ] as const) {
        const text = await waitFor(`${host}'s tend_info at c3`, async () => {
          const r = await fetch(`http://127.0.0.1:${env.apiPort}/metrics`);
          const body = await r.text();
          return body.includes(`tend_info{host="${host}",revision="${c3}"} 1`) ? body : undefined;
        });
        assert.match(text, /^tend_source_ready\{source="git"\} 1$/m);
      }
    },
  );

  await t.test(
    'tend fleet status: one table of both hosts on the same revision; a dead host says so',
    async () => {
      const token = (env: ServeEnv) => readFileSync(join(env.root, 'state/api-token'), 'utf8').trim();
      const hostsFile = join(web1.base, 'hosts.txt');
      const dead = `http://127.0.0.1:${await freePort()}`;
      const lines = [
        `# fleet`,
        `http://127.0.0.1:${web1.apiPort} ${token(web1)}`,
        `http://127.0.0.1:${web2.apiPort} ${token(web2)}`,
      ];
      writeFileSync(hostsFile, `${lines.join('\n')}\n`);
      const fleet = (...more: string[]) =>
        collect(
          spawn(process.execPath, [BIN, 'fleet', 'status', '--hosts-file', hostsFile, ...more], {
            stdio: 'pipe',
          }),
        );
      const ok = await fleet();
      assert.equal(ok.code, 0, ok.stdout + ok.stderr);
      const rows = ok.stdout.trim().split('\n');
      assert.match(rows[0]!, /^HOST\s+REVISION\s+RESOURCES\s+LAST ERROR$/);
      assert.match(rows[1]!, new RegExp(`^web1\\s+${c3.slice(0, 12)}\\s+Ready=4\\s+-$`));
      assert.match(rows[2]!, new RegExp(`^web2\\s+${c3.slice(0, 12)}\\s+Ready=2\\s+-$`));
      for (const env of [web1, web2]) assert.ok(!ok.stdout.includes(token(env)), 'a token is never printed');
      writeFileSync(hostsFile, `${lines.join('\n')}\n${dead} sometoken\n`);
      const down = await fleet('--json');
      assert.equal(down.code, 1, 'a host that does not answer fails the command');
      const json = JSON.parse(down.stdout) as {
        host: string;
        revision: string;
        reachable: boolean;
        lastError: string;
      }[];
      assert.deepEqual(
        json.map((r) => [r.host, r.revision, r.reachable]),
        [
          ['web1', c3, true],
          ['web2', c3, true],
          ['?', '?', false],
        ],
      );
      assert.match(json[2]!.lastError, /^unreachable: /);
    },
  );

  await t.test("reconcile --plan --host previews another host's slice from a checkout", async () => {
    // A fresh root: the preview shows web2's whole slice as to be created, from web1's checkout.
    const preview = ['reconcile', '--plan', '--host', 'web2', '--host-label', 'role=php'];
    const where = ['-d', remote.work, '--root', join(web1.base, 'preview-root'), '--web-base', web1.base];
    const r = await collect(spawn(process.execPath, [BIN, ...preview, ...where], { stdio: 'pipe' }));
    assert.equal(r.code, 2, r.stdout + r.stderr);
    for (const key of ['Site/shared', 'Site/named'])
      assert.match(r.stdout, new RegExp(`\\+ ${key} will be created`));
    for (const key of ['Site/one', 'Site/two', 'Site/php']) assert.doesNotMatch(r.stdout, new RegExp(key));
  });
});
