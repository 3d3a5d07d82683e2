// End to end: one site nginx refuses among 20 good ones. The good ones go live, the bad one is Failed
// with nginx's own message, and a bad UPDATE of a live site leaves the previous version serving.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout, type Layout } from '../../src/layout/layout.js';
import { e2eEnv, ensureBuilt, httpGet, mastersFor, staticSiteYaml, type E2eEnv } from '../helpers/e2e.js';

const GOOD = Array.from({ length: 20 }, (_, i) => `good${i}`);
const host = (name: string) => `${name}.e2e.test`;

interface Detail {
  phase: string;
  lastError?: { code: string; message: string };
  conditions: { type: string; status: string; message: string }[];
}

describe(
  'validation gate on real nginx: bad resources held back, the rest go live',
  { concurrency: false },
  () => {
    let env: E2eEnv;
    let layout: Layout;
    let cleanup: (() => Promise<void> | void) | undefined;
    after(() => cleanup?.());

    /** A static site whose index.html says which site and which version answered. */
    const site = (name: string, version: string, extra = '') => {
      const dir = join(env.www, `${name}-${version}`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'index.html'), `${name} ${version}\n`);
      env.write(`${name}.yaml`, staticSiteYaml(name, dir, extra));
    };
    const detail = async (key: string): Promise<Detail> => {
      const r = await env.status(key, '--json');
      assert.equal(r.code, 0, r.stderr);
      return JSON.parse(r.stdout) as Detail;
    };
    const assertAllGoodServe = async (version = 'v1') => {
      for (const name of GOOD) {
        const res = await httpGet(env.port, host(name));
        assert.equal(`${res.status} ${res.body}`, `200 ${name} ${version}\n`, name);
      }
    };

    before(
      async () => {
        ensureBuilt();
        env = await e2eEnv({ after: (fn) => (cleanup = fn) }, 'tend-e2e-gate-');
        layout = embeddedLayout(env.root, { httpPort: env.port });
      },
      { timeout: 300_000 },
    );

    test('an invalid directive among 20 good sites: the 20 answer, the bad one is Failed', async () => {
      for (const name of GOOD) site(name, 'v1');
      site('bad', 'v1', '  extraDirectives: ["gzip maybe"]\n');
      const r = await env.reconcile();
      assert.equal(r.code, 1, 'a held change makes the pass exit 1');
      assert.match(r.stdout, /Apply complete: 20 changes applied, 1 held back/);
      await assertAllGoodServe();
      assert.equal((await httpGet(env.port, host('bad'))).status, 404, 'the default server answers');
      assert.equal(existsSync(layout.nginx.siteFile('bad')), false, 'a held create leaves no file behind');

      const bad = await detail('Site/bad');
      assert.equal(bad.phase, 'Failed');
      assert.equal(bad.lastError?.code, 'TEND_ERR_VALIDATION_FAILED');
      assert.match(bad.lastError?.message ?? '', /invalid value "maybe" in "gzip" directive/);
      const table = await env.status();
      assert.match(table.stdout, /Site\/bad\s+Failed.*invalid value "maybe" in "gzip" directive/);
      const inv = JSON.parse(readFileSync(join(env.root, 'state/inventory.json'), 'utf8')) as {
        resources: Record<string, unknown>;
      };
      assert.deepEqual(Object.keys(inv.resources).sort(), GOOD.map((n) => `Site/${n}`).sort());
    });

    test('a bad update of a live site keeps the previous version serving; other updates go live', async () => {
      const file = layout.nginx.siteFile('good0');
      const live = readFileSync(file, 'utf8');
      site('good0', 'v2', '  extraDirectives: ["gzip maybe"]\n');
      site('good1', 'v2');
      const r = await env.reconcile();
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /Apply complete: 1 change applied, 2 held back/);
      assert.equal(readFileSync(file, 'utf8'), live, 'the live vhost is restored byte for byte');
      assert.equal((await httpGet(env.port, host('good0'))).body, 'good0 v1\n', 'previous version serves');
      assert.equal((await httpGet(env.port, host('good1'))).body, 'good1 v2\n', 'the good update is live');

      const good0 = await detail('Site/good0');
      assert.equal(good0.phase, 'Failed');
      assert.match(good0.lastError?.message ?? '', /invalid value "maybe" in "gzip" directive/);
      const ready = good0.conditions.find((c) => c.type === 'Ready');
      assert.match(ready?.message ?? '', /previous version keeps serving/);
      // Fixing the spec converges it.
      site('good0', 'v2');
      site('bad', 'v1');
      const fixed = await env.reconcile();
      assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
      assert.equal((await httpGet(env.port, host('good0'))).body, 'good0 v2\n');
      assert.equal((await httpGet(env.port, host('bad'))).body, 'bad v1\n');
      assert.equal((await detail('Site/good0')).phase, 'Ready');
    });

    test('a TLS certificate that does not exist: held with nginx message, live site keeps serving', async () => {
      const masters = mastersFor(env.root);
      const tls = (cert: string) =>
        `  tls: { certificate: ${cert}, key: ${env.base}/missing.key, redirect: false }\n`;
      const missing = `${env.base}/missing-cert.pem`;
      site('newtls', 'v1', tls(missing));
      site('good2', 'v2', tls(missing));
      site('good3', 'v2');
      const r = await env.reconcile();
      assert.equal(r.code, 1, r.stdout + r.stderr);
      assert.match(r.stdout, /Apply complete: 1 change applied, 2 held back/);
      for (const key of ['Site/newtls', 'Site/good2']) {
        const d = await detail(key);
        assert.equal(d.phase, 'Failed', key);
        assert.ok(
          d.lastError?.message.includes(`cannot load certificate "${missing}"`),
          d.lastError?.message,
        );
      }
      assert.equal((await httpGet(env.port, host('good2'))).body, 'good2 v1\n', 'previous version serves');
      assert.equal((await httpGet(env.port, host('good3'))).body, 'good3 v2\n');
      assert.equal((await httpGet(env.port, host('newtls'))).status, 404);
      assert.deepEqual(mastersFor(env.root).nginx, masters.nginx, 'the master kept running throughout');
      for (const name of GOOD.slice(4)) assert.equal((await httpGet(env.port, host(name))).status, 200, name);
    });
  },
);
