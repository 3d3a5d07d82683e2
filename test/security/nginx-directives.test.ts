// Attacks on nginx's root master through a Site's extraDirectives and path fields, on real nginx:
// each is refused with a located error that names the directive, and nothing lands as root.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTendError } from '../../src/errors/catalogue.js';
import { embeddedLayout } from '../../src/layout/layout.js';
import { SCHEMAS, type Site } from '../../src/model/index.js';
import { loadTemplates } from '../../src/host/templates.js';
import { renderSite } from '../../src/render/nginx-site.js';
import {
  BIN,
  collect,
  e2eEnv,
  ensureBuilt,
  httpGet,
  poolYaml,
  staticSiteYaml,
  type E2eEnv,
} from '../helpers/e2e.js';

const tag = () => randomBytes(4).toString('hex');

/** A static Site whose only special part is one extra directive. */
function evilSite(env: E2eEnv, name: string, directive: string): string {
  const root = join(env.www, name);
  return staticSiteYaml(name, root, `  extraDirectives: [${JSON.stringify(directive)}]\n`);
}

function goodSite(env: E2eEnv): void {
  const root = join(env.www, 'good');
  if (!existsSync(root)) {
    mkdirSync(root, { recursive: true, mode: 0o755 });
    writeFileSync(join(root, 'index.html'), 'good\n');
  }
  env.write(
    'good.yaml',
    staticSiteYaml('good', root, '  extraDirectives: ["gzip on", "add_header X-Tenant good always"]\n'),
  );
}

/** `file:line:col: Site/name: spec.extraDirectives[0]: directive "x" is refused: …` */
const locatedRefusal = (name: string, directive: string) =>
  new RegExp(
    `^[\\w.-]+\\.yaml:\\d+:\\d+: Site/${name}: spec\\.extraDirectives\\[0\\]: directive "${directive}" is refused: `,
    'm',
  );

test('access_log /root/x in extraDirectives: located refusal, the vhost never reaches nginx, nothing in /root', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-dir-');
  const target = `/root/tend-sec-${tag()}.sh`;
  t.after(() => rmSync(target, { force: true }));
  goodSite(env);
  env.write('evil.yaml', evilSite(env, 'evil', `access_log ${target}`));

  const r = await env.reconcile();
  assert.equal(r.code, 1, 'a pass with a refused resource exits 1');
  assert.match(r.stderr, locatedRefusal('evil', 'access_log'));
  assert.match(r.stderr, /nginx's master \(root\) creates and appends to the file it names/);
  // The good Site is live (its allowed directives included), the evil one never became a vhost.
  const good = await httpGet(env.port, 'good.e2e.test', '/', 10_000);
  assert.equal(good.status, 200);
  assert.equal(good.headers['x-tenant'], 'good');
  const layout = embeddedLayout(env.root, { httpPort: env.port });
  assert.equal(existsSync(layout.nginx.siteFile('evil')), false);
  // The attack: a request whose User-Agent would be shell code in a root-sourced file.
  await httpGet(env.port, 'evil.e2e.test', '/', 10_000);
  await httpGet(env.port, 'good.e2e.test', '/', 10_000);
  assert.equal(existsSync(target), false, `${target} must not exist`);
});

test('client_body_temp_path /etc: refused, /etc keeps its owner', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-dir-');
  const before = statSync('/etc');
  // Should the refusal ever regress, the attack really chowns /etc: give it back whatever happens.
  t.after(() => {
    const now = statSync('/etc');
    if (now.uid !== before.uid || now.gid !== before.gid) chownSync('/etc', before.uid, before.gid);
  });
  goodSite(env);
  env.write('evil.yaml', evilSite(env, 'evil', 'client_body_temp_path /etc'));
  const r = await env.reconcile();
  assert.equal(r.code, 1);
  assert.match(r.stderr, locatedRefusal('evil', 'client_body_temp_path'));
  assert.match(r.stderr, /creates that directory and chowns it to the worker user/);
  assert.equal((await httpGet(env.port, 'good.e2e.test', '/', 10_000)).status, 200);
  const after = statSync('/etc');
  assert.deepEqual([after.uid, after.gid], [before.uid, before.gid], '/etc is still root:root');
});

test('tend validate names every dangerous directive, and allows the harmless ones', async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-dir-');
  const attacks: [string, string, RegExp][] = [
    ['incl', 'include /etc/shadow', /nginx reads the file it names as root/],
    ['errlog', 'error_log /root/e.log', /creates and appends/],
    ['proxytmp', 'proxy_temp_path /root/p', /chowns it/],
    ['fcgitmp', 'fastcgi_temp_path /etc/x', /chowns it/],
    ['cert', 'ssl_certificate /etc/shadow', /opens the file it names/],
    ['alias', 'alias /etc/', /path other than the Site's root/],
    ['root', 'root /etc', /path other than the Site's root/],
    ['module', 'load_module /tmp/evil.so', /reads the file it names as root/],
    ['listen', 'listen 0.0.0.0:9', /derives listen addresses/],
    ['lua', 'lua_code_cache off', /runs code inside nginx/],
    ['perl', 'perl_modules /tmp', /runs code inside nginx/],
    ['setvar', 'set $tend_fastcgi unix:/run/other.sock', /tend_fastcgi/],
    ['symlinks', 'disable_symlinks off', /another tenant's files/],
    ['htpasswd', 'auth_basic_user_file /etc/shadow', /opens the file it names/],
    ['unknown', 'resolver 8.8.8.8', /not on tend's allowlist/],
  ];
  for (const [name, directive] of attacks) env.write(`${name}.yaml`, evilSite(env, name, directive));
  env.write(
    'php.yaml',
    `${poolYaml('php')}---\n${staticSiteYaml('phpval', join(env.www, 'pv'), '  extraDirectives: ["fastcgi_param PHP_ADMIN_VALUE open_basedir=/"]\n')}`,
  );
  goodSite(env);
  const r = await collect(
    spawn(process.execPath, [BIN, 'validate', '-d', env.ds, '--web-base', env.base], { stdio: 'pipe' }),
  );
  assert.equal(r.code, 1);
  for (const [name, directive, why] of attacks) {
    const line = r.stdout.split('\n').find((l) => l.includes(`Site/${name}:`)) ?? '';
    assert.match(line, locatedRefusal(name, directive.split(' ')[0]!), `${name}: ${line}`);
    assert.match(line, why, name);
  }
  assert.match(
    r.stdout,
    /Site\/phpval: spec\.extraDirectives\[0\]: directive "fastcgi_param PHP_ADMIN_VALUE" is refused/,
  );
  assert.doesNotMatch(r.stdout, /Site\/good:/, 'gzip and add_header are allowed');
  assert.match(r.stdout, new RegExp(`^${attacks.length + 1} errors in ${attacks.length + 1} files`, 'm'));
});

test('the renderer refuses a dangerous directive even when the schema was bypassed', () => {
  const site = SCHEMAS.Site.parse({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name: 'x' },
    spec: { domains: ['x.test'], preset: 'static', root: '/srv/x' },
  }) as Site;
  const hostile = structuredClone(site);
  hostile.spec.extraDirectives = ['access_log /root/x'];
  const ctx = { layout: embeddedLayout('/srv/tend'), resources: new Map(), templates: loadTemplates() };
  assert.throws(
    () => renderSite(hostile, ctx),
    (e: unknown) =>
      isTendError(e, 'TEND_ERR_UNSAFE_VALUE') && /directive "access_log" is refused/.test(e.message),
  );
});

test("a Pool slowlog path outside tend's log dir is refused; a file name lands in it", async (t) => {
  ensureBuilt();
  const env = await e2eEnv(t, 'tend-sec-dir-');
  const target = `/root/tend-sec-${tag()}.slow.log`;
  env.write('p.yaml', poolYaml('p', `  slowlog: { timeout: 5s, path: ${target} }\n`));
  const r = await env.reconcile();
  assert.equal(r.code, 1);
  assert.match(
    r.stderr,
    /^p\.yaml:\d+:\d+: Pool\/p: spec\.slowlog\.path: expected a file name such as slow\.log/m,
  );
  assert.equal(existsSync(target), false);

  env.write('p.yaml', poolYaml('p', '  slowlog: { timeout: 5s, path: slow.log }\n'));
  const ok = await env.reconcile();
  assert.equal(ok.code, 0, ok.stdout + ok.stderr);
  const logDir = join(env.root, 'log/php');
  assert.ok(readdirSync(logDir).includes('8.2-p.slow.log'), readdirSync(logDir).join(','));
});
