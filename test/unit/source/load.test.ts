import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isTendError } from '../../../src/errors/catalogue.js';
import { formatLoadError, loadDesiredState } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { describeErrors, docYaml, fixtureDir, resourceDoc, writeTree } from './helpers.js';

test('the example fixture loads cleanly, frozen, with generations and positions', async () => {
  const r = await loadDesiredState(fixtureDir('example'), { ruleContext: { installedPhp: ['8.2'] } });
  assert.equal(r.ok, true, describeErrors(r));
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Program/worker', 'Site/docs', 'Pool/shop', 'Site/shop', 'Terminal/ops'],
  );
  const site = r.resources.find((x) => x.key === 'Site/shop')!;
  assert.equal(site.file, 'sites/shop.yaml');
  assert.deepEqual([site.line, site.col], [24, 1]);
  assert.match(site.generation, /^[0-9a-f]{16}$/);
  assert.equal(site.resource.kind, 'Site');
  const domains = site.resource.kind === 'Site' ? site.resource.spec.domains : [];
  assert.ok(Object.isFrozen(domains) && Object.isFrozen(site.resource));
  assert.throws(() => domains.push('x.example.com'));
  assert.deepEqual(r.unknownFiles, []);
  assert.deepEqual(r.invalidKeys, []);
});

test('multi-document files load every document and skip empty ones', async (t) => {
  const dir = tempDir(t);
  const text = `---\n${docYaml(resourceDoc('Pool', 'a'))}---\n# only a comment\n---\n${docYaml(resourceDoc('Program', 'b'))}---\n`;
  writeTree(dir, { 'all.yml': text });
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, true, describeErrors(r));
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Pool/a', 'Program/b'],
  );
  assert.deepEqual(
    r.resources.map((x) => x.line),
    [2, 11],
  );
});

test('a bad field points at its value: file, line, col, key and field path', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'pools/shop.yaml': [
      'apiVersion: tend/v1',
      'kind: Pool',
      'metadata:',
      '  name: shop',
      'spec:',
      '  php: "8.2"',
      '  pm:',
      '    type: static',
      '    maxChildren: 5000',
      '',
    ].join('\n'),
  });
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, false);
  assert.equal(r.errors.length, 1);
  const e = r.errors[0]!;
  assert.deepEqual(
    { file: e.file, line: e.line, col: e.col, key: e.key, field: e.field, code: e.code },
    {
      file: 'pools/shop.yaml',
      line: 9,
      col: 18,
      key: 'Pool/shop',
      field: 'spec.pm.maxChildren',
      code: 'TEND_ERR_SCHEMA',
    },
  );
  assert.equal(e.message, 'expected a whole number from 1 to 1000, got 5000');
  assert.equal(
    formatLoadError(e),
    'pools/shop.yaml:9:18: Pool/shop: spec.pm.maxChildren: expected a whole number from 1 to 1000, got 5000',
  );
  assert.deepEqual(r.invalidKeys, ['Pool/shop']);
  assert.deepEqual(r.resources, []);
});

test('an unknown key points at the key itself and lists what is allowed', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    's.yaml':
      'apiVersion: tend/v1\nkind: Terminal\nmetadata:\n  name: t\nspec:\n  user: deploy\n  tiemout: 5m\n',
  });
  const r = await loadDesiredState(dir);
  const e = r.errors[0]!;
  assert.deepEqual([e.line, e.col, e.field], [7, 3, 'spec.tiemout']);
  assert.match(e.message, /^unknown key "tiemout"; expected one of: user, allowRoot, shell/);
});

test('a YAML syntax error makes the file unknown, recovers its keys, and other files still load', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'a-broken.yaml':
      'apiVersion: tend/v1\nkind: Site\nmetadata:\n  name: shop\nspec:\n  domains: [a.example.com\n',
    'b-good.yaml': docYaml(resourceDoc('Program', 'worker')),
  });
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, false);
  assert.deepEqual(r.unknownFiles, ['a-broken.yaml']);
  assert.deepEqual(r.unknownKeys, ['Site/shop']);
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Program/worker'],
  );
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.code, 'TEND_ERR_YAML_SYNTAX');
  assert.equal(r.errors[0]!.file, 'a-broken.yaml');
  assert.ok(r.errors[0]!.line >= 6, formatLoadError(r.errors[0]!));
  assert.doesNotMatch(r.errors[0]!.message, /\n/);
});

test('a duplicate domain names both ends with file:line:col, case-insensitively', async (t) => {
  const dir = tempDir(t);
  const shop =
    'apiVersion: tend/v1\nkind: Site\nmetadata:\n  name: shop\nspec:\n  preset: static\n  root: /srv/shop\n  domains:\n    - www.shop.example.com\n    - shop.example.com\n';
  const copy =
    'apiVersion: tend/v1\nkind: Site\nmetadata:\n  name: copy\nspec:\n  preset: static\n  root: /srv/copy\n  domains: [copy.example.com, SHOP.Example.com]\n';
  writeTree(dir, { 'sites/shop.yaml': shop, 'sites/z-copy.yaml': copy });
  const r = await loadDesiredState(dir);
  assert.equal(r.errors.length, 1, describeErrors(r));
  assert.equal(
    formatLoadError(r.errors[0]!),
    'sites/z-copy.yaml:8:31: Site/copy: spec.domains[1]: domain shop.example.com is already served by Site/shop (sites/shop.yaml:10:7)',
  );
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Site/shop'],
  );
  assert.deepEqual(r.invalidKeys, ['Site/copy']);
});

test('a reference to a missing pool points at php.pool; to an invalid pool, at that pool', async (t) => {
  const dir = tempDir(t);
  const site = (name: string, pool: string) =>
    docYaml(
      resourceDoc('Site', name, {
        domains: [`${name}.example.com`],
        preset: 'php',
        root: '/srv/x',
        php: { pool },
      }),
    );
  writeTree(dir, {
    'a.yaml': site('a', 'nope'),
    'b.yaml': site('b', 'bad'),
    'pool.yaml': docYaml(resourceDoc('Pool', 'bad', { php: '8.2', maxRequests: -1 })),
  });
  const r = await loadDesiredState(dir);
  const lines = r.errors.map(formatLoadError);
  assert.deepEqual(lines, [
    'a.yaml:11:11: Site/a: spec.php.pool: Pool/nope does not exist',
    'b.yaml:11:11: Site/b: spec.php.pool: Pool/bad is declared but invalid (pool.yaml:4:9)',
    'pool.yaml:7:16: Pool/bad: spec.maxRequests: expected a whole number from 0 to 1000000, got -1',
  ]);
  assert.deepEqual(r.invalidKeys, ['Pool/bad', 'Site/a', 'Site/b']);
});

test('a name declared twice holds every copy and points back at the first', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'a.yaml': docYaml(resourceDoc('Program', 'w')),
    'b.yaml': docYaml(resourceDoc('Program', 'w', { command: ['other'] })),
    'c.yaml': docYaml(resourceDoc('Site', 'w')),
  });
  const r = await loadDesiredState(dir);
  assert.deepEqual(r.errors.map(formatLoadError), [
    'b.yaml:4:9: Program/w: metadata.name: Program/w is declared twice; first at a.yaml:4:9',
  ]);
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Site/w'],
  );
  assert.deepEqual(r.invalidKeys, ['Program/w']);
});

test('a dependency cycle holds every member and names the cycle', async (t) => {
  const dir = tempDir(t);
  const prog = (name: string, dep: string) =>
    docYaml(resourceDoc('Program', name, { command: ['x'], dependsOn: [dep] }));
  writeTree(dir, { 'a.yaml': prog('a', 'b'), 'b.yaml': prog('b', 'c'), 'c.yaml': prog('c', 'a') });
  const r = await loadDesiredState(dir);
  assert.deepEqual(r.resources, []);
  assert.deepEqual(r.invalidKeys, ['Program/a', 'Program/b', 'Program/c']);
  assert.ok(
    r.errors.some(
      (e) =>
        e.code === 'TEND_ERR_CYCLE' && /Program\/a → Program\/b → Program\/c → Program\/a/.test(e.message),
    ),
    describeErrors(r),
  );
});

test('phpInstalled uses the rule context and points at spec.php', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'p.yaml': docYaml(resourceDoc('Pool', 'old', { php: '7.4' })) });
  const r = await loadDesiredState(dir, { ruleContext: { installedPhp: ['8.2'] } });
  assert.deepEqual(r.errors.map(formatLoadError), [
    'p.yaml:6:8: Pool/old: spec.php: PHP 7.4 is not installed; installed: 8.2',
  ]);
  const without = await loadDesiredState(dir);
  assert.equal(without.ok, true);
});

test('a missing directory is an error, never an empty desired state', async (t) => {
  const dir = tempDir(t);
  await assert.rejects(loadDesiredState(join(dir, 'nope')), (e) =>
    isTendError(e, 'TEND_ERR_SOURCE_UNREADABLE'),
  );
  writeFileSync(join(dir, 'file'), '');
  await assert.rejects(loadDesiredState(join(dir, 'file')), (e) =>
    isTendError(e, 'TEND_ERR_SOURCE_UNREADABLE'),
  );
});

test('an empty directory loads ok with nothing; dot-dirs, node_modules and other files are skipped', async (t) => {
  const dir = tempDir(t);
  assert.deepEqual(await loadDesiredState(dir), {
    ok: true,
    resources: [],
    errors: [],
    unknownFiles: [],
    unknownKeys: [],
    invalidKeys: [],
    files: [],
  });
  writeTree(dir, {
    '.git/x.yaml': 'not: [valid',
    '.tend/y.yaml': 'not: [valid',
    'node_modules/z.yml': 'not: [valid',
    'README.md': '# hi',
    'empty.yaml': '',
  });
  const r = await loadDesiredState(dir);
  assert.equal(r.ok, true, describeErrors(r));
  assert.deepEqual(r.files, ['empty.yaml']);
});

test('a document that is not a tend resource makes its file unknown', async (t) => {
  const dir = tempDir(t);
  writeTree(dir, {
    'a.yaml': `${docYaml(resourceDoc('Program', 'ok'))}---\nkind: Sitee\nmetadata: {name: x}\n`,
    'b.yaml': docYaml({ ...resourceDoc('Program', 'v2'), apiVersion: 'tend/v2' }),
  });
  const r = await loadDesiredState(dir);
  assert.deepEqual(r.errors.map(formatLoadError), [
    'a.yaml:10:7: kind: expected kind Site, Pool, Program, Terminal, Job, Issuer, got "Sitee"',
    'b.yaml:1:13: Program/v2: apiVersion: expected apiVersion: tend/v1, got "tend/v2"',
  ]);
  assert.deepEqual(r.unknownFiles, ['a.yaml']);
  assert.deepEqual(r.invalidKeys, ['Program/v2']);
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Program/ok'],
  );
  assert.equal(r.errors[1]!.code, 'TEND_ERR_ENVELOPE');
});

test('an unreadable file is unknown, not absent', { skip: process.getuid?.() === 0 }, async (t) => {
  const dir = tempDir(t);
  writeTree(dir, { 'secret.yaml': docYaml(resourceDoc('Program', 'p')) });
  const { chmodSync } = await import('node:fs');
  chmodSync(join(dir, 'secret.yaml'), 0o000);
  t.after(() => chmodSync(join(dir, 'secret.yaml'), 0o600));
  const r = await loadDesiredState(dir);
  assert.deepEqual(r.unknownFiles, ['secret.yaml']);
  assert.equal(r.errors[0]!.code, 'TEND_ERR_SOURCE_UNREADABLE');
});

test('files are read in sorted order across subdirectories', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'b'));
  writeTree(dir, {
    'b/z.yaml': docYaml(resourceDoc('Program', 'bz')),
    'a.yml': docYaml(resourceDoc('Program', 'a')),
    'c.yaml': docYaml(resourceDoc('Program', 'c')),
  });
  const r = await loadDesiredState(dir);
  assert.deepEqual(r.files, ['a.yml', 'b/z.yaml', 'c.yaml']);
  assert.deepEqual(
    r.resources.map((x) => x.key),
    ['Program/a', 'Program/bz', 'Program/c'],
  );
  rmSync(join(dir, 'b'), { recursive: true });
});
