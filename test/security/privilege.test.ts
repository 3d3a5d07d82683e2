// Attacks on the native supervisor's identity: an exec probe script the tenant controls must run as
// the tenant (uid, gid, the tenant's own groups, its directory and environment), never as tend; and
// a uid-0 alias, a gid-0 alias group or a privileged membership never gets a process spawned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeProgramsDriver } from '../../src/drivers/programs-native.js';
import { program, rig, until } from '../integration/supervisor/helpers.js';
import { isRoot, makeAccounts } from './accounts.js';

/** What a script saw of itself, one `key=value` per line. */
function readId(path: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const i = line.indexOf('=');
    if (i > 0) out[line.slice(0, i)] = line.slice(i + 1);
  }
  return out;
}

const sortedGids = (text: string) =>
  text
    .trim()
    .split(/\s+/)
    .map(Number)
    .sort((a, b) => a - b);

// The script the tenant owns and may rewrite: it records who runs it, where, and with what env.
const WHOAMI = (file: string) => `#!/bin/sh
{ echo "uid=$(id -u)"; echo "gid=$(id -g)"; echo "groups=$(id -G)"; echo "pwd=$(pwd)"
  echo "secret=\${TEND_TEST_TENDS_SECRET:-absent}"; echo "user=$USER"; echo "program=$TEND_PROGRAM"; } > ${file}.tmp
mv ${file}.tmp ${file}
`;

test(
  "an exec probe the tenant controls runs with the Program's uid, gids, directory and env, never tend's",
  { skip: !isRoot && 'needs root to switch users' },
  async (t) => {
    const accounts = makeAccounts(t);
    const tenant = accounts.tenant;
    const base = mkdtempSync(join(tmpdir(), 'tend-sec-probe-'));
    t.after(() => rmSync(base, { recursive: true, force: true }));
    chmodSync(base, 0o755);
    const app = join(base, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'main.sh'), `${WHOAMI('main-id.txt')}exec sleep 600\n`, { mode: 0o755 });
    writeFileSync(join(app, 'health.sh'), WHOAMI('probe-id.txt'), { mode: 0o755 });
    // The tenant owns its directory and the probe script: exactly what it could rewrite to attack.
    for (const p of [app, join(app, 'main.sh'), join(app, 'health.sh')])
      chownSync(p, accounts.uid(tenant), accounts.gid(tenant));
    process.env.TEND_TEST_TENDS_SECRET = 'tend-only';
    t.after(() => delete process.env.TEND_TEST_TENDS_SECRET);

    const { sup } = rig(t);
    await sup.apply([
      program('probed', {
        command: ['./main.sh'],
        directory: app,
        user: tenant,
        startSeconds: 0,
        health: { type: 'exec', command: ['./health.sh'], interval: '1s', timeout: '5s' },
      }),
    ]);
    await until('the probe ran', () => existsSync(join(app, 'probe-id.txt')), 20_000);
    const probe = readId(join(app, 'probe-id.txt'));
    const main = readId(join(app, 'main-id.txt'));

    const expected = accounts.gids(tenant);
    assert.ok(expected.includes(accounts.gid(accounts.extraGroup)), 'the tenant has its extra group');
    assert.equal(Number(probe.uid), accounts.uid(tenant), 'probe uid is the tenant');
    assert.equal(Number(probe.gid), accounts.gid(tenant), 'probe gid is the tenant primary group');
    assert.deepEqual(sortedGids(probe.groups ?? ''), expected, "probe groups are the tenant's membership");
    assert.ok(!sortedGids(probe.groups ?? '').includes(0), 'no gid 0 among the probe groups');
    for (const g of process.getgroups?.() ?? [])
      if (!expected.includes(g))
        assert.ok(!sortedGids(probe.groups ?? '').includes(g), `tend's group ${g} is not inherited`);
    assert.equal(probe.pwd, app, "the probe runs in the Program's directory");
    assert.equal(probe.secret, 'absent', "tend's environment does not reach the probe");
    assert.equal(probe.user, tenant);
    assert.equal(probe.program, 'probed');
    // The probe and the Program run exactly alike.
    for (const k of ['uid', 'gid', 'groups', 'pwd', 'secret', 'user', 'program'])
      assert.equal(probe[k], main[k], `probe and program agree on ${k}`);
  },
);

test(
  'a uid-0 alias user, a gid-0 alias group and a user in adm are refused at spawn; nothing runs',
  { skip: !isRoot && 'needs root' },
  async (t) => {
    const accounts = makeAccounts(t);
    const { sup } = rig(t);
    const driver = new NativeProgramsDriver(sup);
    const sleeper = { command: ['/bin/sleep', '600'], startSeconds: 0 };
    const outcome = await driver.applyAll([
      program('as-toor', { ...sleeper, user: accounts.toor }),
      program('gid-zero', { ...sleeper, user: accounts.tenant, group: accounts.rootGroupAlias }),
      program('adm-member', { ...sleeper, user: accounts.admMember }),
      program('tenant', { ...sleeper, user: accounts.tenant }),
    ]);
    const errorOf = (name: string) => outcome.find((o) => o.key === `Program/${name}`)?.error;
    assert.equal(errorOf('as-toor')?.code, 'TEND_ERR_ROOT_REFUSED');
    assert.match(errorOf('as-toor')?.message ?? '', /uid 0/);
    assert.equal(errorOf('gid-zero')?.code, 'TEND_ERR_ROOT_REFUSED');
    assert.match(errorOf('gid-zero')?.message ?? '', /gid 0/);
    assert.equal(errorOf('adm-member')?.code, 'TEND_ERR_ROOT_REFUSED');
    assert.match(errorOf('adm-member')?.message ?? '', /belongs to group adm/);
    for (const name of ['as-toor', 'gid-zero', 'adm-member'])
      assert.equal(sup.statusOf(name)?.instances.length ?? 0, 0, `${name}: nothing was spawned`);
    assert.equal(errorOf('tenant'), undefined, 'an ordinary tenant still runs');
    const pid = await until('tenant pid', () => sup.statusOf('tenant')?.instances[0]?.pid);
    // The pid is setpriv's until it switches and execs in place: wait for the exec to land.
    const status = await until('tenant exec', () => {
      const text = readFileSync(`/proc/${pid}/status`, 'utf8');
      return /^Name:\s+sleep$/m.test(text) ? text : undefined;
    });
    assert.equal(Number(/^Uid:\s+(\d+)/m.exec(status)?.[1]), accounts.uid(accounts.tenant));
    assert.deepEqual(sortedGids(/^Groups:\s*(.*)$/m.exec(status)?.[1] ?? ''), accounts.gids(accounts.tenant));
  },
);
