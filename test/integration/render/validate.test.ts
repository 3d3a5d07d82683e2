// Rendered vhosts and pools are real config: each case is written into a temp prefix and checked
// by the real `nginx -t` and `php-fpm8.2 -t`; hostile values make render throw before any file exists.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout, systemLayout, type Layout } from '../../../src/layout/index.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { keyOf, type Pool } from '../../../src/model/index.js';
import { renderOne, type Rendered } from '../../../src/render/index.js';
import { freePort } from '../../helpers/ports.js';
import { tempDir } from '../../helpers/tmp.js';
import { renderCases, resource, type FixturePaths, type RenderCase } from '../../unit/render/fixtures.js';
import { HIDDEN_PATHS_MAP } from '../../../src/drivers/nginx/main-config.js';

const NGINX = '/usr/sbin/nginx';
const FPM = '/usr/sbin/php-fpm8.2';
const hasOpenssl = spawnSync('openssl', ['version']).status === 0;

async function distinctFreePort(taken: Set<number>): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (taken.has(port)) continue;
    taken.add(port);
    return port;
  }
}

interface Env {
  tmp: string;
  paths: FixturePaths;
  layouts: Record<Layout['profile'], Layout>;
}

async function setup(t: TestContext): Promise<Env> {
  const tmp = tempDir(t, 'tend-render-it-');
  const taken = new Set<number>();
  const [http, https, tcpPool, program, auto] = [
    await distinctFreePort(taken),
    await distinctFreePort(taken),
    await distinctFreePort(taken),
    await distinctFreePort(taken),
    await distinctFreePort(taken),
  ];
  const paths: FixturePaths = {
    www: join(tmp, 'www'),
    cert: join(tmp, 'tls/cert.pem'),
    key: join(tmp, 'tls/key.pem'),
    ports: [tcpPool!, program!, auto!],
  };
  mkdirSync(paths.www, { recursive: true });
  mkdirSync(join(tmp, 'tls'));
  if (hasOpenssl)
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=x',
        '-days',
        '1',
        '-keyout',
        paths.key,
        '-out',
        paths.cert,
      ],
      { stdio: 'ignore' },
    );
  const opts = { httpPort: http!, httpsPort: https! };
  return {
    tmp,
    paths,
    layouts: {
      embedded: embeddedLayout(join(tmp, 'embedded'), opts),
      system: systemLayout(join(tmp, 'system'), opts),
    },
  };
}

function render(env: Env, c: RenderCase): Rendered {
  const target = c.resources.find((r) => keyOf(r) === c.target)!;
  return renderOne(target, {
    layout: env.layouts[c.profile],
    resources: new Map(c.resources.map((r) => [keyOf(r), r])),
    programPorts: new Map(Object.entries(c.programPorts ?? {})),
    templates: loadTemplates(),
  });
}

/** Writes the files where the layout says, creating the directories the renderer asked for. */
function materialise(rendered: Rendered): string[] {
  for (const dir of rendered.directories ?? []) mkdirSync(dir, { recursive: true });
  return rendered.files.map((f) => {
    mkdirSync(dirname(f.path), { recursive: true });
    writeFileSync(f.path, f.content, { mode: f.mode });
    return f.path;
  });
}

function nginxTest(env: Env, name: string, vhosts: string[]) {
  const dir = join(env.tmp, 'nginx-check', name);
  mkdirSync(join(dir, 'temp'), { recursive: true });
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(
    (k) => `    ${k}_temp_path ${dir}/temp/${k};`,
  );
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    [
      `pid ${dir}/nginx.pid;`,
      `error_log ${dir}/error.log;`,
      'events {}',
      'http {',
      '    include /etc/nginx/mime.types;',
      `    access_log ${dir}/access.log;`,
      ...temp,
      // What embedded vhosts read from tend's own http block (system vhosts do not use it).
      ...HIDDEN_PATHS_MAP,
      ...vhosts.map((v) => `    include ${v};`),
      '}',
      '',
    ].join('\n'),
  );
  return spawnSync(NGINX, ['-t', '-p', dir, '-c', conf], { encoding: 'utf8' });
}

function fpmTest(env: Env, name: string, pools: string[], extraArgs: string[] = []) {
  const dir = join(env.tmp, 'fpm-check', name);
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, 'php-fpm.conf');
  const log = join(dir, 'php-fpm.log');
  writeFileSync(
    conf,
    [
      '[global]',
      `pid = ${dir}/php-fpm.pid`,
      `error_log = ${log}`,
      ...pools.map((p) => `include = ${p}`),
      '',
    ].join('\n'),
  );
  const res = spawnSync(FPM, [...extraArgs, '-y', conf, '-p', dir], { encoding: 'utf8' });
  return { ...res, log: existsSync(log) ? readFileSync(log, 'utf8') : '' };
}

test('every nginx preset and variant passes the real nginx -t, alone and all together', async (t) => {
  const env = await setup(t);
  const all: string[] = [];
  for (const c of renderCases(env.paths).filter((x) => x.target.startsWith('Site/'))) {
    await t.test(c.golden, (st) => {
      if (c.tls && !hasOpenssl)
        return st.skip('openssl is not installed: cannot make a throwaway certificate');
      const rendered = render(env, c);
      if (c.profile === 'system') {
        assert.deepEqual(rendered.links, [
          {
            path: env.layouts.system.nginx.siteLink('corp'),
            target: rendered.files[0]!.path,
            service: 'nginx',
          },
        ]);
      } else assert.deepEqual(rendered.links, []);
      const files = materialise(rendered);
      all.push(...files);
      const res = nginxTest(env, c.golden, files);
      assert.equal(
        res.status,
        0,
        `nginx -t failed for ${c.golden}:\n${res.stderr}\n${readFileSync(files[0]!, 'utf8')}`,
      );
      assert.match(res.stderr, /test is successful/);
    });
  }
  const res = nginxTest(env, 'all', all);
  assert.equal(res.status, 0, `nginx -t failed with every vhost included:\n${res.stderr}`);
});

test('a broken vhost is caught by the same check (the harness can fail)', async (t) => {
  const env = await setup(t);
  const bad = join(env.tmp, 'bad.conf');
  writeFileSync(bad, 'server { listen 127.0.0.1:1; bogus_directive on; }\n');
  assert.notEqual(nginxTest(env, 'bad', [bad]).status, 0);
  const badPool = join(env.tmp, 'bad-pool.conf');
  writeFileSync(badPool, '[bad]\nuser = www-data\nlisten = /tmp/x.sock\npm = dynamic\npm.max_children = 1\n');
  assert.notEqual(fpmTest(env, 'bad', [badPool], ['-t']).status, 0);
});

test('every pool variant passes the real php-fpm -t, alone and all together', async (t) => {
  const env = await setup(t);
  const all: string[] = [];
  for (const c of renderCases(env.paths).filter((x) => x.target.startsWith('Pool/'))) {
    await t.test(c.golden, () => {
      const files = materialise(render(env, c));
      all.push(...files);
      const res = fpmTest(env, c.golden, files, ['-t']);
      assert.equal(res.status, 0, `php-fpm -t failed for ${c.golden}:\n${res.stderr}\n${res.log}`);
    });
  }
  const res = fpmTest(env, 'all', all, ['-t']);
  assert.equal(res.status, 0, `php-fpm -t failed with every pool included:\n${res.stderr}\n${res.log}`);
});

test('env and php_admin values survive php-fpm’s own ini parser byte for byte', async (t) => {
  const env = await setup(t);
  const tricky = [
    'say "hi"; # not a comment = still text',
    'pa$$w0rd"${HOME}\\',
    'yes',
    "it's ~!|&()[]{}",
    'trailing\\',
  ];
  const pool = resource('Pool', 'roundtrip', {
    php: '8.2',
    env: Object.fromEntries(tricky.map((v, i) => [`V${i}`, { value: v }])),
    phpAdminValues: { 'session.name': 'a b=c,d' },
  });
  const rendered = render(env, {
    golden: 'roundtrip',
    target: 'Pool/roundtrip',
    resources: [pool],
    profile: 'embedded',
  });
  assert.deepEqual(rendered.files[0]!.secrets, tricky);
  const res = fpmTest(env, 'roundtrip', materialise(rendered), ['-tt']);
  assert.equal(res.status, 0, res.log);
  // -tt dumps the parsed pool (including env) into the error log: fine for a test, never in production.
  tricky.forEach((v, i) =>
    assert.ok(res.log.includes(`\tenv[V${i}] = ${v}\n`), `env[V${i}] did not round-trip:\n${res.log}`),
  );
  assert.ok(res.log.includes('\tphp_admin_value[session.name] = a b=c,d\n'));
});

test('a hostile value that slipped past the model makes render throw and no file is written', async (t) => {
  const env = await setup(t);
  const site = resource('Site', 'evil', {
    domains: ['evil.example.com'],
    preset: 'static',
    root: `${env.paths.www}/evil`,
  });
  const hostile = structuredClone(site) as typeof site & { spec: { extraDirectives: string[] } };
  hostile.spec.extraDirectives = ['gzip on\\'];
  const c: RenderCase = { golden: 'evil', target: 'Site/evil', resources: [hostile], profile: 'embedded' };
  assert.throws(
    () => render(env, c),
    (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
  );
  assert.equal(existsSync(env.layouts.embedded.nginx.siteFile('evil')), false);
  const pool = resource('Pool', 'evil', { php: '8.2' });
  const bad = structuredClone(pool) as Pool;
  (bad.spec.env as Record<string, string>).X = 'a\n[global]\npid = /etc/passwd';
  const pc: RenderCase = { golden: 'evil', target: 'Pool/evil', resources: [bad], profile: 'embedded' };
  assert.throws(
    () => render(env, pc),
    (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
  );
  assert.equal(existsSync(env.layouts.embedded.php.poolFile('8.2', 'evil')), false);
});
