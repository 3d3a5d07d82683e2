// The cgroup module on this host's real hierarchies: v2 (cgroup.kill) and v1's freezer, each chosen by
// handing detect() a mountinfo with only that hierarchy. A child born through runInside() is in the
// group with everything it forks, setsid or not; kill() empties it; tend itself is never a member.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Cgroups } from '../../../src/host/cgroup.js';

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
