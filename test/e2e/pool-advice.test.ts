// Capacity advice on real php-fpm: workers that each allocate a known amount (48 MiB) are measured
// from /proc, and `tend advise` suggests a pm.maxChildren within 20 % of the count that really fits,
// computed here independently (given memory / (48 MiB + an idle worker's PSS)). Advice never edits.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, mastersFor, processesMentioning } from '../helpers/e2e.js';
import { serveEnv, waitFor } from './serve-harness.js';

const ALLOC_MIB = 48;
const PLAN_MEMORY_MIB = 2048;

const pssBytes = (pid: number) =>
  Number(/^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))![1]) * 1024;

test('advice for workers that each allocate 48 MiB lands within 20 % of the count that fits', async (t) => {
  const env = await serveEnv(t);
  const name = 'advx48';
  const root = join(env.www, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(
    join(root, 'alloc.php'),
    `<?php\n$s = str_repeat('x', ${ALLOC_MIB} * 1024 * 1024);\nusleep(800000);\necho strlen($s), "\\n";\n`,
  );
  writeFileSync(join(root, 'health.php'), `<?php echo "ok\\n";\n`);
  const spec = `apiVersion: tend/v1
kind: Pool
metadata: { name: ${name} }
spec:
  php: "8.2"
  pm: { type: static, maxChildren: 3 }
---
apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${name}.adv.test]
  preset: php
  root: ${root}
  php: { pool: ${name} }
  health: { path: /health.php }
`;
  env.write(`${name}.yaml`, spec);
  await env.start();
  await waitFor('Pool Ready', async () => (await env.resource(`Pool/${name}`))?.phase === 'Ready', 90_000);

  // The truth, measured here: an idle worker's PSS before any request, plus what each request holds.
  const master = mastersFor(env.root).php[0];
  assert.ok(master, 'php-fpm master running');
  // The status pool (pm.status_listen) forks its own worker, titled after the pool too.
  const workers = processesMentioning(`php-fpm: pool ${name}`).filter(
    (p) => p.ppid === master && p.cmd.trim() === `php-fpm: pool ${name}`,
  );
  assert.equal(workers.length, 3, JSON.stringify(workers));
  const idle = Math.max(...workers.map((w) => pssBytes(w.pid)));
  const truth = Math.floor((PLAN_MEMORY_MIB * 2 ** 20) / (ALLOC_MIB * 2 ** 20 + idle));

  // Two rounds of 3 concurrent requests, so every worker has served one and freed its memory again.
  for (let round = 0; round < 2; round++) {
    const answers = await Promise.all(
      [0, 1, 2].map(() => httpGet(env.port, `${name}.adv.test`, '/alloc.php', 30_000)),
    );
    assert.deepEqual(
      answers.map((a) => a.body.trim()),
      Array(3).fill(String(ALLOC_MIB * 2 ** 20)),
    );
  }
  const run = await env.tend(
    'advise',
    `Pool/${name}`,
    '--memory',
    `${PLAN_MEMORY_MIB}m`,
    '--margin',
    '0',
    '--json',
  );
  assert.equal(run.code, 0, run.stderr);
  const advice = JSON.parse(run.stdout) as {
    maxChildren: number;
    current: number;
    basis: string;
    perWorkerBytes: number;
  };
  t.diagnostic(
    `idle PSS ${(idle / 2 ** 20).toFixed(1)} MiB, truth ${truth}, advice ${advice.maxChildren}: ${advice.basis}`,
  );
  assert.ok(
    Math.abs(advice.maxChildren - truth) <= 0.2 * truth,
    `advice ${advice.maxChildren} vs ${truth}: ${advice.basis}`,
  );
  assert.equal(advice.current, 3);
  assert.match(advice.basis, /2048 MiB host − 0 MiB margin − \d+ MiB nginx − 0 MiB other pools/);
  assert.match(advice.basis, /measured by PSS/);
  assert.equal(readFileSync(join(env.ds, `${name}.yaml`), 'utf8'), spec, 'the advice changed no spec');

  // The same figures reach the Pool's status once it is probed.
  await env.api('POST', '/v1/reconcile', { resource: `Pool/${name}` });
  const health = (await env.resource(`Pool/${name}`))?.health as
    { advice?: { maxChildren: number; basis: string }; worker?: { perWorkerBytes: number } } | undefined;
  assert.ok(health?.advice && health.worker, JSON.stringify(health));
  assert.ok(Math.abs(health.worker.perWorkerBytes - advice.perWorkerBytes) <= 0.1 * advice.perWorkerBytes);
  assert.match(health.advice.basis, /per worker/);
});
