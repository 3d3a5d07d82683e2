// A Job run killed by its timeout takes its whole tree along, limits or not: a process the script
// started with setsid() (out of the process group the timeout signals) is killed too, and the run's
// cgroup is removed; a run a killed tend left behind is ended through the group its record names.
// Without cgroups, the TreeContained condition says a stop reaches the group only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Cgroups, hostCgroups } from '../../../src/host/cgroup.js';
import { createRealHost } from '../../../src/host/real-host.js';
import { JobRunner } from '../../../src/jobs/runner.js';
import { newStatus } from '../../../src/state/conditions.js';
import { treeCondition } from '../../../src/supervisor/tree-status.js';
import { tempDir } from '../../helpers/tmp.js';
import { alive, job, jobRig, until } from './helpers.js';

const cgroups = hostCgroups();

test(
  'a run killed by its timeout kills its setsid() escape too, and its cgroup is removed',
  { skip: cgroups.available ? false : `no cgroups here: ${cgroups.reason}` },
  async (t) => {
    const rig = jobRig(t, Date.now(), false);
    const pidFile = join(rig.root, 'escaped.pid');
    await rig.runner.apply([
      job('hung', {
        // The escapee ignores SIGTERM, has its own session and process group, and never ends.
        command: [`setsid sh -c 'echo $$ > ${pidFile}; trap "" TERM; exec sleep 300' & sleep 300`],
        shell: true,
        user: 'root',
        allowRoot: true,
        timeout: '2s',
        stop: { timeout: '1s' },
      }),
    ]);
    const rec = await rig.runner.trigger('hung');
    const escaped = await until('the escaped pid', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });
    const sid = readFileSync(`/proc/${escaped}/stat`, 'utf8').split(') ')[1]?.split(' ')[3];
    assert.equal(sid, String(escaped), 'it left the session and the process group');
    const dir = cgroups.open('jobs', `${process.pid}.hung.${rec.id}`)?.dir;
    assert.ok(dir && existsSync(dir), 'the run has its own group');
    assert.ok(readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').includes(String(escaped)));
    const facts = rig.runner.treeFacts('hung');
    assert.deepEqual(facts, { noCgroups: undefined, untracked: [] });

    const done = await rig.runner.wait('hung', rec.id);
    assert.equal(done?.outcome, 'timedOut', JSON.stringify(done));
    assert.equal(alive(escaped), false, 'the escapee is gone once the run is recorded');
    assert.equal(existsSync(dir), false, 'the cgroup is removed');
  },
);

test(
  'a new tend kills and removes the cgroup of a run the last one left running, setsid() escapes too',
  { skip: cgroups.available ? false : `no cgroups here: ${cgroups.reason}` },
  async (t) => {
    const rig = jobRig(t, Date.now(), false);
    const pidFile = join(rig.root, 'escaped.pid');
    // The leader drops its environment, so /proc no longer proves it is the run: only the group
    // the record names can reach it and the escapee.
    const orphan = job('orphan', {
      command: [`setsid sh -c 'echo $$ > ${pidFile}; exec sleep 300' & exec env -i sleep 300`],
      shell: true,
      user: 'root',
      allowRoot: true,
    });
    await rig.runner.apply([orphan]);
    const rec = await rig.runner.trigger('orphan');
    const escaped = await until('the escaped pid', () => {
      try {
        return Number(readFileSync(pidFile, 'utf8').trim()) || undefined;
      } catch {
        return undefined;
      }
    });
    const recorded = rig.runner.history.get('orphan', rec.id);
    assert.equal(recorded?.cgroup, `${process.pid}.orphan.${rec.id}`);
    const dir = cgroups.open('jobs', recorded!.cgroup!)!.dir;
    // tend "dies" (the runner is dropped, not stopped); a new one recovers on the same state.
    const after = rig.restart();
    await after.apply([orphan]);
    assert.equal(after.history.get('orphan', rec.id)?.outcome, 'interrupted');
    assert.equal(alive(escaped), false, 'the escapee is gone once recovery returns');
    assert.equal(alive(rec.pid!), false, 'the leader too');
    assert.equal(existsSync(dir), false, 'the cgroup is removed');
    // The old runner (still in this process) sees its leader die and must still settle the run,
    // though its group is gone already.
    const settled = await Promise.race([
      rig.runner.wait('orphan', rec.id).then(() => true),
      new Promise<boolean>((r) => setTimeout(() => r(false), 15_000)),
    ]);
    assert.equal(settled, true, "the first runner's run settles after its group was removed");
  },
);

test('without cgroups, a Job reads TreeContained=False naming why', async (t) => {
  const root = tempDir(t, 'tend-jobs-');
  const runner = new JobRunner({
    host: createRealHost(),
    stateDir: join(root, 'state'),
    runDir: join(root, 'run'),
    cgroups: Cgroups.unavailable('turned off by the test'),
  });
  t.after(() => runner.stop());
  await runner.apply([job('plain', { command: ['true'] })]);
  const st = treeCondition(newStatus('Job', 'plain', 0), runner.treeFacts('plain'), Date.now());
  const cond = st.conditions.find((c) => c.type === 'TreeContained');
  assert.equal(cond?.status, 'False');
  assert.equal(cond?.reason, 'CgroupsUnavailable');
  assert.match(cond?.message ?? '', /turned off by the test.*process group only/);
});
