// Attack: any local user reads the logs tend's services write (access logs carry visitors' URLs and
// query strings, Program logs carry whatever the app prints). Every log nginx, php-fpm and the native
// supervisor create under tend must be unreadable by others, checked on the real files after real
// traffic; a 2-character secret printed by a crashing Program is masked in status like any other.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { httpGet, phpPairYaml, staticSiteYaml } from '../helpers/e2e.js';
import { serveEnv, waitFor } from '../e2e/serve-harness.js';

/** Every regular file under dir with its mode. */
function files(dir: string): { path: string; mode: number; size: number }[] {
  const out: { path: string; mode: number; size: number }[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, e.name);
    if (e.isDirectory()) out.push(...files(path));
    else if (e.isFile()) {
      const st = statSync(path);
      out.push({ path, mode: st.mode & 0o777, size: st.size });
    }
  }
  return out;
}

test('nginx, php-fpm and Program logs are not world-readable; a 2-character secret is masked', async (t) => {
  const env = await serveEnv(t);
  const logDir = join(env.root, 'log');
  const plainRoot = join(env.www, 'plain');
  const phpRoot = join(env.www, 'php');
  mkdirSync(plainRoot);
  mkdirSync(phpRoot);
  writeFileSync(join(plainRoot, 'index.html'), 'plain\n');
  writeFileSync(
    join(phpRoot, 'index.php'),
    '<?php usleep(isset($_GET["slow"]) ? 2500000 : 0); echo "php\\n";',
  );
  env.write('plain.yaml', staticSiteYaml('plain', plainRoot));
  env.write(
    'php.yaml',
    phpPairYaml({
      pool: 'php',
      site: 'php',
      domain: 'php.e2e.test',
      root: phpRoot,
      maxChildren: 2,
      poolSpec: '  slowlog: { timeout: 1s }\n  requestTimeout: 30s\n',
    }),
  );
  env.write(
    'leaky.yaml',
    `apiVersion: tend/v1
kind: Program
metadata: { name: leaky }
spec:
  command: [/bin/sh, -c, 'echo "short=$SHORT"; echo "long=$LONG"; exit 3']
  user: nobody
  env: { SHORT: { value: ab }, LONG: { value: s3cr3t-long } }
`,
  );
  // A log an older tend (or nginx itself) left world-readable is made private, not just new ones.
  mkdirSync(join(logDir, 'nginx'), { recursive: true });
  writeFileSync(join(logDir, 'nginx/plain.access.log'), '', { mode: 0o644 });

  await env.start();
  await waitFor(
    'the static Site',
    async () => (await httpGet(env.port, 'plain.e2e.test')).body === 'plain\n',
  );
  await waitFor('the PHP Site', async () => (await httpGet(env.port, 'php.e2e.test')).body === 'php\n');
  assert.equal((await httpGet(env.port, 'php.e2e.test', '/?slow=1', 10_000)).body, 'php\n');
  await httpGet(env.port, 'nope.e2e.test');
  const leaky = await waitFor('the crash loop reported', async () => {
    const s = await env.resource('Program/leaky');
    return s && JSON.stringify(s).includes('long=***') ? s : undefined;
  });

  const text = JSON.stringify(leaky);
  assert.ok(text.includes('short=***'), text);
  assert.ok(!text.includes('short=ab') && !text.includes('s3cr3t-long'), text);

  const logs = files(logDir);
  const byName = (re: RegExp) => logs.filter((f) => re.test(f.path));
  // The files these guarantees are about exist and were written by the real services.
  for (const [what, re] of [
    ['nginx main error log', /\/log\/nginx-error\.log$/],
    ['nginx access log', /\/log\/nginx-access\.log$/],
    ['site access log', /\/log\/nginx\/plain\.access\.log$/],
    ['site error log', /\/log\/nginx\/php\.error\.log$/],
    ['php-fpm error log', /\/log\/php-fpm8\.2\.log$/],
    ['php-fpm slowlog', /\/log\/php\/8\.2-php\.slow\.log$/],
    ['Program log', /\/log\/programs\/leaky-0\.log$/],
  ] as const)
    assert.equal(byName(re).length, 1, `${what} missing: ${logs.map((f) => f.path).join(', ')}`);
  assert.ok(byName(/plain\.access\.log$/)[0]!.size > 0, 'nginx wrote the pre-existing access log');
  assert.ok(byName(/slow\.log$/)[0]!.size > 0, 'php-fpm wrote the slowlog');
  const readable = logs.filter((f) => (f.mode & 0o007) !== 0);
  assert.deepEqual(
    readable.map((f) => `${f.path} ${f.mode.toString(8)}`),
    [],
    'logs other users can read',
  );
});
