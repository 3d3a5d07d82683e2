// `tend validate` end to end on directories: output lines, summary and exit codes.
import { test } from 'node:test';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import { validateCommand } from '../../../src/cli/validate.js';
import type { CliIO } from '../../../src/cli/io.js';
import { detectPhpVersions } from '../../../src/observe/observe.js';
import { createRealHost } from '../../../src/host/index.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { docYaml, fixtureDir, repoRoot, resourceDoc, writeTree } from './helpers.js';

function io(cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const cli: CliIO = { stdout: (t) => out.push(t), stderr: (t) => err.push(t), cwd, env: {}, isTTY: false };
  return { cli, out: () => out.join(''), err: () => err.join('') };
}

test('validate: the example fixture is valid (exit 0)', async () => {
  const o = io(repoRoot());
  assert.equal(
    await validateCommand(['--desired-state', fixtureDir('example'), '--no-host-checks'], o.cli),
    0,
  );
  assert.equal(o.out(), 'ok: 5 resources valid in 4 files\n');
});

test('validate: errors one per line, then the summary (exit 1)', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'desired-state/a.yaml': docYaml(resourceDoc('Program', 'a', { command: [], instances: 500 })),
    'desired-state/b.yaml': 'kind: [\n',
    'desired-state/c.yaml': docYaml(resourceDoc('Terminal', 'ok')),
  });
  const o = io(dir);
  assert.equal(await validateCommand([], o.cli), 1);
  assert.equal(
    o.out(),
    [
      'a.yaml:6:12: Program/a: spec.command: expected a command as an argv list, e.g. [php, artisan, queue:work], got 0 items',
      'a.yaml:7:14: Program/a: spec.instances: expected a whole number from 1 to 100, got 500',
      'b.yaml:2:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
      '3 errors in 2 files; 1 resource valid; 1 file could not be read as resources',
      '',
    ].join('\n'),
  );
});

test('validate: a missing directory is an error, not an empty state', async (t) => {
  const o = io(tempDir(t));
  assert.equal(await validateCommand([], o.cli), 1);
  assert.match(
    o.err(),
    /TEND_ERR_SOURCE_UNREADABLE: desired-state directory .*desired-state cannot be read \(ENOENT\)/,
  );
});

test('validate: unknown flags and positionals are refused with usage', async (t) => {
  for (const args of [['--bogus'], ['extra'], ['--desired-state']]) {
    const o = io(tempDir(t));
    assert.equal(await validateCommand(args, o.cli), 1, args.join(' '));
    assert.match(o.err(), /usage: tend validate/);
  }
  const h = io(tempDir(t));
  assert.equal(await validateCommand(['--help'], h.cli), 0);
  assert.match(h.out(), /--no-host-checks/);
});

test('validate: host checks use the installed PHP versions unless skipped', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'p.yaml': docYaml(resourceDoc('Pool', 'p', { php: '5.1' })) });
  const o = io(dir);
  assert.equal(await validateCommand(['-d', dir], o.cli), 1);
  assert.match(o.out(), /^p\.yaml:6:8: Pool\/p: spec\.php: PHP 5\.1 is not installed; installed: /);
  const s = io(dir);
  assert.equal(await validateCommand(['-d', dir, '--no-host-checks'], s.cli), 0);
});

test('validate: installed PHP is what the plan sees, the binaries layout.php.binary names', async (t) => {
  const dir = tempDir(t);
  // php-fpm8.1 lies in a bin dir the drivers never run from: it does not count.
  writeTree(dir, {
    'sbin/php-fpm7.4': '',
    'bin/php-fpm8.1': '',
    'ds/p.yaml': docYaml(resourceDoc('Pool', 'p', { php: '7.4' })),
    'ds/q.yaml': docYaml(resourceDoc('Pool', 'q', { php: '8.1' })),
  });
  const host = createRealHost();
  const layout = embeddedLayout(join(dir, 'root'), { sbin: join(dir, 'sbin') });
  assert.deepEqual(await detectPhpVersions(host, layout), ['7.4']);
  const o = io(dir);
  assert.equal(await validateCommand(['-d', join(dir, 'ds')], o.cli, { host, layout }), 1);
  assert.match(o.out(), /^q\.yaml:6:8: Pool\/q: spec\.php: PHP 8\.1 is not installed; installed: 7\.4/m);
  assert.doesNotMatch(o.out(), /p\.yaml/);
});

test('validate: listen.mode 0660 unquoted (a YAML number) is accepted; 0999 is refused at its column', async (t) => {
  const dir = tempDir(t);
  const pool = (mode: string) =>
    `apiVersion: tend/v1\nkind: Pool\nmetadata: { name: p }\nspec:\n  php: "8.2"\n  listen: { mode: ${mode} }\n`;
  writeTree(dir, { 'ok/p.yaml': pool('0660'), 'bad/p.yaml': pool('0999') });
  const ok = io(dir);
  assert.equal(await validateCommand(['-d', join(dir, 'ok'), '--no-host-checks'], ok.cli), 0, ok.out());
  const bad = io(dir);
  assert.equal(await validateCommand(['-d', join(dir, 'bad'), '--no-host-checks'], bad.cli), 1);
  assert.match(
    bad.out(),
    /^p\.yaml:6:19: Pool\/p: spec\.listen\.mode: expected an octal mode such as 0660, got 999/m,
  );
});
