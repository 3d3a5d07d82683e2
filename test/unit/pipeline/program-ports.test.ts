// The plan reads every instance's lease (`Program/x#i`), exactly the ports the supervisor passes as
// PORT, so nginx proxies to the ports the instances really listen on.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computePlan, readProgramPorts } from '../../../src/pipeline/compute-plan.js';
import { ControllerSnapshot } from '../../../src/pipeline/snapshot.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { createRealHost } from '../../../src/host/index.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

test('leases become per-instance lists in instance order, ending at the first instance without one', async (t) => {
  const dir = tempDir(t);
  writeFileSync(
    join(dir, 'ports.json'),
    JSON.stringify({
      version: 1,
      leases: {
        'Program/api#10': 20300,
        'Program/api#2': 20009,
        'Program/api#0': 20000,
        'Program/api#1': 20004,
        'Program/gap#0': 21000,
        'Program/gap#2': 21002,
        'Program/late#1': 22001,
        'Program/bad#0': 70000,
        'Program/api#01': 1,
      },
    }),
  );
  const ports = await readProgramPorts(host, dir);
  assert.deepEqual(ports.get('api'), [20000, 20004, 20009]);
  assert.deepEqual(ports.get('gap'), [21000], 'instance 1 has no lease: the list stops there');
  assert.equal(ports.has('late'), false, 'no instance 0');
  assert.equal(ports.has('bad'), false, 'out of range');
});

test('no lease file: no ports', async (t) => {
  assert.equal((await readProgramPorts(host, tempDir(t))).size, 0);
});

// Allocation before planning: a Site proxying to a new `port: auto` Program renders in the pass that
// leases the port, not in a second one.
const PROGRAM_AND_PROXY = `apiVersion: tend/v1
kind: Program
metadata: { name: app }
spec:
  command: [sleep, "1000"]
  port: auto
  instances: 2
---
apiVersion: tend/v1
kind: Site
metadata: { name: front }
spec:
  domains: [front.localhost]
  preset: proxy
  proxy: { program: app }
`;

function planEnv(t: Parameters<typeof tempDir>[0]) {
  const base = tempDir(t, 'tend-ports-');
  const desiredDir = join(base, 'ds');
  mkdirSync(desiredDir);
  writeFileSync(join(desiredDir, 'app.yaml'), PROGRAM_AND_PROXY);
  const layout = embeddedLayout(join(base, '.tend'));
  mkdirSync(layout.stateDir, { recursive: true });
  return { desiredDir, layout, base };
}

test('one plan leases the ports and renders the proxy Site with them; the next plan keeps them', async (t) => {
  const { desiredDir, layout } = planEnv(t);
  const first = await computePlan({ host, desiredDir, layout });
  const front = first.plan.changes.find((c) => c.key === 'Site/front');
  assert.equal(front?.blocked, undefined, `expected Site/front planned now, got ${front?.blocked?.message}`);
  assert.equal(front?.action, 'create');
  const leases = JSON.parse(readFileSync(join(layout.stateDir, 'ports.json'), 'utf8')).leases;
  const ports = [leases['Program/app#0'], leases['Program/app#1']];
  assert.ok(
    ports.every((p) => Number.isInteger(p)),
    `expected a lease per instance, got ${JSON.stringify(leases)}`,
  );
  const vhost = front!.ops.find((o) => o.op === 'write');
  assert.ok(vhost && vhost.op === 'write');
  for (const p of ports) assert.match(vhost.content, new RegExp(`127\\.0\\.0\\.1:${p}\\b`));
  assert.deepEqual(first.leased, ['Program/app#0', 'Program/app#1']);

  // A new process (a fresh snapshot) reads the same leases and leases nothing more.
  const second = await computePlan({ host, desiredDir, layout, snapshot: new ControllerSnapshot() });
  assert.deepEqual(second.leased, []);
  assert.deepEqual(JSON.parse(readFileSync(join(layout.stateDir, 'ports.json'), 'utf8')).leases, leases);
});

test('a read-only plan leases nothing: the Site waits and ports.json is not created', async (t) => {
  const { desiredDir, layout } = planEnv(t);
  const r = await computePlan({ host, desiredDir, layout, readOnly: true });
  const front = r.plan.changes.find((c) => c.key === 'Site/front');
  assert.equal(front?.blocked?.code, 'TEND_ERR_DEPENDENCY_PENDING');
  assert.equal(existsSync(join(layout.stateDir, 'ports.json')), false);
});

test('the deletion grace second look reuses the plan while nothing changed, and plans again once a file did', async (t) => {
  const { desiredDir, layout } = planEnv(t);
  const snapshot = new ControllerSnapshot({ longLived: true });
  const opts = { host, desiredDir, layout, snapshot, reuseLoad: true };
  const first = await computePlan(opts);
  assert.equal(await computePlan({ ...opts, previous: first }), first, 'unchanged: the same plan object');
  // Without the daemon's load memo the load is a new object, but the same desired state.
  const cli = new ControllerSnapshot();
  const a = await computePlan({ host, desiredDir, layout, snapshot: cli });
  assert.equal(await computePlan({ host, desiredDir, layout, snapshot: cli, previous: a }), a);

  writeFileSync(join(desiredDir, 'app.yaml'), PROGRAM_AND_PROXY.replace('instances: 2', 'instances: 3'));
  // The load memo trusts a file's stat identity only once it is old enough; a new mtime is seen at once.
  const after = await computePlan({ ...opts, previous: first });
  assert.notEqual(after, first, 'a changed file is planned again');
  assert.equal(after.plan.changes.find((c) => c.key === 'Program/app')?.generation !== undefined, true);
  assert.notEqual(
    after.plan.changes.find((c) => c.key === 'Program/app')?.generation,
    first.plan.changes.find((c) => c.key === 'Program/app')?.generation,
  );
});
