// Tenant isolation by default, attacked on real nginx and php-fpm 8.2: document roots only under the
// web base, no symlink into another tenant, open_basedir per Pool, sockets shared only with nginx's
// group, TCP only with an unsafe opt-in the plan repeats, and accounts tend creates but never deletes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, lchownSync, mkdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { embeddedLayout } from '../../src/layout/layout.js';
import {
  BIN,
  collect,
  e2eEnv,
  ensureBuilt,
  freePort,
  httpGet,
  phpSiteYaml,
  poolYaml,
  staticSiteYaml,
  type E2eEnv,
} from '../helpers/e2e.js';

interface Account {
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

function getent(db: 'passwd' | 'group', name: string): string[] | undefined {
  const r = spawnSync('getent', [db, name], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split(':') : undefined;
}

function account(name: string): Account | undefined {
  const f = getent('passwd', name);
  return f && { uid: Number(f[2]), gid: Number(f[3]), home: f[5]!, shell: f[6]! };
}

function userdel(name: string): void {
  if (account(name)) spawnSync('userdel', [name]);
  if (getent('group', name)) spawnSync('groupdel', [name]);
}

/** A throwaway system account for one test, removed in its after hook. */
function tenantUser(t: { after: (fn: () => void) => void }, name: string): Account {
  userdel(name);
  const r = spawnSync(
    'useradd',
    ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', name],
    {
      encoding: 'utf8',
    },
  );
  assert.equal(r.status, 0, r.stderr);
  t.after(() => userdel(name));
  return account(name)!;
}

/** A document root owned by the tenant, readable by nginx's workers. */
function tenantRoot(env: E2eEnv, name: string, owner: Account, files: Record<string, string>): string {
  const dir = join(env.www, name);
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  for (const [file, text] of Object.entries(files)) {
    writeFileSync(join(dir, file), text, { mode: 0o644 });
    chownSync(join(dir, file), owner.uid, owner.gid);
  }
  chownSync(dir, owner.uid, owner.gid);
  return dir;
}

const WWW_DATA_GID = () => Number(getent('group', 'www-data')![2]);

test('root: /etc, / and paths outside the web base are refused with a located error; /etc is never served', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  env.write('etc.yaml', staticSiteYaml('etc', '/etc'));
  env.write('slash.yaml', staticSiteYaml('slash', '/'));
  env.write('opt.yaml', staticSiteYaml('opt', '/opt/shop'));
  env.write('base.yaml', staticSiteYaml('base', '/srv'));
  const r = await env.reconcile();
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^etc\.yaml:\d+:\d+: Site\/etc: spec\.root: document root \/etc is inside the system directory \/etc/m,
  );
  assert.match(
    r.stderr,
    /^slash\.yaml:\d+:\d+: Site\/slash: spec\.root: document root \/ is the whole file system/m,
  );
  assert.match(
    r.stderr,
    /^opt\.yaml:\d+:\d+: Site\/opt: spec\.root: document root \/opt\/shop is outside the web bases/m,
  );
  assert.match(r.stderr, /^base\.yaml:\d+:\d+: Site\/base: spec\.root: .* is a web base itself/m);
  const res = await httpGet(env.port, 'etc.e2e.test', '/passwd', 10_000).catch(() => undefined);
  assert.notEqual(res?.status, 200, '/etc/passwd is not served');
  assert.doesNotMatch(res?.body ?? '', /root:x:0:0/);

  // The base comes from tend's flag, never the desired state: a system directory as a base is refused.
  const bad = await collect(
    spawn(process.execPath, [BIN, 'validate', '-d', env.ds, '--web-base', '/etc'], { stdio: 'pipe' }),
  );
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--web-base: "\/etc" is inside the system directory \/etc/);
});

test("a symlink in tenant A's root to tenant B's file is not served through nginx", async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  const a = tenantUser(t, 'tendseca');
  const b = tenantUser(t, 'tendsecb');
  const rootB = tenantRoot(env, 'b', b, { 'secret.txt': 'B-SECRET\n' });
  const rootA = tenantRoot(env, 'a', a, { 'own.txt': 'A-OWN\n' });
  symlinkSync(join(rootB, 'secret.txt'), join(rootA, 'leak.txt'));
  lchownSync(join(rootA, 'leak.txt'), a.uid, a.gid);
  symlinkSync(join(rootA, 'own.txt'), join(rootA, 'alias.txt'));
  lchownSync(join(rootA, 'alias.txt'), a.uid, a.gid);
  env.write('a.yaml', staticSiteYaml('a', rootA));
  env.write('b.yaml', staticSiteYaml('b', rootB));
  const r = await env.reconcile();
  assert.equal(r.code, 0, r.stdout + r.stderr);

  // Controls: B serves its own file, and A's symlink to its own file works.
  assert.equal((await httpGet(env.port, 'b.e2e.test', '/secret.txt')).body, 'B-SECRET\n');
  assert.equal((await httpGet(env.port, 'a.e2e.test', '/alias.txt')).body, 'A-OWN\n');
  const leak = await httpGet(env.port, 'a.e2e.test', '/leak.txt');
  assert.ok([403, 404].includes(leak.status), `got ${leak.status} ${leak.body}`);
  assert.doesNotMatch(leak.body, /B-SECRET/);
});

test("open_basedir: tenant A's PHP cannot read tenant B's file through real php-fpm; temp and sessions stay in A's dirs", async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  const a = tenantUser(t, 'tendseca');
  const b = tenantUser(t, 'tendsecb');
  const reader = `<?php
$f = $_GET['f'] ?? '';
if ($f === 'tmp') { session_start(); $_SESSION['x'] = 1; session_write_close();
  echo sys_get_temp_dir(), "|", session_save_path(), "|", posix_geteuid(), "\\n"; exit; }
$errs = [];
set_error_handler(function ($no, $str) use (&$errs) { $errs[] = $str; return true; });
$r = file_get_contents($f);
echo $r === false ? "BLOCKED " . implode(' | ', $errs) : "READ " . $r;
`;
  const rootB = tenantRoot(env, 'b', b, { 'secret.txt': 'B-SECRET\n', 'index.php': '<?php echo "B\\n";' });
  const rootA = tenantRoot(env, 'a', a, { 'own.txt': 'A-OWN\n', 'index.php': reader });
  env.write('a.yaml', `${poolYaml('a', '  user: tendseca\n')}---\n${phpSiteYaml('a', rootA)}`);
  env.write('b.yaml', `${poolYaml('b', '  user: tendsecb\n')}---\n${phpSiteYaml('b', rootB)}`);
  const r = await env.reconcile();
  assert.equal(r.code, 0, r.stdout + r.stderr);

  const get = async (f: string) =>
    (await httpGet(env.port, 'a.e2e.test', `/index.php?f=${encodeURIComponent(f)}`, 10_000)).body;
  assert.equal(await get(join(rootA, 'own.txt')), 'READ A-OWN\n', 'control: A reads its own file');
  const attack = await get(join(rootB, 'secret.txt'));
  assert.match(attack, /^BLOCKED .*open_basedir restriction in effect/);
  assert.doesNotMatch(attack, /B-SECRET/);
  assert.match(await get('/etc/passwd'), /^BLOCKED .*open_basedir/);

  const layout = embeddedLayout(env.root, { httpPort: env.port });
  const data = layout.php.poolDataDir('a');
  assert.equal(await get('tmp'), `${data}/tmp|${data}/sessions|${a.uid}\n`);
  for (const dir of ['tmp', 'sessions']) {
    const st = statSync(join(data, dir));
    assert.deepEqual([st.uid, st.gid, st.mode & 0o777], [a.uid, a.gid, 0o700], `${dir} is A's, mode 0700`);
  }
});

test("pool sockets are 0660, owned by the pool's user and shared only with nginx's group", async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  const a = tenantUser(t, 'tendseca');
  const rootA = tenantRoot(env, 'a', a, { 'index.php': '<?php echo "A\\n";' });
  env.write('a.yaml', `${poolYaml('a', '  user: tendseca\n')}---\n${phpSiteYaml('a', rootA)}`);
  const r = await env.reconcile();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.equal((await httpGet(env.port, 'a.e2e.test', '/')).body, 'A\n', 'nginx reaches the pool by group');
  const socket = embeddedLayout(env.root).php.socket('8.2', 'a');
  const st = statSync(socket);
  assert.ok(st.isSocket());
  assert.equal((st.mode & 0o777).toString(8), '660');
  assert.equal(st.gid, WWW_DATA_GID(), "group = nginx's workers' group (www-data)");
  assert.equal(st.uid, a.uid);

  env.write('w.yaml', poolYaml('w', "  listen: { mode: '0666' }\n"));
  const wide = await env.reconcile('--plan');
  assert.equal(wide.code, 1);
  assert.match(
    wide.stderr,
    /^w\.yaml:\d+:\d+: Pool\/w: spec\.listen\.mode: socket mode 0666 is wider than 0660/m,
  );
});

test('a TCP pool is refused without listen.unsafe; with it, it runs and every plan warns', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  const port = await freePort();
  env.write('tcp.yaml', poolYaml('tcp', `  listen: { port: ${port} }\n`));
  const refused = await env.reconcile();
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr,
    /^tcp\.yaml:\d+:\d+: Pool\/tcp: spec\.listen\.port: a TCP listener \(127\.0\.0\.1:\d+\) lets any local user run PHP/m,
  );

  env.write('tcp.yaml', poolYaml('tcp', `  listen: { port: ${port}, unsafe: true }\n`));
  const warning = new RegExp(
    `^warning: Pool/tcp: listens on TCP 127\\.0\\.0\\.1:${port} \\(listen\\.unsafe\\): any local user can run PHP as www-data$`,
    'm',
  );
  const plan = await env.reconcile('--plan');
  assert.equal(plan.code, 2, plan.stdout + plan.stderr);
  assert.match(plan.stdout, warning);
  const applied = await env.reconcile();
  assert.equal(applied.code, 0, applied.stdout + applied.stderr);
  assert.match(applied.stdout, warning);
  await new Promise<void>((done, fail) => {
    const s = connect(port, '127.0.0.1', () => (s.end(), done()));
    s.on('error', fail);
  });
  const again = await env.reconcile('--plan');
  assert.equal(again.code, 0, 'in sync');
  assert.match(again.stdout, warning, 'an in-sync plan still says it');
  const json = await env.reconcile('--plan', '--json');
  assert.deepEqual(
    (JSON.parse(json.stdout) as { warnings: { key: string }[] }).warnings.map((w) => w.key),
    ['Pool/tcp'],
  );
});

test('user: {name, create: true} creates a nologin system account; removing the Pool leaves it and says so', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-ten-');
  const name = 'tendsecc';
  userdel(name);
  t.after(() => userdel(name));
  const rootC = join(env.www, 'c');
  mkdirSync(rootC, { mode: 0o755 });
  writeFileSync(join(rootC, 'index.php'), '<?php echo posix_geteuid(), "\\n";');
  env.write(
    'c.yaml',
    `${poolYaml('c', `  user: { name: ${name}, create: true }\n`)}---\n${phpSiteYaml('c', rootC)}`,
  );
  env.write('keep.yaml', staticSiteYaml('keep', join(env.www, 'keep')));

  const r = await env.reconcile();
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const acct = account(name);
  assert.ok(acct, `${name} exists`);
  assert.equal(acct.shell, '/usr/sbin/nologin');
  assert.equal(acct.home, rootC, 'home is the Site root, inside the web base');
  assert.ok(acct.uid > 0 && acct.uid < 1000, `a system uid, got ${acct.uid}`);
  assert.equal(
    (await httpGet(env.port, 'c.e2e.test', '/', 10_000)).body,
    `${acct.uid}\n`,
    'PHP runs as the new user',
  );

  env.remove('c.yaml');
  const plan = await env.reconcile('--plan', '--allow-mass-delete');
  const stays = new RegExp(
    `^warning: Pool/c: system user ${name}, which tend created for it, stays: tend never deletes accounts`,
    'm',
  );
  assert.match(plan.stdout, stays);
  const removed = await env.reconcile('--allow-mass-delete');
  assert.equal(removed.code, 0, removed.stdout + removed.stderr);
  assert.match(removed.stdout, /- Pool\/c will be deleted/);
  assert.match(removed.stdout, stays);
  assert.deepEqual(account(name), acct, 'the account is untouched');
});
