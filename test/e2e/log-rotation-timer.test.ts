// The rotation round inside `tend serve` (issue 17 item 5, decision 0044): nobody calls rotation by
// hand here. With --log-check 1s and --log-max-size 64K, a Site's access log pushed past its size by
// a request loop is rotated by the daemon on its own, nginx reopens (its fds are on the live file
// only), and the lines across the log and its rotations count exactly the requests sent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { embeddedLayout } from '../../src/layout/layout.js';
import { childrenOf, httpGet, mastersFor, staticSiteYaml } from '../helpers/e2e.js';
import { openFiles } from '../helpers/procs.js';
import { serveEnv, waitFor } from './serve-harness.js';

const MAX = 64 * 1024;
const PAD = 'x'.repeat(400);

/** Lines of our requests across a log and its rotations. */
const requestLines = (log: string) =>
  [log, ...Array.from({ length: 5 }, (_, i) => `${log}.${i + 1}`)]
    .filter((f) => existsSync(f))
    .flatMap((f) => readFileSync(f, 'utf8').split('\n'))
    .filter((l) => /\/index\.html\?i=\d+&/.test(l));

test('tend serve rotates a Site access log past --log-max-size on its own (--log-check 1s); nginx reopens; no request line lost', async (t) => {
  const env = await serveEnv(t);
  const root = join(env.www, 'timer');
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'index.html'), 'hello\n');
  env.write('timer.yaml', staticSiteYaml('timer', root));
  await env.start(['--log-check', '1s', '--log-max-size', '64K', '--log-keep', '5']);
  await waitFor(
    'Site/timer Ready',
    async () => (await env.resource('Site/timer'))?.phase === 'Ready',
    90_000,
  );
  const log = embeddedLayout(env.root).nginx.siteLog('timer', 'access');

  // About 500 bytes a line: past 64 KB after ~130 requests. Requests go on until the daemon rotated
  // twice (the second rotation shifts .1 to .2), bounded so a daemon that never rotates fails.
  // Both files are waited for: .2 appears (.1 renamed) a moment before the log becomes the new .1.
  const rotatedTwice = () => existsSync(`${log}.1`) && existsSync(`${log}.2`);
  let sent = 0;
  for (let i = 0; i < 3_000 && !rotatedTwice(); i++) {
    const r = await httpGet(env.port, 'timer.e2e.test', `/index.html?i=${i}&pad=${PAD}`, 10_000);
    assert.equal(r.status, 200);
    sent++;
    // Paced a little: the daemon checks once a second, the loop must not outrun it by far.
    if (i % 20 === 19) await new Promise((res) => setTimeout(res, 100));
  }
  t.diagnostic(
    `${sent} requests; daemon log:\n${env.daemon
      .log()
      .split('\n')
      .filter((l) => /logs rotated/.test(l))
      .join('\n')}`,
  );
  assert.ok(rotatedTwice(), `the daemon rotated ${log} twice within ${sent} requests`);
  // The daemon's stdout reaches this process in its own time.
  await waitFor('"logs rotated" in the daemon log', () => /logs rotated/.test(env.daemon.log()), 20_000);
  // A rotation happens within a round of the limit: no generation is far past 64 KB.
  for (const f of [`${log}.1`, `${log}.2`])
    assert.ok(statSync(f).size < 4 * MAX, `${f}: ${statSync(f).size} bytes`);

  // nginx (master and workers) holds the live file, nothing rotated or deleted.
  const { nginx } = mastersFor(env.root);
  const pids = [...nginx, ...nginx.flatMap((m) => childrenOf(m))];
  let last = '';
  await waitFor(
    'nginx on the live log only',
    async () => {
      const files = pids.flatMap((p) => openFiles(p));
      const stale = files.filter(
        (f) => f.startsWith(`${log}.`) || (f.startsWith(env.root) && f.endsWith(' (deleted)')),
      );
      last = JSON.stringify(files.filter((f) => f.includes('/log/')));
      return stale.length === 0 && files.includes(log);
    },
    20_000,
  ).catch((err: Error) => assert.fail(`${err.message}: ${last}`));

  const lines = await waitFor(
    `${sent} request lines`,
    async () => {
      const l = requestLines(log);
      return l.length >= sent ? l : undefined;
    },
    20_000,
  ).catch(() => requestLines(log));
  const ids = lines.map((l) => Number(/\?i=(\d+)&/.exec(l)![1]));
  assert.equal(lines.length, sent, `${lines.length} lines for ${sent} requests`);
  assert.equal(new Set(ids).size, sent, 'every request exactly once');
});
