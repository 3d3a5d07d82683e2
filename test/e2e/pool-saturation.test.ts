// Pools seen from inside, on real nginx and php-fpm under `tend serve`: a pool of two workers loaded by
// ten slow requests turns Saturated (Degraded, with the figures) within one probe interval and
// recovers; a request over the slowlog timeout becomes a SlowRequest event naming its script and top
// frame; the status page answers tend on its own socket and never through nginx.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, phpPairYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from './serve-harness.js';

type Condition = { type: string; status: string; message: string };
type Status = { phase?: string; conditions?: Condition[]; health?: Record<string, unknown> };
type Event = { reason: string; message: string; type: string };

const condition = (st: Status | undefined, type: string) => st?.conditions?.find((c) => c.type === type);

async function sleepySite(t: Parameters<typeof serveEnv>[0], name: string, poolSpec: string) {
  const env = await serveEnv(t);
  const root = join(env.www, name);
  mkdirSync(root, { recursive: true });
  writeFileSync(join(root, 'sleep.php'), `<?php\nsleep((int)($_GET['s'] ?? 0));\necho "slept\\n";\n`);
  env.write(
    `${name}.yaml`,
    phpPairYaml({
      pool: name,
      site: name,
      domain: `${name}.sat.test`,
      root,
      maxChildren: 2,
      poolSpec,
      siteSpec: '  health: { path: /health.php }\n',
    }),
  );
  // The Site's health path answers at once: only the pool's own figures can say it is saturated.
  writeFileSync(join(root, 'health.php'), `<?php echo "ok\\n";\n`);
  await env.start();
  const key = `Pool/${name}`;
  const status = async () => (await env.resource(key)) as Status | undefined;
  await waitFor(`${key} Ready`, async () => (await status())?.phase === 'Ready', 90_000);
  const events = async () =>
    ((await env.api('GET', `/v1/resources/${key}`)).body as { events?: Event[] }).events ?? [];
  return { env, key, status, events, host: `${name}.sat.test` };
}

/** One `tend_fpm_*` sample of a pool from a live /metrics (undefined when absent). */
async function fpmSample(
  env: Awaited<ReturnType<typeof serveEnv>>,
  series: string,
  pool: string,
): Promise<number | undefined> {
  const r = await env.api('GET', '/metrics');
  assert.equal(r.status, 200);
  const line = String(r.body)
    .split('\n')
    .find((l) => l.startsWith(`${series}{pool="${pool}"} `));
  return line === undefined ? undefined : Number(line.split(' ')[1]);
}

test('a pool of 2 workers under 10 slow requests turns Saturated within a probe interval, then recovers', async (t) => {
  const { env, key, status, events, host } = await sleepySite(t, 'sat', '');
  const before = await status();
  assert.equal(condition(before, 'Saturated')?.status, 'False', JSON.stringify(before?.conditions));
  const fpm = before?.health?.fpm as Record<string, unknown> | undefined;
  assert.ok(
    fpm && typeof fpm.acceptedConn === 'number' && typeof fpm.startTime === 'string',
    JSON.stringify(before?.health),
  );
  // /metrics serves the same figures, labelled by the pool's name only.
  assert.equal(await fpmSample(env, 'tend_fpm_total_processes', 'sat'), fpm.totalProcesses);
  assert.equal(
    await fpmSample(env, 'tend_fpm_start_time_seconds', 'sat'),
    Math.floor(Date.parse(fpm.startTime) / 1000),
  );
  const acceptedBefore = (await fpmSample(env, 'tend_fpm_accepted_connections_total', 'sat')) ?? NaN;
  const reachedBefore = (await fpmSample(env, 'tend_fpm_max_children_reached_total', 'sat')) ?? NaN;
  assert.ok(Number.isFinite(acceptedBefore) && Number.isFinite(reachedBefore));

  // 10 requests of 4 s on 2 workers: the queue lasts ~16 s, far less than the 10 min probe age, and
  // the last request waits ~20 s, well inside nginx's fastcgi_read_timeout.
  const loadAt = Date.now();
  const load = Array.from({ length: 10 }, () =>
    httpGet(env.port, host, '/sleep.php?s=4', 120_000).then((r) => ({ ...r, ms: Date.now() - loadAt })),
  );
  const saturated = await waitFor(
    `${key} Saturated`,
    async () => {
      const st = await status();
      return condition(st, 'Saturated')?.status === 'True' ? st : undefined;
    },
    25_000,
  );
  const seenAfter = Date.now() - loadAt;
  t.diagnostic(`Saturated seen ${seenAfter} ms after the load started (resync 2 s)`);
  assert.equal(saturated.phase, 'Degraded');
  const message = condition(saturated, 'Saturated')!.message;
  assert.match(
    message,
    /^saturated: \d+ connections? queued, [0-2]\/2 workers active, max children reached \d+/,
    message,
  );
  assert.match(condition(saturated, 'Healthy')!.message, /saturated: /);
  assert.ok((await events()).some((e) => e.reason === 'SaturationStarted' && e.type === 'Warning'));
  const satFpm = saturated.health?.fpm as { queued: number; activeProcesses: number };
  const queuedSeries = (await fpmSample(env, 'tend_fpm_listen_queue', 'sat')) ?? -1;
  const activeSeries = (await fpmSample(env, 'tend_fpm_active_processes', 'sat')) ?? -1;
  t.diagnostic(
    `while saturated: status queued ${satFpm.queued}, metrics queue ${queuedSeries}, active ${activeSeries}`,
  );
  assert.ok(queuedSeries >= 0 && activeSeries >= 0, 'the saturated pool is in /metrics');
  assert.ok(
    queuedSeries > 0 || activeSeries === 2,
    'the metrics show the load: a queue or every worker busy',
  );

  const answers = await Promise.all(load);
  t.diagnostic(`answers after ${answers.map((a) => a.ms).join(', ')} ms`);
  assert.deepEqual(
    answers.map((a) => a.status),
    Array(10).fill(200),
    'every queued request was served in the end',
  );
  await waitFor(
    `${key} no longer Saturated and Ready`,
    async () => {
      const st = await status();
      return condition(st, 'Saturated')?.status === 'False' && st?.phase === 'Ready';
    },
    30_000,
  );
  const ended = (await events()).find((e) => e.reason === 'SaturationEnded');
  assert.ok(ended, JSON.stringify(await events()));
  // The counters grew by the load (10 more connections) and follow php-fpm's own figure.
  const after = (await status())?.health?.fpm as { maxChildrenReached: number };
  const acceptedAfter = (await fpmSample(env, 'tend_fpm_accepted_connections_total', 'sat')) ?? NaN;
  const reachedAfter = (await fpmSample(env, 'tend_fpm_max_children_reached_total', 'sat')) ?? NaN;
  assert.ok(acceptedAfter - acceptedBefore >= 10, `accepted ${acceptedBefore} → ${acceptedAfter}`);
  assert.equal(reachedAfter, after.maxChildrenReached, 'one php-fpm start: the counter is its figure');
  const fpmLines = String((await env.api('GET', '/metrics')).body)
    .split('\n')
    .filter((l) => l.startsWith('tend_fpm_'));
  assert.ok(fpmLines.length >= 10, fpmLines.join('\n'));
  for (const l of fpmLines)
    assert.match(l, /^tend_fpm_[a-z_]+\{pool="sat"\} \d+(\.\d+)?$/, 'the pool name is the only label');
});

test('a request over request_slowlog_timeout is a SlowRequest event naming the script and top frame', async (t) => {
  const { env, events, host } = await sleepySite(t, 'slo', '  slowlog: { timeout: 1s }\n');
  const r = await httpGet(env.port, host, '/sleep.php?s=3', 30_000);
  assert.equal(r.status, 200);
  const slow = await waitFor(
    'a SlowRequest event',
    async () => (await events()).find((e) => e.reason === 'SlowRequest'),
    30_000,
  );
  assert.match(slow.message, /script \S*\/slo\/sleep\.php/, slow.message);
  assert.match(slow.message, /top frame sleep\(\) \S*sleep\.php:2/, slow.message);
});

test('the status page answers tend on its socket and is never served through nginx', async (t) => {
  const { env, status, host } = await sleepySite(t, 'sst', '');
  const st = await status();
  assert.equal((st?.health as { statusPath?: string }).statusPath, '/fpm-status');
  assert.ok(st?.health?.fpm, 'tend read the status page');
  for (const path of ['/fpm-status', '/fpm-status?json&full', '/fpm-status.php', '/sleep.php/fpm-status']) {
    const r = await httpGet(env.port, host, path);
    assert.ok(!/accepted conn|start time/i.test(r.body), `${path} exposed the status page: ${r.body}`);
    if (path !== '/sleep.php/fpm-status') assert.ok([403, 404].includes(r.status), `${path}: ${r.status}`);
  }
});
