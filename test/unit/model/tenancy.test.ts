// Table tests for the tenancy rules: web bases, system dirs, tend's own root, the directive
// allowlist, the unsafe listen opt-in, and the --web-base flag on every command that takes it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  DEFAULT_WEB_BASES,
  SCHEMAS,
  extraDirectiveProblem,
  tenantPathProblem,
  tenantPathsUnderWebBase,
  type Kind,
  type Resource,
} from '../../../src/model/index.js';
import { parseServeArgs } from '../../../src/cli/serve-args.js';
import { parseReconcileArgs } from '../../../src/cli/reconcile.js';

const r = (kind: Kind, name: string, spec: Record<string, unknown>): Resource =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec });
const policy = { webBases: DEFAULT_WEB_BASES, protectedPaths: ['/srv/tend/.tend'] };

const PATHS: [path: string, problem: RegExp | undefined][] = [
  ['/var/www/shop', undefined],
  ['/srv/docs/html', undefined],
  ['/var/www', /is a web base itself/],
  ['/srv/', /is a web base itself/],
  ['/', /whole file system/],
  ['/etc', /system directory \/etc/],
  ['/etc/nginx', /system directory \/etc/],
  ['/root/site', /system directory \/root/],
  ['/var/lib/mysql', /system directory \/var\/lib/],
  ['/opt/app', /outside the web bases/],
  ['/var/wwwx/a', /outside the web bases/],
  ['/srv/tend/.tend/state', /overlaps tend's own directory/],
  ['/srv/tend', /overlaps tend's own directory/],
];
for (const [path, problem] of PATHS)
  test(`tenant path ${path}: ${problem ? 'refused' : 'allowed'}`, () => {
    const got = tenantPathProblem(path, policy);
    if (problem) assert.match(got ?? '', problem);
    else assert.equal(got, undefined);
  });

test('the cross rule checks Site roots and every Pool path, with the configured bases', () => {
  const all = [
    r('Site', 'a', { domains: ['a.test'], preset: 'static', root: '/home/a/www' }),
    r('Pool', 'p', {
      php: '8.2',
      chdir: '/etc',
      openBasedir: ['/data/a', '/data/b'],
      user: { name: 'p', create: true, home: '/root' },
    }),
  ];
  const issues = tenantPathsUnderWebBase(all, { webBases: ['/data'] });
  assert.deepEqual(
    issues.map((i) => `${i.key} ${i.path.join('.')} ${i.code}`),
    [
      'Site/a spec.root TEND_ERR_OUTSIDE_WEB_BASE',
      'Pool/p spec.chdir TEND_ERR_OUTSIDE_WEB_BASE',
      'Pool/p spec.user.home TEND_ERR_OUTSIDE_WEB_BASE',
    ],
  );
  // Without a context the defaults apply: /home is outside them.
  assert.equal(tenantPathsUnderWebBase(all.slice(0, 1)).length, 1);
});

test('directive allowlist: harmless ones pass, others are refused by name', () => {
  for (const d of [
    'gzip on',
    'expires 1h',
    'add_header X-A b always',
    'return 301 /x',
    'fastcgi_param APP_ENV prod',
  ])
    assert.equal(extraDirectiveProblem(d), undefined, d);
  const refused: [string, string][] = [
    ['access_log /root/x', 'access_log'],
    ['uwsgi_temp_path /etc', 'uwsgi_temp_path'],
    ['resolver 1.1.1.1', 'resolver'],
    ['fastcgi_param php_value auto_prepend_file=/etc/passwd', 'fastcgi_param php_value'],
  ];
  for (const [d, name] of refused)
    assert.match(extraDirectiveProblem(d) ?? '', new RegExp(`^directive "${name}" is refused: `), d);
});

test('listen: TCP and modes wider than 0660 need unsafe: true; 0600 and 0640 do not', () => {
  const pool = (listen: unknown) =>
    SCHEMAS.Pool.safeParse({
      apiVersion: 'tend/v1',
      kind: 'Pool',
      metadata: { name: 'p' },
      spec: { php: '8.2', listen },
    });
  const paths = (listen: unknown) => {
    const res = pool(listen);
    return res.success ? [] : res.error.issues.map((i) => i.path.join('.'));
  };
  assert.deepEqual(paths({ port: 9000 }), ['spec.listen.port']);
  assert.deepEqual(paths({ port: 9000, unsafe: true }), []);
  assert.deepEqual(paths({ mode: '0666' }), ['spec.listen.mode']);
  assert.deepEqual(paths({ mode: '0670' }), ['spec.listen.mode']);
  assert.deepEqual(paths({ mode: '0666', unsafe: true }), []);
  assert.deepEqual(paths({ mode: '0600' }), []);
  assert.deepEqual(paths({ mode: '0640' }), []);
});

test('--web-base: default, repeatable, relative to cwd, and never a system directory', () => {
  const serve = parseServeArgs([], '/work');
  assert.ok(serve !== 'help');
  assert.deepEqual(serve.webBases, ['/var/www', '/srv']);
  const two = parseServeArgs(['--web-base', 'sites', '--web-base', '/data/www'], '/work');
  assert.ok(two !== 'help');
  assert.deepEqual(two.webBases, ['/work/sites', '/data/www']);
  assert.throws(
    () => parseServeArgs(['--web-base', '/etc'], '/work'),
    /--web-base: "\/etc" is inside the system directory \/etc/,
  );
  assert.throws(() => parseServeArgs(['--web-base', '/'], '/work'), /whole file system/);
  const rec = parseReconcileArgs(['--web-base', '/usr/share'], '/work');
  assert.equal(rec.ok, false);
  const ok = parseReconcileArgs(['--plan', '--web-base', '/home'], '/work');
  assert.ok(ok.ok === true && ok.opts.webBases[0] === '/home');
});

test('tls paths: /etc/ssl, /etc/letsencrypt or a web base; never /root, /etc/shadow or a served root', () => {
  const site = (name: string, certificate: string, key: string) =>
    r('Site', name, {
      domains: [`${name}.test`],
      preset: 'static',
      root: `/srv/${name}`,
      tls: { certificate, key },
    });
  const all = [
    site('ok', '/etc/letsencrypt/live/ok.test/fullchain.pem', '/etc/ssl/private/ok.key'),
    site('tenant', '/srv/certs/t.pem', '/srv/certs/t.key'),
    site('shadow', '/etc/ssl/c.pem', '/etc/shadow'),
    site('root', '/root/c.pem', '/etc/ssl/k.pem'),
    site('served', '/etc/ssl/c.pem', '/srv/ok/key.pem'),
  ];
  assert.deepEqual(
    tenantPathsUnderWebBase(all).map((i) => `${i.key} ${i.path.join('.')}`),
    ['Site/shadow spec.tls.key', 'Site/root spec.tls.certificate', 'Site/served spec.tls.key'],
  );
});
