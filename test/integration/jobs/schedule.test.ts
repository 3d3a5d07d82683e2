// Schedules through the injectable clock with real processes: the right minutes in a named zone
// across a DST change, missed runs within and beyond startingDeadline (once, never once per tick).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { job, jobRig, until } from './helpers.js';

const at = (iso: string) => Date.parse(iso);
const MIN = 60_000;

test('a 09:00 Europe/Berlin schedule fires at 08:00Z before the spring DST change and 07:00Z after it', async (t) => {
  const rig = jobRig(t, at('2026-03-28T07:50:00Z'));
  await rig.runner.apply([
    job('daily', { command: ['true'], schedule: '0 9 * * *', timeZone: 'Europe/Berlin' }),
  ]);
  const tickThrough = async (fromIso: string, toIso: string) => {
    for (let now = at(fromIso); now <= at(toIso); now += MIN) {
      rig.clock.t = now;
      await rig.runner.tick();
    }
  };
  await tickThrough('2026-03-28T07:50:00Z', '2026-03-28T08:10:00Z');
  // Virtual days pass in milliseconds: let the first run end so forbid does not skip the second.
  await until('the first run to finish', () => rig.runner.running('daily').length === 0);
  // A quiet day passes in one step: no due time in between, so nothing is "missed".
  await tickThrough('2026-03-29T06:50:00Z', '2026-03-29T08:10:00Z');
  const runs = await until('both runs to finish', () => {
    const list = rig.runner.history.list('daily');
    return list.length === 2 && list.every((r) => r.outcome !== 'running') && list;
  });
  assert.deepEqual(runs.map((r) => new Date(r.dueAt!).toISOString()).sort(), [
    '2026-03-28T08:00:00.000Z',
    '2026-03-29T07:00:00.000Z',
  ]);
  assert.deepEqual(
    runs.map((r) => [r.trigger, r.outcome]),
    [
      ['schedule', 'succeeded'],
      ['schedule', 'succeeded'],
    ],
  );
  assert.equal(rig.runner.nextRun('daily'), at('2026-03-30T07:00:00Z'));
});

test('runs missed while tend was down run once at start within startingDeadline, not once per tick', async (t) => {
  const rig = jobRig(t, at('2026-06-01T09:59:00Z'));
  const spec = { command: ['true'], schedule: '0 * * * *', startingDeadline: '10m' };
  await rig.runner.apply([job('hourly', spec)]);
  await rig.runner.tick();
  await rig.runner.stop();
  // tend is down from 09:59 to 13:05: four due times (10:00 … 13:00) pass unseen.
  rig.clock.t = at('2026-06-01T13:05:00Z');
  const after = rig.restart();
  await after.apply([job('hourly', spec)]);
  await after.tick();
  const runs = await until('the catch-up run to finish', () => {
    const list = after.history.list('hourly');
    return list.length === 1 && list[0]!.outcome === 'succeeded' && list;
  });
  assert.equal(runs[0]!.trigger, 'missed');
  assert.equal(runs[0]!.dueAt, at('2026-06-01T13:00:00Z'));
  // A second look at the same moment runs nothing more.
  await after.tick();
  assert.equal(after.history.list('hourly').length, 1);
});

test('runs missed beyond startingDeadline are skipped with a warning event', async (t) => {
  const rig = jobRig(t, at('2026-06-01T09:59:00Z'));
  const spec = { command: ['true'], schedule: '0 * * * *', startingDeadline: '10m' };
  await rig.runner.apply([job('hourly', spec)]);
  await rig.runner.tick();
  await rig.runner.stop();
  rig.clock.t = at('2026-06-01T13:30:00Z');
  const after = rig.restart();
  await after.apply([job('hourly', spec)]);
  await after.tick();
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(after.history.list('hourly').length, 0);
  assert.ok(
    rig.events.some((e) => e.reason === 'MissedRunSkipped' && /4 run\(s\) missed/.test(e.message)),
    JSON.stringify(rig.events),
  );
});
