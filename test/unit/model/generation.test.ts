// The generation hash is stored in the inventory: its canonical form must never change, only get faster.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { canonical, generationOf, SCHEMAS, type Resource } from '../../../src/model/index.js';

/** The original definition, kept as the oracle. */
function reference(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(reference).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${reference(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const samples: unknown[] = [
  null,
  0,
  -1.5,
  'a"b\\c\n\u2028',
  true,
  [],
  {},
  [1, undefined, null, 'x'],
  { b: 1, a: undefined, c: [{ z: 1, y: { x: [] } }] },
  { é: 1, e: 2, E: 3, _: 4, '10': 5, '9': 6, '': 7, 'a.b': 8, '\ud83d\ude00': 9, '\uffff': 10 },
  { nested: { deeper: { list: [[1, 2], { k: 'v' }], empty: {} } }, flag: false },
];

test('canonical: same text as the original entries/sort/join definition', () => {
  for (const s of samples) assert.equal(canonical(s), reference(s), JSON.stringify(s));
});

test('generationOf: sha256 of the canonical spec and labels, first 16 hex digits', () => {
  const pool = SCHEMAS.Pool.parse({
    apiVersion: 'tend/v1',
    kind: 'Pool',
    metadata: { name: 'app', labels: { team: 'web', a: 'b' } },
    spec: { php: '8.2', env: { B: 'x', A: { value: 's', secret: true } } },
  }) as Resource;
  const text = reference({ spec: pool.spec, labels: pool.metadata.labels });
  const expected = createHash('sha256').update(text).digest('hex').slice(0, 16);
  assert.equal(generationOf(pool), expected);
  assert.match(expected, /^[0-9a-f]{16}$/);
});

test('generationOf: a resource that can still change is hashed afresh; a frozen one is hashed once and keeps its answer', () => {
  const parse = () =>
    SCHEMAS.Pool.parse({
      apiVersion: 'tend/v1',
      kind: 'Pool',
      metadata: { name: 'app' },
      spec: { php: '8.2' },
    }) as Extract<Resource, { kind: 'Pool' }>;
  const open = parse();
  const before = generationOf(open);
  (open.spec as { php: string }).php = '8.3';
  assert.notEqual(generationOf(open), before, 'an unfrozen resource is never answered from memory');

  // Labels take part in the hash: a resource whose labels can still change is not remembered either.
  const labelled = parse();
  labelled.metadata.labels = { team: 'a' };
  Object.freeze(labelled.spec);
  Object.freeze(labelled);
  const first = generationOf(labelled);
  labelled.metadata.labels.team = 'b';
  assert.notEqual(generationOf(labelled), first);

  const frozen = parse();
  Object.freeze(frozen.spec);
  if (frozen.metadata.labels) Object.freeze(frozen.metadata.labels);
  Object.freeze(frozen.metadata);
  Object.freeze(frozen);
  assert.equal(generationOf(frozen), before);
  assert.equal(generationOf(frozen), generationOf(parse()), 'the remembered answer is the hash itself');
});
