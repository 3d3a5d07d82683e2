// Per-pool logs on real nginx and php-fpm under `tend serve`: a Pool has its own PHP error log (written
// by its workers as the pool's user, alone in a dir that user owns) and slowlog, and with
// `accessLog: true` an access line per request with time, method, URI, status, duration, memory and
// CPU%, all under tend's log dir at the paths the layout names.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout } from '../../src/layout/layout.js';
import { httpGet, phpPairYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from './serve-harness.js';

test('a pool writes its own error log, slowlog and access log under the log dir', async (t) => {
  const env = await serveEnv(t);
  const root = join(env.www, 'plog');
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, 'work.php'),
    `<?php\n$x = str_repeat('a', 4 * 1024 * 1024);\nerror_log('plog-marker ' . ($_GET['id'] ?? ''));\nsleep((int)($_GET['s'] ?? 0));\necho "done\\n";\n`,
  );
  writeFileSync(join(root, 'health.php'), `<?php echo "ok\\n";\n`);
  env.write(
    'plog.yaml',
    phpPairYaml({
      pool: 'plog',
      site: 'plog',
      domain: 'plog.logs.test',
      root,
      maxChildren: 2,
      poolSpec: '  accessLog: true\n  slowlog: { timeout: 1s }\n',
      siteSpec: '  health: { path: /health.php }\n',
    }),
  );
  await env.start();
  await waitFor('Pool/plog Ready', async () => (await env.resource('Pool/plog'))?.phase === 'Ready', 90_000);

  const layout = embeddedLayout(env.root);
  const access = layout.php.accessLog('8.2', 'plog');
  const errors = layout.php.poolErrorLog('8.2', 'plog');
  const slow = layout.php.slowlog('8.2', 'plog');
  for (const p of [access, errors, slow]) assert.ok(p.startsWith(join(env.root, 'log/')), p);

  const r = await httpGet(env.port, 'plog.logs.test', '/work.php?id=42&s=2', 30_000);
  assert.equal(r.status, 200, r.body);

  const line = await waitFor(
    'the access line of the request',
    async () =>
      (existsSync(access) ? readFileSync(access, 'utf8') : '')
        .split('\n')
        .find((l) => l.includes('/work.php')),
    20_000,
  );
  t.diagnostic(line);
  assert.match(
    line,
    /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} GET \/work\.php\?id=42&s=2 200 (\d+(?:\.\d+)?)ms (\d+)KB \d+\.\d+%$/,
  );
  const [, ms, kb] = /([\d.]+)ms (\d+)KB/.exec(line)!;
  assert.ok(Number(ms) >= 1900, `duration ${ms} ms for a 2 s request`);
  assert.ok(Number(kb) >= 4096, `memory ${kb} KB for a request that allocated 4 MB`);

  const errorText = await waitFor(
    'the error_log() line in the pool error log',
    async () => {
      const text = existsSync(errors) ? readFileSync(errors, 'utf8') : '';
      return text.includes('plog-marker 42') ? text : undefined;
    },
    20_000,
  );
  assert.match(errorText, /plog-marker 42/);
  // The error log's dir is the pool user's own (its workers write there); nothing root writes is in it.
  const dir = statSync(join(errors, '..'));
  assert.notEqual(dir.uid, 0, 'the error log dir belongs to the pool user');
  assert.equal(dir.mode & 0o777, 0o750);
  assert.equal(statSync(join(errors, '../..')).uid, 0, 'its parent is root-owned');

  await waitFor(
    'the slowlog entry',
    async () => existsSync(slow) && readFileSync(slow, 'utf8').includes('work.php'),
    20_000,
  );
  // The global php-fpm log did not get the pool's error line: it is the pool's own.
  const global = layout.php.errorLog('8.2');
  assert.ok(
    !existsSync(global) || !readFileSync(global, 'utf8').includes('plog-marker'),
    'kept out of the shared log',
  );
});
