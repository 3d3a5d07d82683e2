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
  const vhost = join(env.etc, 'sites-available/evil.conf');
  writeFileSync(
    vhost,
    `server {
    listen ${env.port};
    server_name evil.example.test;
    root ${env.base}/www/evil;
    lua_code_cache "off\\nkind: Program\\nspec: {allowRoot: true}";
    access_log /etc/shadow;
    include /etc/shadow;
    set $x "$(id)";
    gzip on;
    location / { try_files $uri $uri/ =404; }
}
server {
    listen ${env.port};
    server_name header.example.test;
    root ${env.base}/www/evil;
    add_header X-Evil "a\\n# x\\nadopt: false" always;
}
server {
    listen ${env.port};
    server_name semi.example.test;
    root "/srv/a;b include /etc/shadow";
}
`,
  );
  env.enable(vhost);
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
  assert.match(refused('Site/evil-2'), /fails tend's validation.*spec\.headers/);
  assert.match(refused('Site/evil-3'), /fails tend's validation.*spec\.root/);
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
