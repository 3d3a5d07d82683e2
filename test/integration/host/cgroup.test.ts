// The cgroup module on this host's real hierarchies: v2 (cgroup.kill) and v1's freezer, each chosen by
// handing detect() a mountinfo with only that hierarchy. A child born through runInside() is in the
// group with everything it forks, setsid or not; kill() empties it; tend itself is never a member.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { test } from 'node:test';
import { Cgroups } from '../../../src/host/cgroup.js';

/** Removes a test's scope directory once its groups are gone (it may still hold another test's). */
const tidy = (groupDir: string) => {
  try {
    rmdirSync(dirname(groupDir));
  } catch {
    /* not empty */
  }
};

const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
const only = (match: (line: string) => boolean) =>
  mountinfo
    .split('\n')
    .filter((l) => !/ - cgroup2? /.test(l) || match(l))
    .join('\n');
const variants = {
  v2: only((l) => / - cgroup2 /.test(l)),
  'v1-freezer': only((l) => / - cgroup /.test(l) && /[ ,]freezer\b/.test(l)),
};

for (const [kind, info] of Object.entries(variants)) {
  const cgroups = Cgroups.detect({ mountinfo: info });
  test(
    `${kind}: a setsid double fork born in the group stays in it, and kill() ends all of it`,
    { skip: cgroups.kind === kind ? false : `no ${kind} here: ${cgroups.reason}` },
    async () => {
      const group = cgroups.create('test', `${process.pid}.${kind}`);
      const before = readFileSync('/proc/self/cgroup', 'utf8');
      group.runInside(() =>
        spawn('sh', ['-c', 'setsid sh -c "sleep 1000 & sleep 1000" & exit 0'], { stdio: 'ignore' }),
      );
      assert.equal(readFileSync('/proc/self/cgroup', 'utf8'), before, 'tend is back in its own group');
      const deadline = Date.now() + 10_000;
      while (group.pids().length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const pids = group.pids();
      assert.ok(pids.length >= 3, `the escapes are members: ${pids.join(',')}`);
      assert.ok(!pids.includes(process.pid));
      assert.equal(await group.kill(), true);
      assert.deepEqual(group.pids(), []);
      assert.equal(group.remove(), true);
      tidy(group.dir);
    },
  );
}

test('detect() says why there are no cgroups when none is mounted', () => {
  const none = Cgroups.detect({ mountinfo: '', selfCgroup: '' });
  assert.equal(none.available, false);
  assert.match(none.reason, /no cgroup2 mount/);
  assert.throws(() => none.create('terminal', 'x'), /unavailable/);
  assert.equal(Cgroups.unavailable('off by operator').reason, 'off by operator');
});

test("reapAbandoned() ends the groups of a dead owner and leaves a live owner's alone", async (t) => {
  const cgroups = Cgroups.detect();
  if (!cgroups.available) return t.skip(`no cgroups here: ${cgroups.reason}`);
  const gone = spawnSync('true').pid!;
  const abandoned = cgroups.create('test-reap', `${gone}.crashed`);
  const mine = cgroups.create('test-reap', `${process.pid}.live`);
  const left = abandoned.runInside(() =>
    spawn('setsid', ['sleep', '1000'], { stdio: 'ignore', detached: true }),
  );
  const kept = mine.runInside(() => spawn('sleep', ['1000'], { stdio: 'ignore' }));
  t.after(async () => {
    kept.kill('SIGKILL');
    await mine.kill();
    mine.remove();
    tidy(mine.dir);
  });
  const deadline = Date.now() + 5_000;
  while (abandoned.pids().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(await cgroups.reapAbandoned('test-reap'), [`${gone}.crashed`]);
  assert.deepEqual(abandoned.pids(), []);
  assert.equal(existsSync(abandoned.dir), false);
  assert.ok(mine.pids().includes(kept.pid!), "a live owner's group is untouched");
  assert.ok(left.pid);
});

test("removeEmptyAbandoned() removes a dead owner's empty groups only: a populated one may be adopted", async (t) => {
  const cgroups = Cgroups.detect();
  if (!cgroups.available) return t.skip(`no cgroups here: ${cgroups.reason}`);
  const gone = spawnSync('true').pid!;
  const empty = cgroups.create('test-empty', `${gone}.ended`);
  const adopted = cgroups.create('test-empty', `${gone}.adopted`);
  const mine = cgroups.create('test-empty', `${process.pid}.fresh`);
  const running = adopted.runInside(() => spawn('sleep', ['1000'], { stdio: 'ignore' }));
  t.after(async () => {
    running.kill('SIGKILL');
    for (const g of [adopted, mine]) {
      await g.kill();
      g.remove();
    }
    tidy(mine.dir);
  });
  const deadline = Date.now() + 5_000;
  while (adopted.pids().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(cgroups.removeEmptyAbandoned('test-empty'), [`${gone}.ended`]);
  assert.equal(existsSync(empty.dir), false);
  assert.ok(adopted.pids().includes(running.pid!), 'a populated group and its process are untouched');
  assert.equal(existsSync(mine.dir), true, "a live owner's empty group stays");
});

test('kill() on a group another handle removed already resolves (a run settles after a recovery removed it)', async (t) => {
  const cgroups = Cgroups.detect();
  if (!cgroups.available) return t.skip(`no cgroups here: ${cgroups.reason}`);
  const first = cgroups.create('test-gone', `${process.pid}.twice`);
  const second = cgroups.open('test-gone', `${process.pid}.twice`)!;
  assert.equal(first.remove(), true);
  tidy(first.dir);
  assert.equal(await second.kill(100), true);
  assert.equal(second.remove(), false);
});
