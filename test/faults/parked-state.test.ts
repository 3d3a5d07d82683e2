// A corrupt state file stops tend from changing anything (it must not forget what it owns), but it
// must never park the loop: the outage is reported while it lasts, and once the file is repaired
// the next retry heals the host and applies what was edited meanwhile, with no edit or reconcile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet } from '../helpers/e2e.js';
import { mastersFor, processesMentioning } from '../helpers/procs.js';
import { untrackedFiles } from '../helpers/checker.js';
import { waitFor } from '../e2e/serve-harness.js';
import { loopFault } from './loop-fixture.js';

test('a corrupt journal is reported, never parks the loop, and heals after the repair without an edit', async (t) => {
  const f = await loopFault(t);
  const { env, checker } = f;
  const journal = join(env.root, 'state/journal.json');

  writeFileSync(journal, '{"version": 2, "entries": [ garbled');
  // Reported while it lasts: /readyz says why, and one event (folding repeats) names the file.
  const ready = await waitFor('/readyz to report the corrupt journal', async () => {
    const r = await f.readyz();
    return r.status === 503 && r.reason.includes('TEND_ERR_STATE_CORRUPT') ? r : undefined;
  });
  assert.match(ready.reason, /journal\.json/);
  assert.match(ready.reason, /next attempt at/);

  // The fault the loop must heal on its own once it may: php-fpm gone, every site 502.
  const faultAt = Date.now();
  for (const pid of mastersFor(env.base).php) process.kill(pid, 'SIGQUIT');
  await waitFor('the checker to see the outage', () => checker.failuresSince(faultAt).length > 0);
  // An edit made during the outage waits for the repair, then goes live without another touch.
  env.write('a.yaml', f.yaml('a', '  headers: { X-Fault: "parked" }\n'));

  // Several failed passes later (the watcher's edit included), the events have folded.
  await waitFor(
    'repeated failures to fold into one event',
    () => {
      const failed = f.events().filter((e) => e.reason === 'PassFailed');
      return failed.length === 1 && (failed[0]!.count ?? 1) >= 3 ? failed : undefined;
    },
    60_000,
  );
  assert.match(f.events().find((e) => e.reason === 'PassFailed')!.message, /TEND_ERR_STATE_CORRUPT/);
  assert.equal((await f.readyz()).status, 503, 'still reported while the file is corrupt');

  // The operator repairs the state file (the error says how); no YAML edit, no reconcile.
  const repairedAt = Date.now();
  rmSync(journal);
  const healedAt = await checker.healthy(60_000);
  await waitFor(
    'the edit made during the outage to be served',
    async () => (await httpGet(env.port, 'a.fault.test')).headers['x-fault'] === 'parked',
    60_000,
  );
  await waitFor('/readyz to be OK again', async () => (await f.readyz()).status === 200);
  await waitFor('the recovery event', () => f.events().some((e) => e.reason === 'PassRecovered'));
  assert.deepEqual(untrackedFiles(env.root), [], 'nothing managed is left untracked');
  t.diagnostic(`healed ${healedAt - repairedAt} ms after the repair`);
});

test('tend started on a corrupt inventory changes nothing, says why, and heals once it is repaired', async (t) => {
  const f = await loopFault(t);
  const { env, checker } = f;
  const inventory = join(env.root, 'state/inventory.json');
  const good = readFileSync(inventory, 'utf8');

  env.daemon.proc.kill('SIGTERM');
  await env.daemon.exited;
  writeFileSync(inventory, good.slice(0, good.length / 2));
  const restartedAt = Date.now();

  // A daemon waiting out the backoff still stops at once when asked (run bare: start() would wait
  // for a /readyz that cannot be OK before the repair).
  const bare = env.tend('serve', '--listen', `127.0.0.1:${env.apiPort}`, '--resync', '2s');
  await waitFor('/readyz to report the corrupt inventory', async () => {
    const r = await f.readyz().catch(() => undefined);
    return r?.status === 503 && r.reason.includes('TEND_ERR_STATE_CORRUPT');
  });
  const daemon = processesMentioning(env.ds).find((p) => / serve /.test(p.cmd));
  assert.ok(daemon, 'the bare daemon runs');
  const stopAt = Date.now();
  process.kill(daemon.pid, 'SIGTERM');
  const stopped = await bare;
  t.diagnostic(`stopped ${Date.now() - stopAt} ms after SIGTERM`);
  assert.equal(stopped.code, 0, stopped.stderr);
  assert.ok(Date.now() - stopAt < 20_000, 'no pass held by the backoff delays the exit');

  // start() waits for /readyz to be OK, which it must not be until the repair.
  const started = env.start();
  started.catch(() => undefined);
  const ready = await waitFor('/readyz to report the corrupt inventory', async () => {
    const r = await f.readyz().catch(() => undefined);
    return r?.status === 503 && r.reason.includes('TEND_ERR_STATE_CORRUPT') ? r : undefined;
  });
  assert.match(ready.reason, /inventory\.json/);
  await waitFor('several failed passes', () => f.logLines('reconcile pass failed').length >= 3);
  assert.deepEqual(checker.failuresSince(restartedAt), [], 'nothing was touched: every site serves');

  writeFileSync(inventory, good);
  await started;
  await waitFor('/readyz to be OK again', async () => (await f.readyz()).status === 200);
  await waitFor('the recovery event', () => f.events().some((e) => e.reason === 'PassRecovered'));
  assert.deepEqual(checker.failuresSince(restartedAt), []);
  assert.deepEqual(untrackedFiles(env.root), []);
});
