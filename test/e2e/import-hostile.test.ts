// `tend import` on hostile host files: a directive that runs code or opens root's files, a value
// with newlines meant to forge YAML, a root path with ";", a root pool and a pool value with a shell
// substitution. Each is refused or listed with why; none reaches a desired-state field.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { hostArgs, importEnv, type Report } from './import-harness.js';

test('hostile host files: refused or listed with why, never in a generated config, no YAML injection', async (t) => {
  const env = await importEnv(t);
  unlinkSync(join(env.etc, 'sites-enabled/default'));
  unlinkSync(join(env.pools, 'www.conf'));
  mkdirSync(join(env.base, 'www/evil'), { recursive: true });
  const vhost = (name: string, body: string) => {
    const file = join(env.etc, `sites-available/${name}.conf`);
    writeFileSync(
      file,
      `server {\n    listen ${env.port};\n    server_name ${name}.example.test;\n${body}}\n`,
    );
    env.enable(file);
  };
  vhost(
    'evil',
    `    root ${env.base}/www/evil;
    lua_code_cache "off\\nkind: Program\\nspec: {allowRoot: true}";
    access_log /etc/shadow;
    include /etc/shadow;
    set $x "$(id)";
    gzip on;
    location / { try_files $uri $uri/ =404; }
`,
  );
  vhost('header', `    root ${env.base}/www/evil;\n    add_header X-Evil "a\\n# x\\nadopt: false" always;\n`);
  vhost('semi', '    root "/srv/a;b include /etc/shadow";\n');
  // A vhost not at sites-available/<name>.conf would stay enabled beside tend's file: refused.
  const plain = join(env.etc, 'sites-available/plain');
  writeFileSync(
    plain,
    `server {\n    listen ${env.port};\n    server_name plain.example.test;\n    root ${env.base}/www/evil;\n}\n`,
  );
  env.enable(plain);
  // A second server block in a file a Site takes over is listed under that Site, never dropped.
  const extra = join(env.etc, 'sites-available/evil.conf');
  writeFileSync(
    extra,
    `${readFileSync(extra, 'utf8')}server {\n    listen ${env.port};\n    server_name www.evil.example.test;\n    return 301 http://evil.example.test$request_uri;\n}\n`,
  );
  writeFileSync(
    join(env.pools, 'rooted.conf'),
    '[rooted]\nuser = root\nlisten = /run/php/r.sock\npm = static\npm.max_children = 2\n',
  );
  writeFileSync(
    join(env.pools, 'shell.conf'),
    '[shell]\nuser = www-data\nlisten = /run/php/s.sock\npm = static\npm.max_children = 2\nphp_admin_value[sendmail_path] = $(id)\n',
  );

  const out = join(env.base, 'ds');
  const run = await env.tend('import', '--out', out, '--json', ...hostArgs(env));
  assert.equal(run.code, 2, run.stderr);
  const report = JSON.parse(run.stdout) as Report;
  assert.deepEqual(
    report.resources.map((r) => r.key),
    ['Site/evil'],
  );
  const refused = (text: string) => report.refused.find((r) => r.text === text)?.why ?? '';
  assert.match(refused('Site/plain'), /rename this file \(and its link\) to plain\.conf/);
  assert.match(refused('Site/header'), /fails tend's validation.*spec\.headers/);
  assert.match(refused('Site/semi'), /fails tend's validation.*spec\.root/);
  assert.match(refused('Pool/rooted'), /fails tend's validation.*never runs as root/);
  assert.match(refused('Pool/shell'), /fails tend's validation.*phpAdminValues/);

  // What the Site cannot hold is listed with why, and is in no spec field.
  const evil = report.resources[0]!;
  const lostNames = evil.lost.map((l) => l.text.split(' ')[2]);
  for (const name of ['lua_code_cache', 'access_log', 'include', 'set'])
    assert.ok(lostNames.includes(name), name);
  assert.match(
    evil.lost.find((l) => l.text.includes('lua_code_cache'))!.why,
    /not kept in spec\.extraDirectives/,
  );
  const text = readFileSync(join(out, 'site-evil.yaml'), 'utf8');
  const docs = text.split(/^---$/m);
  assert.equal(docs.length, 1, 'one document: a listed value cannot start another');
  const doc = parseYaml(text) as { kind: string; spec: Record<string, unknown> };
  assert.equal(doc.kind, 'Site');
  assert.deepEqual(doc.spec.extraDirectives, ['gzip on']);
  assert.equal(doc.spec.allowRoot, undefined);
  assert.doesNotMatch(JSON.stringify(doc.spec), /shadow|lua|\$\(id\)/);
  // Every comment line is one line: the newline in the host's value stays escaped.
  for (const line of text.split('\n').filter((l) => l.includes('lua_code_cache')))
    assert.match(line, /^#.*off\\nkind: Program/);
  assert.doesNotMatch(run.stderr, /^(kind|spec|adopt):/m);
  // Only the importable Site was written.
  assert.deepEqual(readdirSync(out), ['site-evil.yaml']);
});
