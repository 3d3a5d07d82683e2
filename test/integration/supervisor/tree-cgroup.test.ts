// Every native Program instance runs in its own cgroup, limits or not: a process its script started
// with setsid() (out of the process group a stop signals) is still stopped, whether the instance is
// stopped by an operator, deleted, or adopted by a new supervisor first; its group is removed after.
// Without cgroups, status says so and a stop falls back to the process group.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cgroups, hostCgroups } from '../../../src/host/cgroup.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { programStatus } from '../../../src/runtime/program-status.js';
import { newStatus } from '../../../src/state/conditions.js';
import { Supervisor } from '../../../src/supervisor/index.js';
import type { ProgramStatus } from '../../../src/supervisor/index.js';
import { alive, program, rig, until } from './helpers.js';

const cgroups = hostCgroups();
const noCgroups = cgroups.available ? false : `no cgroups here: ${cgroups.reason}`;

const readPid = (file: string) => () => {
  try {
    return Number(readFileSync(file, 'utf8').trim()) || undefined;
  } catch {
    return undefined;
  }
};

/** The session id of a live process (field 6 of /proc/<pid>/stat). */
const sessionOf = (pid: number) => readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ')[3];

/**
 * A Program without limits whose shell starts an escapee in its own session, then waits. The
 * escapee sets its trap, then writes its pid (so a test that read the pid stops a trapped escapee),
 * then runs `then`.
 */
function escaper(name: string, pidFile: string, trap: string, then: string) {
  return program(name, {
    command: [`setsid sh -c '${trap}; echo $$ > ${pidFile}; ${then}' & exec sleep 300`],
    shell: true,
    user: 'root',
    allowRoot: true,
    startSeconds: 0,
    stop: { timeout: '1s' },
  });
}

/** The instance's cgroup directory while it runs, from its status. */
async function groupDirOf(status: () => ProgramStatus | undefined): Promise<string> {
  const name = await until('the instance to report its cgroup', () => status()?.instances[0]?.cgroup);
  const dir = cgroups.open('programs', name)?.dir;
  assert.ok(dir && existsSync(dir), `the group ${name} exists`);
  return dir;
}

test(
  'an operator stop ends a setsid() escape of a Program without limits: it gets the stop signal, and the group is removed',
  { skip: noCgroups },
  async (t) => {
    const r = rig(t);
    const pidFile = join(r.root, 'escaped.pid');
    const termFile = join(r.root, 'escapee-got-term');
    // The escapee leaves on SIGTERM after writing a file: the graceful stop reached it.
    await r.sup.apply([
      escaper(
        'worker',
        pidFile,
        `trap "echo term > ${termFile}; exit 0" TERM`,
        'while :; do sleep 0.2; done',
      ),
    ]);
    const escaped = await until('the escaped pid', readPid(pidFile));
    assert.equal(sessionOf(escaped), String(escaped), 'it left the session and the process group');
    const dir = await groupDirOf(() => r.sup.statusOf('worker'));
    assert.ok(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(escaped)));
    const st = programStatus(newStatus('Program', 'worker', 0), r.sup.statusOf('worker')!, Date.now());
    assert.equal(st.conditions.find((c) => c.type === 'TreeContained')?.status, 'True');

    await r.sup.control('worker', 'stop');
    assert.equal(alive(escaped), false, 'the escapee is gone when the stop returns');
    assert.equal(readFileSync(termFile, 'utf8').trim(), 'term', 'it got the stop signal first');
    assert.equal(existsSync(dir), false, 'the cgroup is removed');
  },
);

test(
  'deleting a Program without limits kills a setsid() escape that ignores SIGTERM, and removes its group',
  { skip: noCgroups },
  async (t) => {
    const r = rig(t);
    const pidFile = join(r.root, 'escaped.pid');
    await r.sup.apply([escaper('stubborn', pidFile, 'trap "" TERM', 'exec sleep 300')]);
    const escaped = await until('the escaped pid', readPid(pidFile));
    assert.equal(sessionOf(escaped), String(escaped));
    const dir = await groupDirOf(() => r.sup.statusOf('stubborn'));
    await r.sup.apply([]);
    assert.equal(alive(escaped), false, 'the escapee is gone when the delete returns');
    assert.equal(existsSync(dir), false, 'the cgroup is removed');
  },
);

test(
  'an instance adopted by a new supervisor keeps its cgroup: deleting the Program then ends the escapee too',
  { skip: noCgroups },
  async (t) => {
    const r = rig(t);
    const pidFile = join(r.root, 'escaped.pid');
    await r.sup.apply([escaper('adoptee', pidFile, 'trap "" TERM', 'exec sleep 300')]);
    const escaped = await until('the escaped pid', readPid(pidFile));
    const dir = await groupDirOf(() => r.sup.statusOf('adoptee'));
    const leader = r.sup.statusOf('adoptee')!.instances[0]!.pid!;
    await r.sup.release();

    const next = new Supervisor({ host: createRealHost(), layout: r.layout, leases: r.leases });
    r.alsoStop(next);
    await next.adopt();
    const adopted = next.statusOf('adoptee')!.instances[0]!;
    assert.equal(adopted.adopted, true);
    assert.equal(adopted.pid, leader);
    assert.equal(cgroups.open('programs', adopted.cgroup!)?.dir, dir, 'the run file named its group');
    await next.apply([]);
    assert.equal(alive(leader), false);
    assert.equal(alive(escaped), false, 'the escapee is gone when the delete returns');
    assert.equal(existsSync(dir), false, 'the cgroup is removed');
  },
);

test(
  'an instance that died while tend was down: the new supervisor kills its setsid() escape and removes the old group before restarting it',
  { skip: noCgroups },
  async (t) => {
    const r = rig(t);
    const pidFile = join(r.root, 'escaped.pid');
    await r.sup.apply([escaper('phoenix', pidFile, 'trap "" TERM', 'exec sleep 300')]);
    const escaped = await until('the escaped pid', readPid(pidFile));
    const oldDir = await groupDirOf(() => r.sup.statusOf('phoenix'));
    const leader = r.sup.statusOf('phoenix')!.instances[0]!.pid!;
    await r.sup.release();
    // The leader dies while no tend watches; its escapee lives on in the group.
    process.kill(leader, 'SIGKILL');
    await until('the leader to be gone', () => !alive(leader));
    assert.equal(alive(escaped), true);

    const next = new Supervisor({ host: createRealHost(), layout: r.layout, leases: r.leases });
    r.alsoStop(next);
    await next.adopt();
    assert.equal(alive(escaped), false, 'the escapee is gone once adoption returns');
    assert.equal(existsSync(oldDir), false, 'the old group is removed');
    const fresh = await until('the restarted instance', () => {
      const i = next.statusOf('phoenix')?.instances[0];
      return i?.pid !== undefined && i.pid !== leader && i.cgroup !== undefined && i;
    });
    assert.notEqual(cgroups.open('programs', fresh.cgroup!)?.dir, oldDir, 'it runs in a new group');
  },
);

test('without cgroups, status says TreeContained=False and a stop still ends the process group', async (t) => {
  const r = rig(t);
  const off = Cgroups.unavailable('turned off by the test');
  const sup = new Supervisor({ host: createRealHost(), layout: r.layout, leases: r.leases, cgroups: off });
  r.alsoStop(sup);
  const pidFile = join(r.root, 'child.pid');
  // A grandchild in the process group (no setsid): the fallback's group kill must reach it.
  await sup.apply([
    program('plain', {
      command: [`sleep 300 & echo $! > ${pidFile}; exec sleep 300`],
      shell: true,
      user: 'root',
      allowRoot: true,
      startSeconds: 0,
      stop: { timeout: '1s' },
    }),
  ]);
  const grandchild = await until('the grandchild pid', readPid(pidFile));
  const st = await until('the instance to run', () => {
    const s = sup.statusOf('plain');
    return s?.instances[0]?.pid !== undefined && s;
  });
  assert.equal(st.instances[0]?.cgroup, undefined);
  const cond = programStatus(newStatus('Program', 'plain', 0), st, Date.now()).conditions.find(
    (c) => c.type === 'TreeContained',
  );
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'CgroupsUnavailable');
  assert.match(cond?.message ?? '', /turned off by the test.*process group only.*setsid\(\)/);
  await sup.control('plain', 'stop');
  assert.equal(alive(grandchild), false, 'the process group was killed');
});
