// nginx HUP-first on real nginx (decision 0023): a Site edit is pre-checked over just its vhost, and
// the master's HUP checks the whole config. A conflict only the whole config shows (here a foreign
// file's `upstream localhost` against a Site proxying to localhost:<port>) is refused by the master;
// the full nginx -t bisect then holds that Site, restores its file and reloads again. A kill inside
// that window (the refused file still on disk) is undone by the journal on the next start.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout, type Layout } from '../../src/layout/layout.js';
import {
  collect,
  e2eEnv,
  ensureBuilt,
  httpGet,
  mastersFor,
  staticSiteYaml,
  type E2eEnv,
} from '../helpers/e2e.js';

const host = (name: string) => `${name}.e2e.test`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('nginx HUP-first: the master is the whole-config check', { concurrency: false }, () => {
  let env: E2eEnv;
  let layout: Layout;
  let cleanup: (() => Promise<void> | void) | undefined;
  after(() => cleanup?.());

  const site = (name: string, version: string) => {
    const dir = join(env.www, `${name}-${version}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.html'), `${name} ${version}\n`);
    env.write(`${name}.yaml`, staticSiteYaml(name, dir));
  };
  /** A Site nginx accepts alone, refused next to the foreign `upstream localhost` block. */
  const clashing = (name: string) =>
    env.write(
      `${name}.yaml`,
      `apiVersion: tend/v1\nkind: Site\nmetadata: { name: ${name} }\nspec:\n  domains: [${host(name)}]\n  preset: proxy\n  proxy: { url: "http://localhost:9" }\n`,
    );
  const nginxT = () =>
    spawnSync('/usr/sbin/nginx', ['-t', '-p', layout.nginx.prefix, '-c', layout.nginx.mainConfig], {
      encoding: 'utf8',
    });
  const errorLogSize = () => (existsSync(layout.nginx.errorLog) ? statSync(layout.nginx.errorLog).size : 0);
  const errorLogSince = (offset: number) => readFileSync(layout.nginx.errorLog, 'utf8').slice(offset);

  before(
    async () => {
      ensureBuilt();
      env = await e2eEnv({ after: (fn) => (cleanup = fn) }, 'tend-e2e-hup-');
      layout = embeddedLayout(env.root, { httpPort: env.port });
      site('alpha', 'v1');
      site('beta', 'v1');
      const cold = await env.reconcile();
      assert.equal(cold.code, 0, cold.stdout + cold.stderr);
      // Not tend's: an operator's file in the include dir. Alone it is valid, so is tend's config.
      writeFileSync(
        join(layout.nginx.includeDir, 'zz-foreign.conf'),
        'upstream localhost { server 127.0.0.1:9; }\n',
      );
      assert.equal(nginxT().status, 0, nginxT().stderr);
    },
    { timeout: 300_000 },
  );

  test('a refused HUP: the Site is held with nginx message, its file restored, the rest go live', async () => {
    const masterBefore = mastersFor(env.root).nginx;
    const live = readFileSync(layout.nginx.siteFile('beta'), 'utf8');
    const offset = errorLogSize();
    site('alpha', 'v2');
    clashing('beta');
    const r = await env.reconcile();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /1 change applied, 1 held back/);
    // The scoped check passed and the master refused: its own [emerg] is in its log.
    assert.match(errorLogSince(offset), /\[emerg\] \d+#\d+: upstream "localhost" may not have port 9/);
    assert.equal(readFileSync(layout.nginx.siteFile('beta'), 'utf8'), live, 'restored byte for byte');
    assert.equal(nginxT().status, 0, `the config on disk validates after the pass: ${nginxT().stderr}`);
    assert.equal((await httpGet(env.port, host('alpha'))).body, 'alpha v2\n', 'the good edit is live');
    assert.equal((await httpGet(env.port, host('beta'))).body, 'beta v1\n', 'the previous beta serves');
    assert.deepEqual(mastersFor(env.root).nginx, masterBefore, 'the same master, reloaded');
    const status = await env.status('Site/beta', '--json');
    const beta = JSON.parse(status.stdout) as {
      phase: string;
      lastError?: { code: string; message: string };
    };
    assert.equal(beta.phase, 'Failed');
    assert.equal(beta.lastError?.code, 'TEND_ERR_VALIDATION_FAILED');
    assert.match(beta.lastError?.message ?? '', /may not have port 9/);
  });

  test('killed between the HUP and the restore: the next start undoes the refused file', async () => {
    const marker = join(env.base, 'hup-window');
    rmSync(marker, { force: true });
    site('alpha', 'v3');
    process.env.TEND_TEST_HUP_WINDOW = marker;
    const child = env.spawnReconcile();
    delete process.env.TEND_TEST_HUP_WINDOW;
    const exited = collect(child);
    const deadline = Date.now() + 240_000;
    while (!existsSync(marker) && child.exitCode === null && Date.now() < deadline) await sleep(50);
    assert.ok(existsSync(marker), 'the pass reached the HUP window');
    child.kill('SIGKILL');
    await exited;
    // Inside the window the refused vhost is on disk: this is what the journal must heal.
    assert.notEqual(nginxT().status, 0, 'the kill landed with the refused file on disk');
    assert.ok(existsSync(join(layout.stateDir, 'journal.json')), 'the journal is open');

    const rerun = await env.reconcile();
    assert.equal(rerun.code, 1, rerun.stdout + rerun.stderr);
    assert.match(rerun.stdout, /1 held back/);
    assert.equal(nginxT().status, 0, `healed on the next start: ${nginxT().stderr}`);
    assert.equal(existsSync(join(layout.stateDir, 'journal.json')), false, 'journal closed');
    assert.equal((await httpGet(env.port, host('alpha'))).body, 'alpha v3\n');
    assert.equal((await httpGet(env.port, host('beta'))).body, 'beta v1\n');
    assert.equal(mastersFor(env.root).nginx.length, 1);

    // The operator removes the conflict: beta converges through the ordinary path.
    rmSync(join(layout.nginx.includeDir, 'zz-foreign.conf'));
    const fixed = await env.reconcile();
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    assert.equal(nginxT().status, 0);
  });
});
