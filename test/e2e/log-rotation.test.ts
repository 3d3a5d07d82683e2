// Embedded log rotation on real nginx and php-fpm under `tend serve`, while a client sends requests
// one after another: logs pushed past their size rotate (renamed to .1, .2 …, a small log is left
// alone), both masters are told to reopen (USR1) and then write to the new files (checked through
// /proc/<pid>/fd: no fd on a deleted file, none on a rotated one), and no request line is lost: the
// lines across a log and its rotations count exactly the requests sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../src/host/real-host.js';
import { embeddedLayout } from '../../src/layout/layout.js';
import { rotateEmbeddedLogs } from '../../src/runtime/log-rotate.js';
import { childrenOf, httpGet, mastersFor, phpPairYaml } from '../helpers/e2e.js';
import { openFiles } from '../helpers/procs.js';
import { serveEnv, waitFor } from './serve-harness.js';

const REQUESTS = 300;

/** Every line of a log and its rotations that names one of our requests. */
function requestLines(path: string): string[] {
  const files = [path, ...Array.from({ length: 50 }, (_, i) => `${path}.${i + 1}`)].filter((f) =>
    existsSync(f),
  );
  return files
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => /\/work\.php\?i=\d+/.test(l));
}

test('logs past their size rotate under a request loop; masters reopen; no line lost', async (t) => {
  const env = await serveEnv(t);
  const root = join(env.www, 'rot');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'work.php'), `<?php echo "ok\\n";\n`);
  writeFileSync(join(root, 'health.php'), `<?php echo "ok\\n";\n`);
  env.write(
    'rot.yaml',
    phpPairYaml({
      pool: 'rot',
      site: 'rot',
      domain: 'rot.logs.test',
      root,
      maxChildren: 3,
      poolSpec: '  accessLog: true\n',
      siteSpec: '  health: { path: /health.php }\n',
    }),
  );
  await env.start();
  await waitFor('Pool/rot Ready', async () => (await env.resource('Pool/rot'))?.phase === 'Ready', 90_000);
  const layout = embeddedLayout(env.root);
  const host = createRealHost();
  const nginxLog = layout.nginx.siteLog('rot', 'access');
  const fpmLog = layout.php.accessLog('8.2', 'rot');
  const limits = { maxBytes: 4096, keep: 50 };

  // Requests in a loop, at least REQUESTS and until both logs rotated three times; rotation rounds run
  // meanwhile, each time the logs have grown past the limit.
  const rounds: string[][] = [];
  const rotatedTimes = (log: string) => rounds.filter((r) => r.includes(log)).length;
  let sent = 0;
  let done = false;
  const loop = (async () => {
    for (
      let i = 0;
      i < 5_000 && (i < REQUESTS || rotatedTimes(nginxLog) < 3 || rotatedTimes(fpmLog) < 3);
      i++
    ) {
      const r = await httpGet(env.port, 'rot.logs.test', `/work.php?i=${i}`, 10_000);
      assert.equal(r.status, 200, `request ${i}: ${r.status} ${r.body}`);
      sent++;
    }
  })().finally(() => (done = true));
  while (!done) {
    const r = await rotateEmbeddedLogs(host, layout, limits);
    if (r.rotated.length > 0) rounds.push(r.rotated);
    await new Promise((res) => setTimeout(res, 20));
  }
  await loop;
  t.diagnostic(`${rounds.length} rotation rounds during ${sent} requests`);
  assert.ok(rotatedTimes(nginxLog) >= 3 && rotatedTimes(fpmLog) >= 3, JSON.stringify(rounds));
  assert.ok(existsSync(`${nginxLog}.2`) && existsSync(`${fpmLog}.2`), 'older generations shifted up');
  assert.ok(!rounds.flat().includes(layout.nginx.errorLog), 'a log under its size stays');

  // Every request has exactly one line in nginx's log set and one in php-fpm's.
  for (const log of [nginxLog, fpmLog]) {
    const lines = await waitFor(
      `${sent} request lines in ${log}*`,
      async () => {
        const l = requestLines(log);
        return l.length >= sent ? l : undefined;
      },
      20_000,
    );
    const ids = lines.map((l) => Number(/\/work\.php\?i=(\d+)/.exec(l)![1]));
    assert.equal(lines.length, sent, `${log}: ${lines.length} lines for ${sent} requests`);
    assert.equal(new Set(ids).size, sent, `${log}: every request once`);
  }

  // The masters (and nginx's workers) write to the live files: nothing open is deleted or rotated.
  const masters = mastersFor(env.root);
  const pids = [...masters.nginx, ...masters.php, ...masters.nginx.flatMap((m) => childrenOf(m))];
  let last = '';
  await waitFor(
    'every fd on the live logs',
    async () => {
      const files = pids.flatMap((p) => openFiles(p).map((f) => `${p}:${f}`));
      const stale = files.filter(
        (f) => f.includes(`:${env.root}/log/`) && (f.endsWith(' (deleted)') || /\.log\.\d+$/.test(f)),
      );
      last = JSON.stringify({ stale, logs: files.filter((f) => f.includes('/log/')) });
      return (
        stale.length === 0 &&
        files.some((f) => f.endsWith(`:${nginxLog}`)) &&
        files.some((f) => f.endsWith(`:${fpmLog}`))
      );
    },
    20_000,
  ).catch((err: Error) => assert.fail(`${err.message}: ${last}`));
  const r = await httpGet(env.port, 'rot.logs.test', '/work.php?i=last', 10_000);
  assert.equal(r.status, 200);
  await waitFor(
    'the next request in the new files',
    async () =>
      readFileSync(nginxLog, 'utf8').includes('i=last') && readFileSync(fpmLog, 'utf8').includes('i=last'),
    20_000,
  );
});
