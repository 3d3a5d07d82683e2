// End to end on real nginx and php-fpm 8.2: `tend reconcile` creates, updates, heals drift, refuses
// a file it does not own, removes, and a second pass changes and reloads nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout, type Layout } from '../../src/layout/layout.js';
import {
  childrenOf,
  e2eEnv,
  ensureBuilt,
  httpGet,
  mastersFor,
  phpSiteYaml,
  poolYaml,
  staticSiteYaml,
  type E2eEnv,
} from '../helpers/e2e.js';

const SHOP = 'shop.e2e.test';
const DOCS = 'docs.e2e.test';

describe('tend reconcile on real nginx and php-fpm', { concurrency: false }, () => {
  let env: E2eEnv;
  let layout: Layout;
  let shopRoot: string;
  const inventory = () =>
    JSON.parse(readFileSync(join(env.root, 'state/inventory.json'), 'utf8')) as {
      resources: Record<string, { files: string[] }>;
    };
  const writeShop = (header: string, root = shopRoot) =>
    env.write(
      'shop.yaml',
      `${poolYaml('shop')}---\n${phpSiteYaml('shop', root, `  headers: { X-Marker: ${header} }\n`)}`,
    );

  // after() called inside before() would run right after that hook: register the cleanup here.
  let cleanup: (() => Promise<void> | void) | undefined;
  after(() => cleanup?.());
  before(
    async () => {
      ensureBuilt();
      env = await e2eEnv({ after: (fn) => (cleanup = fn) }, 'tend-e2e-apply-');
      layout = embeddedLayout(env.root, { httpPort: env.port });
      shopRoot = env.phpRoot('shop', 'shop-v1-marker');
      const docsRoot = join(env.www, 'docs');
      mkdirSync(docsRoot);
      writeFileSync(join(docsRoot, 'index.html'), 'docs-static-marker\n');
      writeFileSync(join(docsRoot, '.env'), 'SECRET=docs-env-marker\n');
      mkdirSync(join(docsRoot, '.git'));
      writeFileSync(join(docsRoot, '.git/config'), 'git-config-marker\n');
      mkdirSync(join(docsRoot, '.well-known'));
      writeFileSync(join(docsRoot, '.well-known/security.txt'), 'security-txt-marker\n');
      writeFileSync(join(shopRoot, '.env'), 'SECRET=shop-env-marker\n');
      writeShop('one');
      env.write('docs.yaml', staticSiteYaml('docs', docsRoot));
      env.write('blog.yaml', staticSiteYaml('blog', docsRoot));
    },
    { timeout: 300_000 },
  );

  test('a PHP site and its pool answer with PHP output through nginx', async () => {
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /Apply complete: 4 changes applied, 0 held back/);
    const res = await httpGet(env.port, SHOP);
    assert.equal(res.status, 200, res.body);
    // 42 is computed by PHP: the source text would read "(6 * 7)".
    assert.equal(res.body, 'shop-v1-marker 42\n');
    assert.equal(res.headers['x-marker'], 'one');
    assert.equal((await httpGet(env.port, DOCS)).body, 'docs-static-marker\n');
    const masters = mastersFor(env.root);
    assert.equal(masters.nginx.length, 1, 'one nginx master');
    assert.equal(masters.php.length, 1, 'one php-fpm master');
  });

  test('dotfiles are never served, static or PHP; /.well-known is', async () => {
    for (const [host, path] of [
      [DOCS, '/.env'],
      [DOCS, '/.git/config'],
      [DOCS, '/sub/.htpasswd'],
      [SHOP, '/.env'],
    ] as const) {
      const res = await httpGet(env.port, host, path);
      assert.equal(res.status, 403, `${host}${path}: ${res.status} ${res.body}`);
      assert.doesNotMatch(res.body, /marker/);
    }
    const wellKnown = await httpGet(env.port, DOCS, '/.well-known/security.txt');
    assert.equal(wellKnown.status, 200);
    assert.equal(wellKnown.body, 'security-txt-marker\n');
  });

  test('a second reconcile changes nothing and reloads nothing', async () => {
    const masters = mastersFor(env.root);
    const workers = childrenOf(masters.nginx[0]!);
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^No changes\. The host matches the desired state\.$/m);
    assert.match(r.stdout, /Apply complete: 0 changes applied/);
    assert.doesNotMatch(r.stdout, /reloaded|started in/);
    assert.deepEqual(mastersFor(env.root), masters, 'same masters');
    assert.deepEqual(childrenOf(masters.nginx[0]!), workers, 'same nginx workers');
  });

  test('tend status --json: Ready, conditions, observedGeneration, outputs', async () => {
    const r = await env.status('--json');
    assert.equal(r.code, 0, r.stderr);
    const all = JSON.parse(r.stdout) as {
      key: string;
      phase: string;
      observedGeneration?: string;
      outputs: Record<string, string>;
      conditions: { type: string; status: string }[];
    }[];
    const site = all.find((s) => s.key === 'Site/shop')!;
    const pool = all.find((s) => s.key === 'Pool/shop')!;
    for (const s of [site, pool]) {
      assert.equal(s.phase, 'Ready', JSON.stringify(s));
      assert.match(s.observedGeneration ?? '', /\S/);
      for (const type of ['Applied', 'Healthy', 'Ready'])
        assert.equal(s.conditions.find((c) => c.type === type)?.status, 'True', `${s.key} ${type}`);
    }
    assert.equal(site.outputs.url, `http://${SHOP}:${env.port}/`);
    assert.equal(pool.outputs.socket, layout.php.socket('8.2', 'shop'));
  });

  test('an update (header and document root) changes what is served', async () => {
    const before = mastersFor(env.root);
    const workers = childrenOf(before.nginx[0]!);
    writeShop('two', env.phpRoot('shop2', 'shop-v2-marker'));
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /~ Site\/shop will be updated/);
    const res = await httpGet(env.port, SHOP);
    assert.equal(res.body, 'shop-v2-marker 42\n');
    assert.equal(res.headers['x-marker'], 'two');
    assert.deepEqual(mastersFor(env.root).nginx, before.nginx, 'reloaded, not restarted');
    assert.notDeepEqual(childrenOf(before.nginx[0]!), workers, 'new nginx workers');
  });

  test('a vhost edited by hand is an update in --plan and is restored', async () => {
    const file = layout.nginx.siteFile('shop');
    const original = readFileSync(file, 'utf8');
    writeFileSync(file, original.replace('X-Marker "two"', 'X-Marker "hacked"'));
    assert.notEqual(readFileSync(file, 'utf8'), original, 'the edit landed');
    const plan = await env.reconcile('--plan');
    assert.equal(plan.code, 2, plan.stdout + plan.stderr);
    assert.ok(
      plan.stdout.includes(`~ Site/shop will be updated (drift: ${file} was edited by hand)`),
      plan.stdout,
    );
    assert.match(plan.stdout, /^\s+-.*X-Marker "hacked"/m);
    assert.match(plan.stdout, /^\s+\+.*X-Marker "two"/m);
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(readFileSync(file, 'utf8'), original);
    assert.equal((await httpGet(env.port, SHOP)).headers['x-marker'], 'two');
  });

  test('a deleted managed file is recreated', async () => {
    const file = layout.nginx.siteFile('docs');
    rmSync(file);
    assert.equal((await httpGet(env.port, DOCS)).status, 200, 'nginx still serves its loaded config');
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.ok(r.stdout.includes(`drift: ${file} is missing`), r.stdout);
    assert.ok(existsSync(file));
    assert.equal((await httpGet(env.port, DOCS)).body, 'docs-static-marker\n');
  });

  test('a file tend does not own is never overwritten; the resource fails naming the file and adopt', async () => {
    const file = layout.nginx.siteFile('blog');
    const foreign = '# written by the operator, not by tend\n';
    rmSync(file);
    // A file tend wrote but whose header is gone is no longer provably tend's.
    writeFileSync(file, foreign);
    const r = await env.reconcile();
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.equal(readFileSync(file, 'utf8'), foreign, 'untouched');
    const status = await env.status('Site/blog', '--json');
    const detail = JSON.parse(status.stdout) as { phase: string; lastError?: { message: string } };
    assert.equal(detail.phase, 'Failed');
    assert.ok(detail.lastError?.message.includes(file), detail.lastError?.message);
    assert.match(detail.lastError?.message ?? '', /spec\.adopt: true/);
    // Other resources are unaffected.
    assert.equal((await httpGet(env.port, SHOP)).status, 200);

    env.write('blog.yaml', staticSiteYaml('blog', join(env.www, 'docs'), '  adopt: true\n'));
    const adopted = await env.reconcile();
    assert.equal(adopted.code, 0, adopted.stdout + adopted.stderr);
    assert.match(readFileSync(file, 'utf8'), /^# managed by tend: Site\/blog/);
  });

  test('a removal stops serving it, deletes its files and updates the inventory', async () => {
    const vhost = layout.nginx.siteFile('shop');
    const pool = layout.php.poolFile('8.2', 'shop');
    assert.ok(existsSync(vhost) && existsSync(pool));
    env.remove('shop.yaml');
    const r = await env.reconcile();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /- Pool\/shop will be deleted/);
    assert.match(r.stdout, /- Site\/shop will be deleted/);
    const res = await httpGet(env.port, SHOP);
    assert.equal(res.status, 404, 'the default server answers');
    assert.equal(existsSync(vhost), false);
    assert.equal(existsSync(pool), false);
    const keys = Object.keys(inventory().resources).sort();
    assert.deepEqual(keys, ['Site/blog', 'Site/docs']);
    assert.equal(mastersFor(env.root).php.length, 0, 'no pools left: no php-fpm master');
    assert.equal((await httpGet(env.port, DOCS)).status, 200);
    const plan = await env.reconcile('--plan');
    assert.equal(plan.code, 0, plan.stdout);
  });
});
