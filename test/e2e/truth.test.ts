// Status that never lies (issue 14), on real nginx and php-fpm through the CLI: one test per lie of
// items 1, 2, 3 and 5. Items 4 and 6 live in truth-offline.test.ts and truth-metrics.test.ts.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { freePort, httpGet, staticSiteYaml } from '../helpers/e2e.js';
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
