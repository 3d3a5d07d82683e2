// Table tests for every cross-resource rule, on both sides: what passes and what is reported.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  SCHEMAS,
  checkCrossRules,
  explicitPortsDistinct,
  noDependencyCycles,
  phpInstalled,
  referencesExist,
  uniqueDomains,
  uniqueNames,
  type Kind,
  type Resource,
  type RuleContext,
  type RuleIssue,
} from '../../../src/model/index.js';

const r = (kind: Kind, name: string, spec: Record<string, unknown>): Resource =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec });
const site = (name: string, domains: string[], extra: Record<string, unknown> = {}) =>
  r('Site', name, { domains, preset: 'static', root: `/srv/${name}`, ...extra });
const phpSite = (name: string, pool: string) =>
  r('Site', name, { domains: [`${name}.example.com`], preset: 'php', root: `/srv/${name}`, php: { pool } });
const proxySite = (name: string, program: string) =>
  r('Site', name, { domains: [`${name}.example.com`], preset: 'proxy', proxy: { program } });
const pool = (name: string, extra: Record<string, unknown> = {}) => r('Pool', name, { php: '8.2', ...extra });
const prog = (name: string, extra: Record<string, unknown> = {}) =>
  r('Program', name, { command: ['x'], ...extra });
const term = (name: string, extra: Record<string, unknown> = {}) =>
  r('Terminal', name, { user: 'deploy', ...extra });

type Rule = (all: readonly Resource[], ctx?: RuleContext) => RuleIssue[];
/** [name, rule, resources, ctx, expected issues as `key path code related`] */
const ROWS: [string, Rule, Resource[], RuleContext, string[]][] = [
  ['distinct names pass', uniqueNames, [site('a', ['a.b']), site('b', ['b.b'])], {}, []],
  [
    'same name, different kinds pass',
    uniqueNames,
    [site('x', ['a.b']), pool('x'), prog('x'), term('x')],
    {},
    [],
  ],
  [
    'same name twice',
    uniqueNames,
    [prog('w'), prog('w')],
    {},
    ['Program/w metadata.name TEND_ERR_DUPLICATE Program/w'],
  ],
  [
    'same name three times',
    uniqueNames,
    [prog('w'), prog('w'), prog('w')],
    {},
    [
      'Program/w metadata.name TEND_ERR_DUPLICATE Program/w',
      'Program/w metadata.name TEND_ERR_DUPLICATE Program/w',
    ],
  ],
  [
    'distinct domains pass',
    uniqueDomains,
    [site('a', ['a.example.com']), site('b', ['b.example.com'])],
    {},
    [],
  ],
  [
    'a shared domain',
    uniqueDomains,
    [site('a', ['x.example.com']), site('b', ['y.example.com', 'x.example.com'])],
    {},
    ['Site/b spec.domains.1 TEND_ERR_DUPLICATE Site/a'],
  ],
  [
    'a shared domain in another case',
    uniqueDomains,
    [site('a', ['X.Example.com']), site('b', ['x.example.COM'])],
    {},
    ['Site/b spec.domains.0 TEND_ERR_DUPLICATE Site/a'],
  ],
  [
    'a domain listed twice in one site',
    uniqueDomains,
    [site('a', ['x.example.com', 'X.example.com'])],
    {},
    ['Site/a spec.domains.1 TEND_ERR_DUPLICATE -'],
  ],
  [
    'a wildcard and a name are different domains',
    uniqueDomains,
    [site('a', ['*.example.com']), site('b', ['www.example.com'])],
    {},
    [],
  ],
  [
    'existing references pass',
    referencesExist,
    [
      phpSite('s', 'p'),
      pool('p'),
      proxySite('q', 'app'),
      prog('app', { port: 'auto' }),
      prog('w', { dependsOn: ['app'] }),
    ],
    {},
    [],
  ],
  [
    'a missing pool',
    referencesExist,
    [phpSite('s', 'p')],
    {},
    ['Site/s spec.php.pool TEND_ERR_REFERENCE Pool/p'],
  ],
  [
    'a pool name that is a program',
    referencesExist,
    [phpSite('s', 'p'), prog('p')],
    {},
    ['Site/s spec.php.pool TEND_ERR_REFERENCE Pool/p'],
  ],
  [
    'a missing proxy program',
    referencesExist,
    [proxySite('s', 'app')],
    {},
    ['Site/s spec.proxy.program TEND_ERR_REFERENCE Program/app'],
  ],
  [
    'a proxy program without a port',
    referencesExist,
    [proxySite('s', 'app'), prog('app')],
    {},
    ['Site/s spec.proxy.program TEND_ERR_REFERENCE Program/app'],
  ],
  [
    'a missing dependency',
    referencesExist,
    [prog('a', { dependsOn: ['b', 'c'] }), prog('b')],
    {},
    ['Program/a spec.dependsOn.1 TEND_ERR_REFERENCE Program/c'],
  ],
  [
    'a DAG passes',
    noDependencyCycles,
    [prog('a', { dependsOn: ['b', 'c'] }), prog('b', { dependsOn: ['c'] }), prog('c')],
    {},
    [],
  ],
  [
    'a self-dependency',
    noDependencyCycles,
    [prog('a', { dependsOn: ['a'] })],
    {},
    ['Program/a spec.dependsOn TEND_ERR_CYCLE Program/a'],
  ],
  [
    'a two-cycle',
    noDependencyCycles,
    [prog('a', { dependsOn: ['b'] }), prog('b', { dependsOn: ['a'] })],
    {},
    ['Program/a spec.dependsOn TEND_ERR_CYCLE Program/b'],
  ],
  [
    'a three-cycle is reported once',
    noDependencyCycles,
    [prog('a', { dependsOn: ['b'] }), prog('b', { dependsOn: ['c'] }), prog('c', { dependsOn: ['a'] })],
    {},
    ['Program/a spec.dependsOn TEND_ERR_CYCLE Program/c'],
  ],
  [
    'a dependency on a missing program is no cycle',
    noDependencyCycles,
    [prog('a', { dependsOn: ['zz'] })],
    {},
    [],
  ],
  [
    'distinct ports pass',
    explicitPortsDistinct,
    [
      prog('a', { port: 3000, instances: 2 }),
      prog('b', { port: 3002 }),
      term('t', { port: 7681 }),
      pool('p', { listen: { port: 9000, unsafe: true } }),
    ],
    {},
    [],
  ],
  [
    'auto ports never collide',
    explicitPortsDistinct,
    [prog('a', { port: 'auto' }), prog('b', { port: 'auto' }), term('t')],
    {},
    [],
  ],
  [
    'two programs on one port',
    explicitPortsDistinct,
    [prog('a', { port: 3000 }), prog('b', { port: 3000 })],
    {},
    ['Program/b spec.port TEND_ERR_DUPLICATE Program/a'],
  ],
  [
    'an instance range overlapping a port',
    explicitPortsDistinct,
    [prog('a', { port: 3000, instances: 3 }), term('t', { port: 3002 })],
    {},
    ['Terminal/t spec.port TEND_ERR_DUPLICATE Program/a'],
  ],
  [
    'a pool on a terminal port',
    explicitPortsDistinct,
    [term('t', { port: 9000 }), pool('p', { listen: { port: 9000, unsafe: true } })],
    {},
    ['Pool/p spec.listen.port TEND_ERR_DUPLICATE Terminal/t'],
  ],
  [
    'a port the profile reserves',
    explicitPortsDistinct,
    [prog('a', { port: 8080 })],
    { reservedPorts: new Map([[8080, 'the embedded nginx']]) },
    ['Program/a spec.port TEND_ERR_DUPLICATE -'],
  ],
  ['no PHP facts: no check', phpInstalled, [pool('p', { php: '5.6' })], {}, []],
  ['an installed PHP passes', phpInstalled, [pool('p')], { installedPhp: ['8.1', '8.2'] }, []],
  [
    'a missing PHP',
    phpInstalled,
    [pool('p', { php: '8.3' })],
    { installedPhp: ['8.2'] },
    ['Pool/p spec.php TEND_ERR_PHP_MISSING -'],
  ],
  [
    'no PHP at all',
    phpInstalled,
    [pool('p')],
    { installedPhp: [] },
    ['Pool/p spec.php TEND_ERR_PHP_MISSING -'],
  ],
];

const show = (i: RuleIssue) => `${i.key} ${i.path.join('.')} ${i.code} ${i.related ?? '-'}`;

for (const [name, rule, all, ctx, expected] of ROWS)
  test(`${rule.name}: ${name}`, () => {
    const issues = rule(all, ctx);
    assert.deepEqual(issues.map(show), expected);
    for (const i of issues) assert.ok(i.message.length > 10);
  });

test('messages name both ends', () => {
  assert.match(
    uniqueDomains([site('a', ['x.b']), site('b', ['x.b'])])[0]!.message,
    /x\.b is already served by Site\/a/,
  );
  assert.match(referencesExist([phpSite('s', 'p')])[0]!.message, /Pool\/p does not exist/);
  assert.match(
    phpInstalled([pool('p', { php: '8.3' })], { installedPhp: ['8.2'] })[0]!.message,
    /8\.3 is not installed; installed: 8\.2/,
  );
  assert.match(
    explicitPortsDistinct([prog('a', { port: 1 }), prog('b', { port: 1 })])[0]!.message,
    /port 1 is already used by Program\/a/,
  );
});

test('checkCrossRules runs every rule and an empty set has no issues', () => {
  assert.deepEqual(checkCrossRules([]), []);
  const issues = checkCrossRules([prog('w'), prog('w'), phpSite('s', 'p'), pool('q', { php: '9.9' })], {
    installedPhp: ['8.2'],
  });
  assert.deepEqual(issues.map((i) => i.code).sort(), [
    'TEND_ERR_DUPLICATE',
    'TEND_ERR_PHP_MISSING',
    'TEND_ERR_REFERENCE',
  ]);
});
