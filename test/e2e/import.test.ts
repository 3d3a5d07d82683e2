// `tend import` (issue 15 item 5) on a relocated copy of a Debian host: Debian's stock vhost and
// pool, hand-written Laravel, WordPress and websocket-proxy vhosts, an ondemand pool with
// php_admin_values and a supervisord program. Each goes import → validate → plan → apply with the
// real nginx and php-fpm; tend's written file differs from the host's by exactly what the import
// listed, the next plan is in sync, and the sites still answer with the pools' settings.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { phpFpmDirectories, renderPhpFpmMainConfig } from '../../src/drivers/php-fpm/main-config.js';
import { systemLayout } from '../../src/layout/layout.js';
import { httpGet } from '../helpers/e2e.js';
import {
  assertExactlyListed,
  assertPlanMatchesImport,
  hostArgs,
  importEnv,
  type ImportEnv,
  type PlannedChange,
  type Report,
} from './import-harness.js';

test("Debian's stock default site and [www] pool: listed with why, nothing written for them", async (t) => {
  const env = await importEnv(t);
  const out = join(env.base, 'ds');
  const run = await env.tend('import', '--out', out, '--json', ...hostArgs(env));
  assert.equal(run.code, 2, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(report.resources, []);
  const why = (file: string) => report.refused.find((r) => r.file.endsWith(file))?.why ?? '';
  assert.match(why('sites-available/default'), /server_name _ is not a domain name/);
  assert.match(why('pool.d/www.conf'), /fails tend's validation.*pool name other than "www"/);
  assert.match(run.stderr, /not imported \(.*sites-available\/default:\d+\): server: server_name _/);
  assert.deepEqual(readdirSync(out), []);
});

test(
  "Debian's stock vhost and pool under real names: import, validate, apply on nginx and php-fpm, in sync",
  { timeout: 300_000 },
  async (t) => {
    const env = await importEnv(t);
    const www = join(env.base, 'www/stock');
    mkdirSync(www, { recursive: true });
    writeFileSync(join(www, 'index.php'), '<?php echo "stock:", ini_get("memory_limit");\n');
    // The stock vhost with a name and PHP switched on (its own commented-out lines), and the stock
    // pool as [stock]: every other line as Debian ships it.
    const vhost = join(env.etc, 'sites-available/stock.conf');
    writeFileSync(
      vhost,
      readFileSync(join(env.etc, 'sites-available/default'), 'utf8')
        .replace(/listen (\[::\]:)?(\d+) default_server;/g, 'listen $1$2;')
        .replace('server_name _;', 'server_name stock.example.test;')
        .replace('root /var/www/html;', `root ${www};`)
        .replace('\t#location ~ \\.php$ {', '\tlocation ~ \\.php$ {')
        .replace('\t#\tinclude snippets/fastcgi-php.conf;', '\t\tinclude snippets/fastcgi-php.conf;')
        .replace(
          '\t#\tfastcgi_pass unix:/run/php/php7.4-fpm.sock;',
          '\t\tfastcgi_pass unix:/run/php/php8.2-fpm.sock;',
        )
        .replace('\t#\tfastcgi_pass 127.0.0.1:9000;\n\t#}', '\t#\tfastcgi_pass 127.0.0.1:9000;\n\t}')
        .replace('index index.html', 'index index.php index.html'),
    );
    unlinkSync(join(env.etc, 'sites-enabled/default'));
    env.enable(vhost);
    const pool = join(env.pools, 'stock.conf');
    writeFileSync(pool, readFileSync(join(env.pools, 'www.conf'), 'utf8').replace(/^\[www\]$/m, '[stock]'));
    unlinkSync(join(env.pools, 'www.conf'));
    const originals = { 'Site/stock': readFileSync(vhost, 'utf8'), 'Pool/stock': readFileSync(pool, 'utf8') };
    assert.match(
      originals['Site/stock'],
      /^\s*fastcgi_pass unix:\/run\/php\/php8.2-fpm.sock;/m,
      'PHP switched on',
    );

    await roundTrip(env, originals, async () => {
      const php = await httpGet(env.port, 'stock.example.test', '/index.php');
      assert.equal(php.status, 200, php.body);
      // Debian's php.ini default: the stock pool sets no memory_limit of its own.
      assert.equal(php.body, 'stock:128M');
    });
  },
);

test(
  'Laravel, WordPress and websocket proxy vhosts with their pools: import, validate, apply, in sync',
  { timeout: 300_000 },
  async (t) => {
    const env = await importEnv(t);
    unlinkSync(join(env.etc, 'sites-enabled/default'));
    const upstream = createServer((req, res) => res.end(`node app saw ${req.headers.host} ${req.url}`));
    await new Promise<void>((ok) => upstream.listen(0, '127.0.0.1', ok));
    t.after(() => new Promise<void>((ok) => upstream.close(() => ok())));
    const upstreamPort = (upstream.address() as AddressInfo).port;
    for (const [dir, file, body] of [
      [
        'www/shop/public',
        'index.php',
        '<?php echo "shop:", ini_get("memory_limit"), ":", ini_get("display_errors") ?: "off";\n',
      ],
      ['www/blog', 'index.php', '<?php echo "blog:", ini_get("memory_limit");\n'],
    ] as const) {
      mkdirSync(join(env.base, dir), { recursive: true });
      writeFileSync(join(env.base, dir, file), body);
    }
    const originals: Record<string, string> = {};
    for (const [fixture, name, key] of [
      ['laravel.conf', 'laravel.conf', 'Site/laravel'],
      ['wordpress.conf', 'wordpress.conf', 'Site/wordpress'],
      ['proxy.conf', 'proxy.conf', 'Site/proxy'],
    ] as const) {
      const file = join(env.etc, 'sites-available', name);
      env.fixture(fixture, file, upstreamPort);
      env.enable(file);
      originals[key] = readFileSync(file, 'utf8');
    }
    for (const [fixture, key] of [
      ['shop-pool.conf', 'Pool/shop'],
      ['blog-pool.conf', 'Pool/blog'],
    ] as const) {
      const file = join(env.pools, `${key.slice(5)}.conf`);
      env.fixture(fixture, file);
      originals[key] = readFileSync(file, 'utf8');
    }

    const report = await roundTrip(env, originals, async () => {
      const shop = await httpGet(env.port, 'shop.example.test', '/');
      assert.equal(shop.status, 200, shop.body);
      assert.equal(shop.body, 'shop:256M:off', 'the ondemand pool kept its php_admin_values');
      const blog = await httpGet(env.port, 'blog.example.test', '/');
      assert.equal(blog.body, 'blog:128M');
      const app = await httpGet(env.port, 'app.example.test', '/socket?x=1');
      assert.equal(app.body, 'node app saw app.example.test /socket?x=1');
    });

    // The parts a Site cannot express are named, each with the line it came from and why.
    const lost = (key: string) => report.resources.find((r) => r.key === key)?.lost ?? [];
    const wp = lost('Site/wordpress').map((l) => `${l.line} ${l.text}`);
    assert.ok(wp.includes('9 server > access_log /var/log/nginx/blog.access.log'), wp.join('\n'));
    assert.ok(
      wp.some((l) => /^33 .*> expires 30d$/.test(l)),
      wp.join('\n'),
    );
    assert.deepEqual(
      lost('Pool/shop').map((l) => l.text),
      ['listen = /run/php/php8.2-fpm-shop.sock', 'php_value[date.timezone] = Europe/Berlin'],
    );
    assert.match(lost('Pool/shop')[1]!.why, /phpAdminValues/);
    assert.deepEqual(
      lost('Site/proxy').map((l) => l.text),
      ['server > location / > proxy_set_header Connection upgrade'],
    );
  },
);

test('a supervisord program: imported as backend supervisord, adopted by the plan, never as root', async (t) => {
  const env = await importEnv(t);
  unlinkSync(join(env.etc, 'sites-enabled/default'));
  unlinkSync(join(env.pools, 'www.conf'));
  const conf = join(env.root, 'etc/supervisor/conf.d');
  env.fixture('worker.conf', join(conf, 'shop-worker.conf'));
  writeFileSync(join(conf, 'rooted.conf'), '[program:rooted]\ncommand=/usr/bin/backup --all\nuser=root\n');
  // --dry-run prints the same YAML and writes nothing.
  const dry = await env.tend('import', '--dry-run', ...hostArgs(env));
  assert.equal(dry.code, 2, dry.stderr);
  assert.match(dry.stdout, /^---\n# Imported by `tend import` from .*shop-worker\.conf:2\./);
  assert.equal((parseYaml(dry.stdout.slice(4)) as { kind: string }).kind, 'Program');
  assert.match(dry.stderr, /^Program\/shop-worker from /m);
  assert.ok(!readdirSync(env.base).includes('ds'));

  const out = join(env.base, 'ds');
  const run = await env.tend('import', '--out', out, '--json', ...hostArgs(env));
  assert.equal(run.code, 2, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(
    report.resources.map((r) => r.key),
    ['Program/shop-worker'],
  );
  // A second import into the same directory never overwrites what the first wrote.
  const again = await env.tend('import', '--out', out, ...hostArgs(env));
  assert.equal(again.code, 1);
  assert.match(again.stderr, /program-shop-worker\.yaml already exists; import writes new files only/);
  const doc = parseYaml(readFileSync(join(out, 'program-shop-worker.yaml'), 'utf8')) as {
    spec: Record<string, unknown>;
  };
  assert.deepEqual(doc.spec.command, [
    'php',
    `${env.base}/www/shop/artisan`,
    'queue:work',
    '--sleep=3',
    '--tries=3',
    '--max-time=3600',
  ]);
  assert.equal(doc.spec.backend, 'supervisord');
  assert.equal(doc.spec.adopt, true);
  assert.deepEqual(doc.spec.env, { APP_ENV: 'production', QUEUE: 'default' });
  assert.deepEqual(
    report.resources[0]!.lost.map((l) => l.text),
    ['stdout_logfile = /var/log/supervisor/shop-worker.log'],
  );
  // root stays root's business: import never writes allowRoot, so that program is refused, with why.
  const rooted = report.refused.find((r) => r.file.endsWith('rooted.conf'));
  assert.match(rooted?.why ?? '', /fails tend's validation.*root/);
  assert.ok(!readdirSync(out).includes('program-rooted.yaml'));

  const plan = await env.tend(
    'reconcile',
    '--plan',
    '--json',
    '-d',
    out,
    '--profile',
    'system',
    ...hostArgs(env),
  );
  assert.equal(plan.code, 2, plan.stderr);
  const changes = (JSON.parse(plan.stdout) as { changes: PlannedChange[] }).changes;
  const change = changes.find((c) => c.key === 'Program/shop-worker');
  assert.equal(change?.blocked ?? null, null, 'Program/shop-worker: blocked');
  assert.match(change?.reason ?? '', /adopting .*shop-worker\.conf \(spec\.adopt: true\)/);
  const text = await env.tend('reconcile', '--plan', '-d', out, '--profile', 'system', ...hostArgs(env));
  assertPlanMatchesImport(report.resources[0]!, changes, text.stdout);
});
/**
 * import → validate → plan (an adopting update each, none blocked) → apply on real nginx and
 * php-fpm → each written file differs from the host's by exactly what was listed → plan in sync →
 * `served` checks the sites still answer. Returns the import report.
 */
async function roundTrip(env: ImportEnv, originals: Record<string, string>, served: () => Promise<void>) {
  const out = join(env.base, 'ds');
  const run = await env.tend('import', '--out', out, '--json', ...hostArgs(env));
  assert.ok(run.code === 0 || run.code === 2, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(report.resources.map((r) => r.key).sort(), Object.keys(originals).sort(), run.stderr);
  // Every listed line is in the YAML's comments too.
  for (const r of report.resources) {
    const [kind, name] = r.key.split('/') as [string, string];
    const yaml = readFileSync(join(out, `${kind.toLowerCase()}-${name}.yaml`), 'utf8');
    for (const l of r.lost)
      assert.ok(yaml.includes(JSON.stringify(l.text).slice(1, -1)), `${r.key}: ${l.text}`);
  }

  const common = ['-d', out, '--profile', 'system', ...hostArgs(env)];
  const valid = await env.tend('validate', ...common);
  assert.equal(valid.code, 0, valid.stdout + valid.stderr);
  const plan = await env.tend('reconcile', '--plan', '--json', ...common);
  assert.equal(plan.code, 2, plan.stderr);
  const changes = (JSON.parse(plan.stdout) as { changes: PlannedChange[] }).changes;
  for (const key of Object.keys(originals)) {
    const change = changes.find((c) => c.key === key);
    assert.equal(change?.blocked ?? null, null, `${key}: blocked`);
    assert.match(change?.reason ?? '', /^adopting .* \(spec\.adopt: true\)$/, key);
  }
  // The plan says, directive by directive, what the import listed: the same directives when nothing
  // was left out, otherwise exactly the lines not carried over; the text shows only those.
  const text = await env.tend('reconcile', '--plan', ...common);
  assert.equal(text.code, 2, text.stderr);
  for (const r of report.resources) assertPlanMatchesImport(r, changes, text.stdout);

  // The distribution's php-fpm.conf (the test plays Debian here), then apply for real.
  const layout = systemLayout(env.root, { httpPort: env.port });
  for (const dir of phpFpmDirectories(layout, '8.2')) mkdirSync(dir, { recursive: true });
  writeFileSync(layout.php.mainConfig('8.2'), renderPhpFpmMainConfig(layout, '8.2'));
  const apply = await env.tend('reconcile', ...common);
  assert.equal(apply.code, 0, apply.stdout + apply.stderr);
  for (const r of report.resources) {
    const [kind, name] = r.key.split('/') as ['Site' | 'Pool', string];
    const file = kind === 'Site' ? layout.nginx.siteFile(name) : layout.php.poolFile('8.2', name);
    assert.equal(r.file, file, `${r.key} was adopted in place`);
    assertExactlyListed(r, originals[r.key]!, readFileSync(file, 'utf8'));
  }
  const again = await env.tend('reconcile', '--plan', ...common);
  assert.equal(again.code, 0, `in sync after the apply:\n${again.stdout}${again.stderr}`);
  await served();
  return report;
}

test('exact imports (a reverse proxy, a queue worker): the plan says "same directives" and names what tend adds', async (t) => {
  const env = await importEnv(t);
  unlinkSync(join(env.etc, 'sites-enabled/default'));
  unlinkSync(join(env.pools, 'www.conf'));
  // The fixtures less the one line each that tend would not carry over (listed in the tests above).
  const vhost = join(env.etc, 'sites-available/proxy.conf');
  env.fixture('proxy.conf', vhost, 3000);
  writeFileSync(
    vhost,
    readFileSync(vhost, 'utf8').replace(/^\s*proxy_set_header Connection "upgrade";\n/m, ''),
  );
  env.enable(vhost);
  const worker = join(env.root, 'etc/supervisor/conf.d/shop-worker.conf');
  env.fixture('worker.conf', worker);
  writeFileSync(worker, readFileSync(worker, 'utf8').replace(/^stdout_logfile=.*\n/m, ''));

  const out = join(env.base, 'ds');
  const run = await env.tend('import', '--out', out, '--json', ...hostArgs(env));
  assert.ok(run.code === 0 || run.code === 2, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(report.resources.map((r) => r.key).sort(), ['Program/shop-worker', 'Site/proxy']);
  for (const r of report.resources) assert.deepEqual(r.lost, [], `${r.key}: nothing left out`);

  const common = ['-d', out, '--profile', 'system', ...hostArgs(env)];
  const json = await env.tend('reconcile', '--plan', '--json', ...common);
  assert.equal(json.code, 2, json.stderr);
  const changes = (JSON.parse(json.stdout) as { changes: PlannedChange[] }).changes;
  const text = await env.tend('reconcile', '--plan', ...common);
  assert.equal(text.code, 2, text.stderr);
  for (const r of report.resources) assertPlanMatchesImport(r, changes, text.stdout);
  const proxy = text.stdout.split('\n').find((l) => l.startsWith('  ~ Site/proxy '))!;
  assert.match(proxy, /; same directives as the host file; tend adds \d+ lines: .*proxy_set_header/);
  assert.match(
    text.stdout,
    /~ Program\/shop-worker will be updated \(adopting .*; same directives as the host file/,
  );
  // The full text diff is still there for whoever wants it.
  const full = await env.tend('reconcile', '--plan', '--diff', 'full', ...common);
  assert.match(full.stdout, new RegExp(`^ {6}\\+\\+\\+ ${vhost.replace(/[.]/g, '\\.')}$`, 'm'));
});
