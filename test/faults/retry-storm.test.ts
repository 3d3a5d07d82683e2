// No retry storms: with the desired-state dir deleted, every pass fails alike; failed passes back off
// as a whole (not one retry per key), their events fold into one with a count, deleting the source
// deletes nothing, and restoring the dir heals at once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { untrackedFiles } from '../helpers/checker.js';
import { sleep, waitFor } from '../e2e/serve-harness.js';
import { loopFault } from './loop-fixture.js';

const GONE_MS = 8_000;

test('a deleted desired-state dir backs passes off as a whole, folds their events, and prunes nothing', async (t) => {
  // A 10 s resync lets the backoff grow 1, 2, 4, 8 s; resyncs and retries wait for it.
  const f = await loopFault(t, { extra: ['--resync', '10s'] });
  const { env, checker } = f;
  const inventory = () =>
    Object.keys(
      (JSON.parse(readFileSync(join(env.root, 'state/inventory.json'), 'utf8')) as { resources: object })
        .resources,
    ).sort();
  const owned = inventory();
  assert.equal(owned.length, 6);
  const files = new Map(readdirSync(env.ds).map((n) => [n, readFileSync(join(env.ds, n), 'utf8')]));
  const failedBefore = f.logLines('reconcile pass failed').length;
  const eventsBefore = f.events().length;

  const deletedAt = Date.now();
  rmSync(env.ds, { recursive: true });
  const ready = await waitFor('/readyz to say the source is unreadable', async () => {
    const r = await f.readyz();
    return r.status === 503 && r.reason.includes('TEND_ERR_SOURCE_UNREADABLE') ? r : undefined;
  });
  assert.match(ready.reason, /reconcile passes are failing/);
  await sleep(Math.max(0, GONE_MS - (Date.now() - deletedAt)));

  // The log and the event log are written in the background: wait until both caught up.
  const { failed, passFailed } = await waitFor('the failed passes to be logged and recorded', () => {
    const n = f.logLines('reconcile pass failed').length - failedBefore;
    const events = f
      .events()
      .slice(eventsBefore)
      .filter((e) => e.reason === 'PassFailed');
    return events.length > 0 && (events.at(-1)!.count ?? 1) === n
      ? { failed: n, passFailed: events }
      : undefined;
  });
  t.diagnostic(`${failed} failed passes in ${Date.now() - deletedAt} ms with the dir gone`);
  // Waits of 1, 2, 4 s: four attempts in 8 s, one or two more for the deletion's own file events
  // (which end a wait). Before the backoff the report saw 413 in 35 s: about 95 in 8 s.
  assert.ok(failed >= 2, `passes were retried (${failed})`);
  assert.ok(failed <= 8, `failed passes back off as a whole: ${failed} in ${GONE_MS} ms`);
  const retries = f.logLines('reconcile pass failed').map((l) => Number(l.retryInMs));
  assert.ok(retries.at(-1)! > retries[failedBefore]!, `the wait grows: ${retries.join(', ')}`);
  assert.equal(
    passFailed.length,
    1,
    'identical failures fold into one event, with a count of every failed pass',
  );
  assert.match(passFailed[0]!.message, /TEND_ERR_SOURCE_UNREADABLE/);
  const storm = f.events().slice(eventsBefore);
  assert.ok(
    storm.length <= 3,
    `the storm did not flood the event log: ${storm.map((e) => e.reason).join(', ')}`,
  );

  // Restoring the dir heals at once: the watcher sees it come back and ends the wait.
  const restoredAt = Date.now();
  mkdirSync(env.ds);
  for (const [name, text] of files) writeFileSync(join(env.ds, name), text);
  await waitFor('/readyz to be OK again', async () => (await f.readyz()).status === 200, 30_000);
  t.diagnostic(`ready again ${Date.now() - restoredAt} ms after the restore`);
  // The event log is written in the background, and a pass may fail once more between the count
  // above and the restore: the recovery counts every failed pass up to it.
  const recovered = await waitFor('the recovery to be recorded', () =>
    f
      .events()
      .slice(eventsBefore)
      .find((e) => e.reason === 'PassRecovered'),
  );
  const counted = Number(/after (\d+) failed pass/.exec(recovered.message)?.[1]);
  assert.ok(counted >= failed, `the recovery counts every failed pass: ${recovered.message}`);
  await waitFor(
    `the log to hold the ${counted} failed passes the recovery counts`,
    () => f.logLines('reconcile pass failed').length - failedBefore === counted,
  );

  // Deleting the source pruned nothing: every site served throughout, the inventory is whole.
  assert.deepEqual(checker.failuresSince(deletedAt), []);
  assert.deepEqual(inventory(), owned);
  assert.deepEqual(untrackedFiles(env.root), []);
});
