// Unknown keys at every level, out-of-bound numbers, duplicates and cycles: each refused at the
// exact file:line:col and field, while a valid resource in the same directory still loads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kind } from '../../../src/model/index.js';
import { docYaml, resourceDoc } from '../source/helpers.js';
import {
  SENTINEL,
  assertOutputSafe,
  assertRejectedAt,
  assertValidStillLoads,
  clone,
  loadBeside,
  place,
  setIn,
} from './harness.js';

const SITE = { domains: ['a.example.com'], preset: 'static', root: '/srv/a' };
const DYN = { type: 'dynamic', maxChildren: 5, minSpareServers: 1, maxSpareServers: 3 };

const UNKNOWN_KEY_LEVELS: [Kind, Record<string, unknown>, (string | number)[]][] = [
  ['Site', SITE, []],
  ['Site', SITE, ['metadata']],
  ['Site', SITE, ['spec']],
  ['Site', { ...SITE, tls: { certificate: '/a', key: '/b' } }, ['spec', 'tls']],
  ['Site', { ...SITE, tls: { certificate: '/a', key: '/b', hsts: { maxAge: 1 } } }, ['spec', 'tls', 'hsts']],
  [
    'Site',
    { ...SITE, preset: 'proxy', root: undefined, proxy: { url: 'http://127.0.0.1:1' } },
    ['spec', 'proxy'],
  ],
  ['Site', { ...SITE, preset: 'php', php: { pool: 'valid' } }, ['spec', 'php']],
  ['Site', { ...SITE, redirects: [{ from: '/a', to: '/b' }] }, ['spec', 'redirects', 0]],
  ['Site', { ...SITE, health: { path: '/' } }, ['spec', 'health']],
  ['Pool', { php: '8.2' }, ['spec']],
  ['Pool', { php: '8.2', pm: DYN }, ['spec', 'pm']],
  ['Pool', { php: '8.2', pm: { type: 'static', maxChildren: 2 } }, ['spec', 'pm']],
  ['Pool', { php: '8.2', pm: { type: 'ondemand', maxChildren: 2 } }, ['spec', 'pm']],
  ['Pool', { php: '8.2', listen: { address: '127.0.0.1', port: 9000 } }, ['spec', 'listen']],
  ['Pool', { php: '8.2', slowlog: { timeout: '1s' } }, ['spec', 'slowlog']],
  ['Pool', { php: '8.2', health: { ping: '/ping' } }, ['spec', 'health']],
  ['Pool', { php: '8.2', env: { A: { value: 'x' } } }, ['spec', 'env', 'A']],
  ['Program', { command: ['x'] }, ['spec']],
  ['Program', { command: ['x'], stop: { signal: 'TERM' } }, ['spec', 'stop']],
  ['Program', { command: ['x'], backoff: { initial: '1s' } }, ['spec', 'backoff']],
  ['Program', { command: ['x'], logs: { keep: 1 } }, ['spec', 'logs']],
  ['Program', { command: ['x'], health: { type: 'tcp', port: 1 } }, ['spec', 'health']],
  ['Program', { command: ['x'], health: { type: 'http' } }, ['spec', 'health']],
  ['Program', { command: ['x'], health: { type: 'exec', command: ['y'] } }, ['spec', 'health']],
  ['Program', { command: ['x'], env: { A: { value: 'x' } } }, ['spec', 'env', 'A']],
  ['Terminal', { user: 'deploy' }, ['spec']],
];

for (const [kind, spec, at] of UNKNOWN_KEY_LEVELS)
  test(`unknown key at ${kind} ${at.join('.') || '(document)'} is refused at the key`, async (t) => {
    const doc = resourceDoc(kind, 'case', clone(JSON.parse(JSON.stringify(spec)))) as Record<string, unknown>;
    if (at.length === 0) doc[SENTINEL] = 1;
    else setIn(doc, [...at, SENTINEL], 1);
    const placed = place(doc, 'bogus');
    const r = await loadBeside(t, placed.text);
    assertValidStillLoads(r);
    const field = [...at, 'bogus']
      .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
      .join('')
      .replace(/^\./, '')
      .replace(/\.\[/g, '[');
    assertRejectedAt(r, {
      line: placed.line,
      col: placed.col,
      field,
      key: `${kind}/case`,
      code: 'TEND_ERR_SCHEMA',
    });
    assert.match(r.errors.find((e) => e.file === 'case.yaml')!.message, /^unknown key "bogus"/);
  });

/** [kind, spec, path, YAML text for the value, message pattern] */
const BOUNDS: [Kind, Record<string, unknown>, string[], string, RegExp][] = [
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '0',
    /from 1 to 1000, got 0$/,
  ],
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '1001',
    /from 1 to 1000, got 1001$/,
  ],
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '2.5',
    /whole number.*got 2\.5$/,
  ],
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '"5"',
    /expected a number, got "5"$/,
  ],
  ['Pool', { php: '8.2', pm: { type: 'static', maxChildren: 1 } }, ['pm', 'maxChildren'], '.nan', /got NaN$/],
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '.inf',
    /got Infinity$/,
  ],
  [
    'Pool',
    { php: '8.2', pm: { type: 'static', maxChildren: 1 } },
    ['pm', 'maxChildren'],
    '1e400',
    /got Infinity$/,
  ],
  [
    'Pool',
    { php: '8.2', pm: DYN },
    ['pm', 'minSpareServers'],
    '4',
    /minSpareServers \(4\) must be ≤ maxSpareServers \(3\)/,
  ],
  [
    'Pool',
    { php: '8.2', pm: DYN },
    ['pm', 'maxSpareServers'],
    '6',
    /maxSpareServers \(6\) must be ≤ maxChildren \(5\)/,
  ],
  [
    'Pool',
    { php: '8.2', pm: { ...DYN, startServers: 2 } },
    ['pm', 'startServers'],
    '9',
    /startServers \(9\) must be between/,
  ],
  ['Pool', { php: '8.2' }, ['maxRequests'], '-1', /from 0 to 1000000, got -1$/],
  [
    'Pool',
    { php: '8.2', listen: { port: 9000 } },
    ['listen', 'port'],
    '65536',
    /from 1 to 65535, got 65536$/,
  ],
  ['Pool', { php: '8.2' }, ['requestTimeout'], '2h', /between 1s and 1h, got "2h"$/],
  ['Program', { command: ['x'] }, ['instances'], '0', /from 1 to 100, got 0$/],
  ['Program', { command: ['x'] }, ['instances'], '101', /from 1 to 100, got 101$/],
  ['Program', { command: ['x'] }, ['port'], '0', /from 1 to 65535, got 0$/],
  ['Program', { command: ['x'] }, ['port'], '"8080"', /expected auto or a number, got "8080"$/],
  [
    'Program',
    { command: ['x'], instances: 3 },
    ['port'],
    '65534',
    /port 65534 with 3 instances runs past 65535/,
  ],
  ['Program', { command: ['x'] }, ['startSeconds'], '3601', /from 0 to 3600, got 3601$/],
  ['Program', { command: ['x'], logs: { keep: 1 } }, ['logs', 'keep'], '101', /from 0 to 100, got 101$/],
  [
    'Program',
    { command: ['x'], logs: { keep: 1 } },
    ['logs', 'maxLineLength'],
    '79',
    /from 80 to 1048576, got 79$/,
  ],
  [
    'Program',
    { command: ['x'], logs: { keep: 1 } },
    ['logs', 'maxSize'],
    '"11g"',
    /between 1k and 10g, got "11g"$/,
  ],
  [
    'Program',
    { command: ['x'], health: { type: 'tcp' } },
    ['health', 'failureThreshold'],
    '0',
    /from 1 to 100, got 0$/,
  ],
  [
    'Program',
    { command: ['x'], health: { type: 'http' } },
    ['health', 'expectStatus'],
    '600',
    /from 100 to 599, got 600$/,
  ],
  [
    'Program',
    { command: ['x'], stop: { signal: 'TERM' } },
    ['stop', 'timeout'],
    '"2h"',
    /between 0s and 1h, got "2h"$/,
  ],
  ['Site', SITE, ['listenPort'], '70000', /from 1 to 65535, got 70000$/],
  ['Site', SITE, ['clientMaxBodySize'], '"11g"', /between 0 and 10g, got "11g"$/],
  [
    'Site',
    { ...SITE, tls: { certificate: '/a', key: '/b', hsts: { maxAge: 1 } } },
    ['tls', 'hsts', 'maxAge'],
    '-1',
    /from 0 to 63072000, got -1$/,
  ],
  ['Site', { ...SITE, health: { path: '/' } }, ['health', 'expectStatus'], '99', /from 100 to 599, got 99$/],
  ['Terminal', { user: 'deploy' }, ['maxSessions'], '51', /from 1 to 50, got 51$/],
  ['Terminal', { user: 'deploy' }, ['maxSessions'], '0', /from 1 to 50, got 0$/],
  ['Terminal', { user: 'deploy' }, ['port'], '65536', /from 1 to 65535, got 65536$/],
  ['Terminal', { user: 'deploy' }, ['idleTimeout'], '"1s"', /between 10s and 24h, got "1s"$/],
  ['Terminal', { user: 'deploy' }, ['maxSessionDuration'], '"8d"', /between 1m and 7d, got "8d"$/],
];

for (const [kind, spec, path, value, message] of BOUNDS)
  test(`out of bounds: ${kind} spec.${path.join('.')} = ${value} is refused`, async (t) => {
    const doc = resourceDoc(kind, 'case', clone(spec)) as Record<string, unknown>;
    setIn(doc, ['spec', ...path], SENTINEL);
    const placed = place(doc, value);
    const r = await loadBeside(t, placed.text);
    assertValidStillLoads(r);
    assertOutputSafe(r);
    assertRejectedAt(r, {
      line: placed.line,
      col: placed.col,
      field: `spec.${path.join('.')}`,
      key: `${kind}/case`,
    });
    assert.match(r.errors.find((e) => e.file === 'case.yaml')!.message, message);
  });

test('a name declared twice in one file: the second copy is refused and points at the first', async (t) => {
  const text = `${docYaml(resourceDoc('Program', 'case'))}---\n${docYaml(resourceDoc('Program', 'case'))}`;
  const r = await loadBeside(t, text);
  assertValidStillLoads(r);
  assertRejectedAt(r, { line: 13, col: 9, field: 'metadata.name', code: 'TEND_ERR_DUPLICATE' });
  assert.match(r.errors[0]!.message, /first at case\.yaml:4:9$/);
  assert.deepEqual(r.invalidKeys, ['Program/case']);
});

test('a name declared twice, once invalid: the valid copy is held too', async (t) => {
  const text = `${docYaml(resourceDoc('Program', 'case'))}---\n${docYaml(resourceDoc('Program', 'case', { command: [] }))}`;
  const r = await loadBeside(t, text);
  assertValidStillLoads(r);
  assert.deepEqual(r.invalidKeys, ['Program/case']);
  assert.ok(
    r.errors.some(
      (e) =>
        e.code === 'TEND_ERR_DUPLICATE' &&
        e.line === 4 &&
        /other copy \(case\.yaml:13:9\) is invalid/.test(e.message),
    ),
  );
});

test('a domain that clashes with the valid site only in case is refused', async (t) => {
  const placed = place(resourceDoc('Site', 'case', { ...SITE, domains: [SENTINEL] }), 'OK.Example.COM');
  const r = await loadBeside(t, placed.text);
  assertValidStillLoads(r);
  assertRejectedAt(r, {
    line: placed.line,
    col: placed.col,
    field: 'spec.domains[0]',
    code: 'TEND_ERR_DUPLICATE',
  });
  assert.match(
    r.errors[0]!.message,
    /^domain ok\.example\.com is already served by Site\/valid \(a-valid\.yaml:7:7\)$/,
  );
});

test('an explicit port used twice is refused at the second', async (t) => {
  const text = `${docYaml(resourceDoc('Program', 'one', { command: ['x'], port: 31000, instances: 2 }))}---\n${docYaml(resourceDoc('Terminal', 'case', { user: 'deploy', port: 31001 }))}`;
  const r = await loadBeside(t, text);
  assertValidStillLoads(r);
  assertRejectedAt(r, {
    line: 17,
    col: 9,
    field: 'spec.port',
    code: 'TEND_ERR_DUPLICATE',
    key: 'Terminal/case',
  });
  assert.match(r.errors[0]!.message, /port 31001 is already used by Program\/one \(case\.yaml:8:9\)/);
});

for (const size of [1, 2, 3, 5])
  test(`a dependsOn cycle of ${size} is refused and every member is held`, async (t) => {
    const names = Array.from({ length: size }, (_, i) => `c${i}`);
    const text = names
      .map((n, i) =>
        docYaml(resourceDoc('Program', n, { command: ['x'], dependsOn: [names[(i + 1) % size]] })),
      )
      .join('---\n');
    const r = await loadBeside(t, text);
    assertValidStillLoads(r);
    assert.deepEqual(
      r.invalidKeys,
      names.map((n) => `Program/${n}`),
    );
    const cycle = r.errors.filter((e) => e.code === 'TEND_ERR_CYCLE');
    assert.equal(cycle.length, 1);
    assert.equal(cycle[0]!.field, 'spec.dependsOn');
    assert.match(
      cycle[0]!.message,
      new RegExp(`cycle: ${[...names, names[0]].map((n) => `Program/${n}`).join(' → ')}`),
    );
  });

test('dependsOn naming the same program twice is refused at dependsOn', async (t) => {
  const placed = place(
    resourceDoc('Program', 'case', { command: ['x'], dependsOn: SENTINEL }),
    '[valid, valid]',
  );
  const r = await loadBeside(t, placed.text);
  assertValidStillLoads(r);
  assertRejectedAt(r, { line: placed.line, col: placed.col, field: 'spec.dependsOn', key: 'Program/case' });
});
