// A host that cannot enforce a limit says so: LimitsEnforced=False names each missing controller
// (and prlimit), never a silent drop. The development machine has every controller, so the hosts
// here are described by their mountinfo and an in-memory cgroup file system.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { CgroupFs } from '../../../src/host/cgroup.js';
import { ResourceLimits } from '../../../src/host/limit-groups.js';
import { limitsCondition } from '../../../src/supervisor/limits-status.js';
import { newStatus } from '../../../src/state/conditions.js';

/** Directories made and files written, as a cgroup tree would take them. */
function memoryFs(files: Record<string, string> = {}): CgroupFs & { dirs: Set<string> } {
  const dirs = new Set<string>();
  return {
    dirs,
    read: (p) => files[p],
    write: (p, data) => void (files[p] = data),
    mkdir: (p) => void dirs.add(p),
    rmdir: (p) => void dirs.delete(p),
    readdir: () => [],
    exists: (p) => p in files || dirs.has(p),
  };
}

const mount = (dir: string, fstype: string, options: string) =>
  `30 25 0:26 / ${dir} rw,nosuid - ${fstype} ${fstype} ${options}`;

test('a host with only the v1 cpu controller and no prlimit: memory, processes and rlimits are named missing', () => {
  const host = ResourceLimits.detect({
    fs: memoryFs(),
    mountinfo: mount('/sys/fs/cgroup/cpu', 'cgroup', 'rw,cpu,cpuacct'),
    selfCgroup: '4:cpu,cpuacct:/\n',
    prlimit: null,
  });
  const st = limitsCondition(
    newStatus('Job', 'report', 0),
    { memoryBytes: 64 << 20, cpuCores: 0.5, processes: 20, openFiles: 256 },
    1,
    host,
  );
  const c = st.conditions.find((x) => x.type === 'LimitsEnforced');
  assert.equal(c?.status, 'False');
  assert.equal(c?.reason, 'ControllerMissing');
  assert.match(c!.message, /memory needs the memory controller \(no cgroup v1 memory mount\)/);
  assert.match(c!.message, /processes needs the pids controller/);
  assert.match(c!.message, /openFiles and coreDump need prlimit/);
  assert.doesNotMatch(c!.message, /cpu needs/, 'the cpu controller is there');
});

test('cgroup v2 that does not delegate memory to tend is named with its mount; a host with all holds True', () => {
  const v2only = ResourceLimits.detect({
    fs: memoryFs({ '/sys/fs/cgroup/tend.service/cgroup.controllers': 'cpu pids' }),
    mountinfo: mount('/sys/fs/cgroup', 'cgroup2', 'rw'),
    selfCgroup: '0::/tend.service\n',
    prlimit: '/usr/bin/prlimit',
  });
  const missing = limitsCondition(newStatus('Program', 'worker', 0), { memoryBytes: 1 << 30 }, 1, v2only);
  const c = missing.conditions.find((x) => x.type === 'LimitsEnforced');
  assert.equal(c?.status, 'False');
  assert.match(c!.message, /cgroup v2 at \/sys\/fs\/cgroup does not delegate memory to tend/);

  const all = ResourceLimits.detect({
    fs: memoryFs({ '/sys/fs/cgroup/tend.service/cgroup.controllers': 'cpu memory pids' }),
    mountinfo: mount('/sys/fs/cgroup', 'cgroup2', 'rw'),
    selfCgroup: '0::/tend.service\n',
    prlimit: '/usr/bin/prlimit',
  });
  const held = limitsCondition(
    newStatus('Program', 'worker', 0),
    { memoryBytes: 1 << 30, cpuCores: 1, processes: 50, openFiles: 1024 },
    1,
    all,
  );
  assert.equal(held.conditions.find((x) => x.type === 'LimitsEnforced')?.status, 'True');
  // No limits in the spec: no condition at all, rather than a claim about nothing.
  const none = limitsCondition(newStatus('Program', 'worker', 0), undefined, 1, all);
  assert.equal(
    none.conditions.find((x) => x.type === 'LimitsEnforced'),
    undefined,
    'a spec without limits carries no LimitsEnforced condition',
  );
});
