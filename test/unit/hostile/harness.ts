// Hostile-input harness: place a hostile value at a known line:col, load it beside a valid resource,
// and assert the exact outcome (rejected there, or accepted on purpose) without trusting the loader.
import assert from 'node:assert/strict';
import type { TestContext } from 'node:test';
import { stringify } from 'yaml';
import type { Kind } from '../../../src/model/index.js';
import { formatLoadError, loadDesiredState, type LoadResult } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { describeErrors, resourceDoc, VALID_SPECS, writeTree } from '../source/helpers.js';

export const SENTINEL = 'zzsentinelzz';

export interface Placed {
  text: string;
  line: number;
  col: number;
}

/** Emits doc as YAML, then swaps the sentinel for `scalar` (YAML source text) on the same line. */
export function place(doc: unknown, scalar: string): Placed {
  const text = stringify(doc, { lineWidth: 0 });
  const idx = text.indexOf(SENTINEL);
  assert.ok(idx >= 0 && text.indexOf(SENTINEL, idx + 1) < 0, 'exactly one sentinel in the document');
  const before = text.slice(0, idx).split('\n');
  return {
    text: text.slice(0, idx) + scalar + text.slice(idx + SENTINEL.length),
    line: before.length,
    col: before[before.length - 1]!.length + 1,
  };
}

/** A JSON string is a valid YAML double-quoted scalar, escapes included. */
export const yamlString = (s: string) => JSON.stringify(s);

export function setIn(target: Record<string, unknown>, path: readonly (string | number)[], value: unknown) {
  let node: Record<string | number, unknown> = target;
  for (const seg of path.slice(0, -1)) node = node[seg] as Record<string | number, unknown>;
  node[path[path.length - 1]!] = value;
}

export const clone = <T>(v: T): T => structuredClone(v);

/** Loads case.yaml beside a-valid.yaml (one valid resource of every kind). */
export async function loadBeside(t: TestContext, caseText: string | Buffer): Promise<LoadResult> {
  const dir = tempDir(t, 'tend-hostile-');
  const valid = (Object.keys(VALID_SPECS) as Kind[])
    .map((k) => stringify(resourceDoc(k, 'valid'), { lineWidth: 0 }))
    .join('---\n');
  // a-valid.yaml sorts first, so in a clash the valid resource keeps its claim.
  writeTree(dir, { 'case.yaml': caseText, 'a-valid.yaml': valid });
  return loadDesiredState(dir, { ruleContext: { installedPhp: ['8.2'] } });
}

export function assertValidStillLoads(r: LoadResult): void {
  const keys = r.resources.filter((x) => x.file === 'a-valid.yaml').map((x) => x.key);
  assert.deepEqual(keys, ['Site/valid', 'Pool/valid', 'Program/valid', 'Terminal/valid'], describeErrors(r));
}

/** Every error line stays one line with no raw control characters, whatever the input was. */
export function assertOutputSafe(r: LoadResult, secret?: string): void {
  for (const e of r.errors) {
    const line = formatLoadError(e);
    assert.doesNotMatch(line, /[\u0000-\u001f\u007f]/, `raw control character in: ${JSON.stringify(line)}`);
    assert.ok(line.length < 2000, `error line too long: ${line.length}`);
    if (secret) assert.ok(!line.includes(secret), `secret echoed in: ${line}`);
  }
}

export interface Expect {
  line: number;
  col: number;
  /** Exact field path, or a RegExp for hostile keys whose quoting is the formatter's business. */
  field?: string | RegExp;
  code?: string;
  key?: string;
}

export function assertRejectedAt(r: LoadResult, want: Expect): void {
  const mine = r.errors.filter((e) => e.file === 'case.yaml');
  assert.ok(mine.length >= 1, `expected an error in case.yaml, got:\n${describeErrors(r)}`);
  for (const e of mine) {
    assert.deepEqual([e.line, e.col], [want.line, want.col], formatLoadError(e));
    if (typeof want.field === 'string') assert.equal(e.field, want.field, formatLoadError(e));
    else if (want.field) assert.match(e.field ?? '', want.field, formatLoadError(e));
    if (want.code) assert.equal(e.code, want.code, formatLoadError(e));
    if (want.key) assert.equal(e.key, want.key, formatLoadError(e));
    assert.ok(e.message.length > 10, 'a message that says something');
  }
  if (want.key) assert.ok(!r.resources.some((x) => x.key === want.key), 'the bad resource does not load');
  else assert.ok(!r.resources.some((x) => x.file === 'case.yaml'), 'nothing from the bad file loads');
  assert.ok(!r.ok);
}
