// End to end: `tend reconcile --plan` as a process on real desired-state directories and a temp root.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { simulateApply } from '../../bench/support/sim-apply.js';
import { embeddedLayout } from '../../src/layout/layout.js';
import { tempDir } from '../helpers/tmp.js';
import { ensureBuilt } from '../helpers/e2e.js';

const REPO = process.cwd();
/** TEND_BIN lets a run point at another entry script; the default is the real one. */
const BIN = resolve(REPO, process.env.TEND_BIN ?? 'bin/tend');
const SECRET = 'Xq7-very-secret-db-password';
const ROTATED = 'Zz9-rotated-db-password';

const POOL = (secret: string) => `apiVersion: tend/v1
kind: Pool
metadata: { name: shop }
spec:
  php: "8.2"
  env:
    APP_ENV: production
    DB_PASSWORD: { value: ${secret}, secret: true }
`;
const SITE = (name: string, extra = '') => `apiVersion: tend/v1
kind: Site
metadata: { name: ${name} }
spec:
  domains: [${name}.localhost]
  preset: static
  root: /var/www/${name}
${extra}`;
const PHP_SITE = `apiVersion: tend/v1
kind: Site
metadata: { name: shop }
spec:
  domains: [shop.localhost]
  preset: php
  root: /var/www/shop
  php: { pool: shop }
`;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function setup(t: { after: (fn: () => void) => void }) {
  const base = tempDir(t, 'tend-e2e-plan-');
  const ds = join(base, 'desired-state');
  mkdirSync(ds);
  const layout = embeddedLayout(join(base, '.tend'));
  const write = (file: string, text: string) => writeFileSync(join(ds, file), text);
  const remove = (file: string) => rmSync(join(ds, file));
  const tend = (...args: string[]): Run => {
    const r = spawnSync(process.execPath, [BIN, 'reconcile', '--plan', ...args], {
      cwd: base,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1' },
      timeout: 60_000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  write('shop.yaml', `${POOL(SECRET)}---\n${PHP_SITE}`);
  write('docs.yaml', SITE('docs'));
  write('blog.yaml', SITE('blog'));
  return { base, ds, layout, write, remove, tend, apply: () => simulateApply(ds, layout) };
}

/** The fixtures' roots under /var/www do not exist on a test host: the plan rightly warns about them. */
const MISSING_ROOT = /^warning: Site\/\w+: root \/var\/www\/\w+ does not exist/;
const withoutMissingRoots = (out: string) =>
  out
    .split('\n')
    .filter((l) => !MISSING_ROOT.test(l))
    .join('\n')
    .replace(/^\n/, '');

const noSecrets = (r: Run, ...secrets: string[]) => {
  for (const s of secrets) assert.ok(!`${r.stdout}${r.stderr}`.includes(s), `secret printed:\n${r.stdout}`);
};

describe('tend reconcile --plan', () => {
  before(
    () => {
      // Compiled only when the source is newer: a compile rewrites all of dist/ while the files
      // running beside this one import from it, and a half-written module is a SyntaxError there.
      ensureBuilt();
      assert.ok(existsSync(join(REPO, 'dist/src/cli/reconcile.js')), 'the build produced the CLI');
    },
    { timeout: 300_000 },
  );
  after(() => undefined);

  test('an empty root: everything is created, nothing is written, exit 2', (t) => {
    const env = setup(t);
    const r = env.tend();
    assert.equal(r.code, 2, r.stderr);
    const lines = r.stdout.split('\n');
    for (const key of ['Pool/shop', 'Site/blog', 'Site/docs', 'Site/shop'])
      assert.ok(lines.includes(`  + ${key} will be created`), r.stdout);
    assert.ok(r.stdout.indexOf('Pool/shop will') < r.stdout.indexOf('Site/shop will'), 'Pools before Sites');
    assert.ok(lines.includes(`      +++ ${env.layout.nginx.siteFile('docs')}`), r.stdout);
    assert.match(r.stdout, /^Plan: 4 to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
    assert.match(r.stdout, /env\[DB_PASSWORD\] = "\(sensitive\)"/);
    noSecrets(r, SECRET);
    assert.equal(existsSync(env.layout.root), false, 'a plan writes nothing');
  });

  test('after an apply: no changes, exit 0; --json has the documented shape', async (t) => {
    const env = setup(t);
    await env.apply();
    const r = env.tend();
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(withoutMissingRoots(r.stdout), 'No changes. The host matches the desired state.\n');
    const j = env.tend('--json');
    assert.equal(j.code, 0);
    const plan = JSON.parse(j.stdout);
    assert.deepEqual(Object.keys(plan), [
      'formatVersion',
      'revision',
      'summary',
      'pruneHeld',
      'changes',
      'warnings',
    ]);
    assert.deepEqual(
      plan.warnings.filter(
        (w: { key: string; message: string }) => !MISSING_ROOT.test(`warning: ${w.key}: ${w.message}`),
      ),
      [],
    );
    assert.equal(plan.formatVersion, 1);
    assert.equal(plan.revision, null);
    assert.deepEqual(plan.summary, { create: 0, update: 0, delete: 0, noop: 4, blocked: 0 });
    assert.deepEqual(
      plan.changes.map((c: { key: string; actions: string[] }) => `${c.actions[0]} ${c.key}`),
      ['no-op Pool/shop', 'no-op Site/blog', 'no-op Site/docs', 'no-op Site/shop'],
    );
    noSecrets(j, SECRET);
  });

  test('a fresh plan as JSON lists files with diffs but never contents or secrets', (t) => {
    const env = setup(t);
    const j = env.tend('--json', '--only', 'Pool/shop');
    assert.equal(j.code, 2);
    const plan = JSON.parse(j.stdout);
    assert.equal(plan.changes.length, 1);
    const c = plan.changes[0];
    assert.deepEqual(c.actions, ['create']);
    assert.match(c.generation, /^[0-9a-f]{16}$/);
    assert.deepEqual(c.services, ['php-fpm@8.2']);
    assert.deepEqual(Object.keys(c.files[0]), ['path', 'op', 'diff', 'target', 'adoption']);
    assert.equal(c.files[0].path, env.layout.php.poolFile('8.2', 'shop'));
    noSecrets(j, SECRET);
  });

  test('a managed file edited by hand is updated with a diff; a rotated secret stays masked', async (t) => {
    const env = setup(t);
    await env.apply();
    const docs = env.layout.nginx.siteFile('docs');
    writeFileSync(
      docs,
      readFileSync(docs, 'utf8').replace('server_name docs.localhost;', 'server_name evil.test;'),
    );
    env.write('shop.yaml', `${POOL(ROTATED)}---\n${PHP_SITE}`);
    const r = env.tend();
    assert.equal(r.code, 2, r.stderr);
    assert.ok(
      r.stdout.includes(`  ~ Site/docs will be updated (drift: ${docs} was edited by hand)`),
      r.stdout,
    );
    assert.ok(r.stdout.includes('      -    server_name evil.test;'), r.stdout);
    assert.ok(r.stdout.includes('      +    server_name docs.localhost;'), r.stdout);
    assert.ok(r.stdout.includes('  ~ Pool/shop will be updated (spec changed)'), r.stdout);
    assert.match(r.stdout, /^Plan: 0 to create, 2 to update, 0 to delete, 2 unchanged\.$/m);
    noSecrets(r, SECRET, ROTATED);
    noSecrets(env.tend('--json'), SECRET, ROTATED);
  });

  test('a file tend does not own blocks its resource until spec.adopt: true', (t) => {
    const env = setup(t);
    const blog = env.layout.nginx.siteFile('blog');
    mkdirSync(resolve(blog, '..'), { recursive: true });
    writeFileSync(blog, 'server { listen 9; }\n');
    const r = env.tend();
    assert.equal(r.code, 2);
    assert.match(
      r.stdout,
      new RegExp(
        `^  ! Site/blog is blocked: ${blog.replace(/[.]/g, '\\.')} already exists and is not managed by tend`,
        'm',
      ),
    );
    assert.match(r.stdout, /spec\.adopt: true/);
    assert.match(r.stdout, /, 1 blocked\.$/m);
    const j = JSON.parse(env.tend('--json').stdout);
    const c = j.changes.find((x: { key: string }) => x.key === 'Site/blog');
    assert.equal(c.blocked.code, 'TEND_ERR_NOT_OWNED');
    assert.deepEqual(c.files, []);

    env.write('blog.yaml', SITE('blog', '  adopt: true\n'));
    const adopted = env.tend();
    assert.match(
      adopted.stdout,
      /^ {2}~ Site\/blog will be updated \(adopting .*; 1 host directive dropped or changed;/m,
    );
    // The host's directives tend would not keep, not the whole text diff, unless asked for.
    assert.ok(adopted.stdout.includes('      - server > listen *:9\n'), adopted.stdout);
    assert.ok(!adopted.stdout.includes('      -server { listen 9; }'), adopted.stdout);
    assert.ok(env.tend('--diff', 'full').stdout.includes('      -server { listen 9; }'));
    assert.equal(readFileSync(blog, 'utf8'), 'server { listen 9; }\n', 'untouched by a plan');
  });

  test('removing a resource deletes it; removing all is refused without --allow-mass-delete', async (t) => {
    const env = setup(t);
    await env.apply();
    env.remove('docs.yaml');
    const one = env.tend();
    assert.equal(one.code, 2, one.stderr);
    assert.ok(
      one.stdout.includes('  - Site/docs will be deleted (removed from the desired state)'),
      one.stdout,
    );
    assert.ok(one.stdout.includes(`      --- ${env.layout.nginx.siteFile('docs')}`), one.stdout);

    env.remove('blog.yaml');
    env.remove('shop.yaml');
    const all = env.tend();
    assert.equal(all.code, 1);
    assert.match(all.stdout, /^Deletions held: refusing to delete every resource tend manages \(4\)/m);
    assert.ok(!all.stdout.includes('will be deleted'));
    assert.match(all.stderr, /TEND_ERR_MASS_DELETE.*--allow-mass-delete/);
    const allowed = env.tend('--allow-mass-delete');
    assert.equal(allowed.code, 2, allowed.stderr);
    assert.match(allowed.stdout, /^Plan: 0 to create, 0 to update, 4 to delete, 0 unchanged\.$/m);
    assert.ok(
      allowed.stdout.indexOf('- Site/shop') < allowed.stdout.indexOf('- Pool/shop'),
      'Sites before Pools',
    );
    noSecrets(allowed, SECRET);
  });

  test('an unparseable file: errors on stderr, clean resources planned, no deletions, exit 1', async (t) => {
    const env = setup(t);
    await env.apply();
    env.remove('docs.yaml');
    env.write('broken.yaml', 'apiVersion: tend/v1\nkind: Site\nmetadata: { name: x\n');
    env.write('blog.yaml', SITE('blog', '  clientMaxBodySize: 2m\n'));
    const r = env.tend();
    assert.equal(r.code, 1);
    assert.match(r.stderr, /broken\.yaml:\d+:\d+/);
    assert.ok(r.stdout.includes('  ~ Site/blog will be updated (spec changed)'), r.stdout);
    assert.ok(!r.stdout.includes('will be deleted'), r.stdout);
    assert.match(r.stdout, /^Deletions held: 1 source file failed to load; nothing is deleted/m);
    assert.match(r.stdout, /^ {4}Site\/docs$/m);
  });

  test('a Site proxying to a port: auto Program waits for its lease, then renders with it', (t) => {
    const env = setup(t);
    env.write(
      'api.yaml',
      `apiVersion: tend/v1\nkind: Program\nmetadata: { name: api }\nspec:\n  command: [node, server.js]\n  port: auto\n---\n` +
        SITE('app', '').replace(
          'preset: static\n  root: /var/www/app\n',
          'preset: proxy\n  proxy: { program: api }\n',
        ),
    );
    const r = env.tend('--only', 'Site/app');
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^ {2}! Site\/app is blocked: waiting for Program\/api's port/m);
    mkdirSync(env.layout.stateDir, { recursive: true });
    writeFileSync(
      join(env.layout.stateDir, 'ports.json'),
      JSON.stringify({ version: 1, leases: { 'Program/api#0': 23456 } }),
    );
    const leased = env.tend('--only', 'Site/app');
    assert.equal(leased.code, 2, leased.stderr);
    assert.match(leased.stdout, /^ {2}\+ Site\/app will be created$/m);
    assert.match(leased.stdout, /127\.0\.0\.1:23456/);
  });

  test("a Program's plan shows its field diff and whether its instances restart, in text and JSON", (t) => {
    const env = setup(t);
    for (const f of ['shop.yaml', 'docs.yaml', 'blog.yaml']) env.remove(f);
    const program = (command: string, instances: number, token: string) =>
      `apiVersion: tend/v1\nkind: Program\nmetadata: { name: api }\nspec:\n  command: [sleep, "${command}"]\n` +
      `  instances: ${instances}\n  env:\n    MODE: a\n    TOKEN: { value: ${token}, secret: true }\n`;
    env.write('api.yaml', program('1000', 2, SECRET));
    const created = env.tend();
    assert.equal(created.code, 2, created.stderr);
    assert.match(
      created.stdout,
      /^ {2}\+ Program\/api will be created\n {6}instances: starts 2 instance\(s\)$/m,
    );
    noSecrets(created, SECRET);
    // The real apply records the applied spec's fields (a one-shot reconcile runs no Program).
    const applied = spawnSync(process.execPath, [BIN, 'reconcile'], {
      cwd: env.base,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(applied.status, 0, `${applied.stdout}${applied.stderr}`);
    noSecrets({ code: applied.status, stdout: applied.stdout, stderr: applied.stderr }, SECRET);
    assert.ok(
      !readFileSync(join(env.layout.stateDir, 'inventory.json'), 'utf8').includes(SECRET),
      'the inventory keeps a digest of a secret, never its value',
    );
    assert.match(env.tend().stdout, /^No changes\. The host matches the desired state\.$/m);

    env.write('api.yaml', program('2000', 2, ROTATED));
    const rolled = env.tend();
    assert.equal(rolled.code, 2, rolled.stderr);
    assert.match(rolled.stdout, /^ {2}~ Program\/api will be updated \(spec changed\)$/m);
    assert.match(rolled.stdout, /^ {6}~ spec\.command: \["sleep","1000"\] -> \["sleep","2000"\]$/m);
    assert.match(rolled.stdout, /^ {6}~ spec\.env\.TOKEN: \(secret\) -> \(secret, changed\)$/m);
    assert.match(rolled.stdout, /^ {6}instances: instances restart one at a time \(rolling\)/m);
    assert.doesNotMatch(rolled.stdout, /spec\.env\.MODE|spec\.instances/, 'unchanged fields are not listed');
    noSecrets(rolled, SECRET, ROTATED);
    const json = env.tend('--json');
    noSecrets(json, SECRET, ROTATED);
    const change = JSON.parse(json.stdout).changes.find((c: { key: string }) => c.key === 'Program/api');
    assert.equal(change.runtime.restart, 'rolling');
    assert.deepEqual(
      change.runtime.fields.map((f: { field: string }) => f.field),
      ['spec.command', 'spec.env.TOKEN'],
    );
    assert.deepEqual(change.runtime.fields[0], {
      field: 'spec.command',
      before: '["sleep","1000"]',
      after: '["sleep","2000"]',
    });

    // Only the instance count: the running instances stay, one more starts.
    env.write('api.yaml', program('1000', 3, SECRET));
    const scaled = env.tend();
    assert.match(scaled.stdout, /^ {6}~ spec\.instances: 2 -> 3$/m);
    assert.match(
      scaled.stdout,
      /^ {6}instances: no running instance restarts: instances 2 → 3 \(started\)$/m,
    );
    assert.equal(
      JSON.parse(env.tend('--json').stdout).changes.find((c: { key: string }) => c.key === 'Program/api')
        .runtime.restart,
      'scale',
    );

    // Every change carries the runtime key; other kinds have null.
    env.write('docs.yaml', SITE('docs'));
    const both = JSON.parse(env.tend('--json').stdout).changes as { key: string; runtime: unknown }[];
    assert.equal(both.find((c) => c.key === 'Site/docs')?.runtime, null);
  });

  test("a new revision shows a restartOn: revision Program's graceful roll, in text and JSON", (t) => {
    const env = setup(t);
    for (const f of ['shop.yaml', 'docs.yaml', 'blog.yaml']) env.remove(f);
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', env.ds, ...args], {
        encoding: 'utf8',
      });
    const worker = (restartOn: string) =>
      `apiVersion: tend/v1\nkind: Program\nmetadata: { name: ${restartOn ? 'worker' : 'cron'} }\nspec:\n` +
      `  command: [sleep, "1000"]\n  instances: 2\n${restartOn ? `  restartOn: ${restartOn}\n` : ''}`;
    env.write('worker.yaml', worker('revision'));
    env.write('cron.yaml', worker(''));
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    const first = git('rev-parse', 'HEAD').stdout.trim();
    const applied = spawnSync(process.execPath, [BIN, 'reconcile'], {
      cwd: env.base,
      encoding: 'utf8',
      timeout: 60_000,
    });
    assert.equal(applied.status, 0, `${applied.stdout}${applied.stderr}`);
    assert.match(env.tend().stdout, /^No changes\. The host matches the desired state\.$/m);

    // A deploy: another file changes, the worker's spec does not.
    env.write('docs.yaml', SITE('docs'));
    git('add', '.');
    git('commit', '-qm', 'deploy');
    const second = git('rev-parse', 'HEAD').stdout.trim();
    const rolled = env.tend();
    assert.equal(rolled.code, 2, rolled.stderr);
    assert.match(
      rolled.stdout,
      /^ {2}~ Program\/worker will be updated \(the revision changed \(restartOn: revision\)\)$/m,
    );
    assert.ok(
      rolled.stdout.includes(`      ~ spec.env.TEND_REVISION: "${first}" -> "${second}"\n`),
      rolled.stdout,
    );
    assert.match(
      rolled.stdout,
      /^ {6}instances: instances restart one at a time \(rolling, restartOn: revision: the revision changed\), each once the one before is ready$/m,
    );
    assert.doesNotMatch(rolled.stdout, /Program\/cron/, 'a Program without restartOn stays as it runs');
    const json = JSON.parse(env.tend('--json').stdout);
    const change = json.changes.find((c: { key: string }) => c.key === 'Program/worker');
    assert.deepEqual(change.actions, ['update']);
    assert.equal(change.runtime.restart, 'rolling');
    assert.deepEqual(change.runtime.fields, [
      { field: 'spec.env.TEND_REVISION', before: JSON.stringify(first), after: JSON.stringify(second) },
    ]);
    assert.deepEqual(json.changes.find((c: { key: string }) => c.key === 'Program/cron').actions, ['no-op']);
  });

  test('the git commit of the desired state heads the plan', async (t) => {
    const env = setup(t);
    const git = (...args: string[]) =>
      spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-C', env.ds, ...args], {
        encoding: 'utf8',
      });
    git('init', '-q');
    git('add', '.');
    git('commit', '-qm', 'init');
    const head = git('rev-parse', 'HEAD').stdout.trim();
    const r = env.tend();
    assert.ok(r.stdout.startsWith(`Desired state: ./desired-state @ ${head.slice(0, 12)}\n`), r.stdout);
    assert.equal(JSON.parse(env.tend('--json').stdout).revision, head);
  });

  test('usage errors exit 1 and name the flag', (t) => {
    const env = setup(t);
    const r = env.tend('--only', 'Nope/x');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /expected --only KIND\/NAME/);
    const missing = env.tend('--only', 'Site/missing');
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /TEND_ERR_NOT_FOUND/);
  });
});
