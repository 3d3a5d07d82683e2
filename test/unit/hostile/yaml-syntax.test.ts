// Broken, oversized and malicious YAML: the file becomes unknown (never absent), the error has a
// position, and valid resources beside it still load.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertOutputSafe, assertValidStillLoads, loadBeside } from './harness.js';

const HEAD = 'apiVersion: tend/v1\nkind: Site\nmetadata:\n  name: shop\n';

interface SyntaxCase {
  name: string;
  text: string | Buffer;
  line: number;
  col?: number;
  code?: string;
  /** Keys the line scan should still recover so the planner holds them. */
  recovered?: string[];
}

const billionLaughs = [
  'a: &a ["x","x","x","x","x","x","x","x","x"]',
  ...'bcdefghi'.split('').map((c, i) => `${c}: &${c} [${Array(9).fill(`*${'abcdefghi'[i]}`).join(',')}]`),
  'j: *i',
].join('\n');

const CASES: SyntaxCase[] = [
  {
    name: 'unclosed flow sequence',
    text: `${HEAD}spec:\n  domains: [a.example.com\n`,
    line: 7,
    recovered: ['Site/shop'],
  },
  {
    name: 'unclosed flow mapping',
    text: `${HEAD}spec: {preset: static\n`,
    line: 6,
    recovered: ['Site/shop'],
  },
  {
    name: 'duplicate key',
    text: `${HEAD}spec:\n  preset: static\n  preset: php\n`,
    line: 7,
    col: 3,
    recovered: ['Site/shop'],
  },
  {
    name: 'bad indentation',
    text: `${HEAD}spec:\n    preset: static\n  root: /x\n`,
    line: 7,
    recovered: ['Site/shop'],
  },
  { name: 'tab indentation', text: `${HEAD}spec:\n\tpreset: static\n`, line: 6, recovered: ['Site/shop'] },
  {
    name: 'unterminated double quote',
    text: `${HEAD}spec:\n  root: "/srv\n`,
    line: 7,
    recovered: ['Site/shop'],
  },
  {
    name: 'alias to an undefined anchor',
    text: `${HEAD}spec: *nothing\n`,
    line: 5,
    col: 7,
    recovered: ['Site/shop'],
  },
  {
    name: 'block mapping inside a flow mapping',
    text: `${HEAD}spec: {a: b: c}\n`,
    line: 5,
    recovered: ['Site/shop'],
  },
  { name: 'stray document-end marker content', text: `${HEAD}... junk\n`, line: 5, recovered: ['Site/shop'] },
  { name: 'nested sequences 100k deep', text: `${'['.repeat(100_000)}${']'.repeat(100_000)}\n`, line: 1 },
  { name: 'billion laughs alias bomb', text: billionLaughs, line: 1 },
  {
    name: 'invalid UTF-8',
    text: Buffer.from([0x6b, 0x69, 0x6e, 0x64, 0x3a, 0x20, 0xff, 0xfe, 0x0a]),
    line: 0,
    code: 'TEND_ERR_SOURCE_UNREADABLE',
  },
  {
    name: 'a file over 1 MiB',
    text: `${HEAD}# ${'x'.repeat(1024 * 1024)}\n`,
    line: 0,
    code: 'TEND_ERR_SOURCE_LIMIT',
  },
  {
    name: '1001 documents in one file',
    text: `${'---\na: 1\n'.repeat(1001)}`,
    line: 0,
    code: 'TEND_ERR_SOURCE_LIMIT',
  },
];

for (const c of CASES)
  test(`YAML: ${c.name} → file unknown, error located, valid resources still load`, async (t) => {
    const r = await loadBeside(t, c.text);
    assertValidStillLoads(r);
    assertOutputSafe(r);
    assert.deepEqual(r.unknownFiles, ['case.yaml']);
    assert.ok(!r.resources.some((x) => x.file === 'case.yaml'));
    assert.deepEqual(r.unknownKeys, c.recovered ?? []);
    const mine = r.errors.filter((e) => e.file === 'case.yaml');
    assert.ok(mine.length >= 1);
    assert.equal(mine[0]!.code, c.code ?? 'TEND_ERR_YAML_SYNTAX');
    assert.equal(mine[0]!.line, c.line, mine[0]!.message);
    if (c.col !== undefined) assert.equal(mine[0]!.col, c.col, mine[0]!.message);
    assert.equal(r.ok, false);
  });

test('a small alias use within the limit is fine (anchors are not banned)', async (t) => {
  const text = `apiVersion: tend/v1\nkind: Program\nmetadata: {name: a}\nspec:\n  command: &cmd [sleep, "9"]\n  health: {type: exec, command: *cmd}\n`;
  const r = await loadBeside(t, text);
  assert.deepEqual(r.errors, []);
  assert.ok(r.resources.some((x) => x.key === 'Program/a'));
});

test('a YAML error message never repeats the source line (it could hold a secret)', async (t) => {
  const r = await loadBeside(
    t,
    `apiVersion: tend/v1\nkind: Pool\nmetadata: {name: p}\nspec:\n  env: {PASSWORD: hunter2: x}\n`,
  );
  assert.deepEqual(r.unknownFiles, ['case.yaml']);
  assertOutputSafe(r, 'hunter2');
});

test('an unknown tag such as !!js/function is only a string: a schema error, never code', async (t) => {
  const r = await loadBeside(
    t,
    `apiVersion: tend/v1\nkind: Site\nmetadata: {name: shop}\nspec: !!js/function "x"\n`,
  );
  assertValidStillLoads(r);
  assert.deepEqual(r.unknownFiles, []);
  assert.deepEqual(r.invalidKeys, ['Site/shop']);
  const e = r.errors.find((x) => x.file === 'case.yaml')!;
  assert.deepEqual([e.line, e.col, e.field, e.message], [4, 21, 'spec', 'expected a mapping, got "x"']);
});
