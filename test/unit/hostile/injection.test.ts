// Injection attempts in every string field of every kind: refused at the exact file:line:col and
// field, or accepted on purpose where the character is legitimate (and the test name says why).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Kind } from '../../../src/model/index.js';
import { resourceDoc } from '../source/helpers.js';
import {
  SENTINEL,
  assertOutputSafe,
  assertRejectedAt,
  assertValidStillLoads,
  clone,
  loadBeside,
  place,
  setIn,
  yamlString,
} from './harness.js';

const PAYLOADS = {
  newline: (b: string) => `${b}\nx`,
  semicolon: (b: string) => `${b};x`,
  'open brace': (b: string) => `${b}{x`,
  'close brace': (b: string) => `${b}}x`,
  'double quote': (b: string) => `${b}"x`,
  'single quote': (b: string) => `${b}'x`,
  'dot-dot path': (b: string) => `${b}/../x`,
  NUL: (b: string) => `${b}\u0000x`,
  '100 kB value': (b: string) => `${b}${'a'.repeat(100_000)}`,
} as const;
type Payload = keyof typeof PAYLOADS;

interface Field {
  kind: Kind;
  /** Path inside spec (or the whole document when doc is set). */
  path: (string | number)[];
  base: string;
  spec?: Record<string, unknown>;
  doc?: boolean;
  /** Payloads that are legitimate here, with the reason that goes into the test name. */
  accept?: Partial<Record<Payload, string>>;
  secret?: boolean;
}

const SITE = { domains: ['a.example.com'], preset: 'static', root: '/srv/a' };
const PHP_SITE = { domains: ['a.example.com'], preset: 'php', root: '/srv/a', php: { pool: 'valid' } };
const PROXY_SITE = { domains: ['a.example.com'], preset: 'proxy', proxy: { url: 'http://127.0.0.1:3000' } };
const TLS = { certificate: '/etc/ssl/a.pem', key: '/etc/ssl/a.key' };
const execve = 'argv goes to execve without a shell';
const ARGV_OK = {
  semicolon: execve,
  'open brace': execve,
  'close brace': execve,
  'double quote': execve,
  'single quote': execve,
  'dot-dot path': execve,
};
const ENV_OK = {
  semicolon: 'env values are passed verbatim or quoted by the renderer',
  'open brace': 'env values are passed verbatim or quoted by the renderer',
  'close brace': 'env values are passed verbatim or quoted by the renderer',
  'double quote': 'env values are passed verbatim or quoted by the renderer',
  'single quote': 'env values are passed verbatim or quoted by the renderer',
  'dot-dot path': 'env values are not paths',
};

const FIELDS: Field[] = [
  { kind: 'Site', spec: SITE, path: ['domains', 0], base: 'a.example.com' },
  { kind: 'Site', spec: SITE, path: ['root'], base: '/srv/a' },
  { kind: 'Site', spec: { ...SITE, index: ['x'] }, path: ['index', 0], base: 'index.html' },
  { kind: 'Site', spec: PHP_SITE, path: ['php', 'pool'], base: 'valid' },
  {
    kind: 'Site',
    spec: { ...PROXY_SITE, proxy: { program: 'x' } },
    path: ['proxy', 'program'],
    base: 'valid',
  },
  {
    kind: 'Site',
    spec: PROXY_SITE,
    path: ['proxy', 'url'],
    base: 'http://127.0.0.1:3000',
    accept: { 'dot-dot path': 'an upstream URL path is not a file path' },
  },
  { kind: 'Site', spec: { ...SITE, tls: TLS }, path: ['tls', 'certificate'], base: '/etc/ssl/a.pem' },
  { kind: 'Site', spec: { ...SITE, tls: TLS }, path: ['tls', 'key'], base: '/etc/ssl/a.key' },
  {
    kind: 'Site',
    spec: { ...SITE, redirects: [{ from: '/a', to: '/b' }] },
    path: ['redirects', 0, 'from'],
    base: '/old',
  },
  {
    kind: 'Site',
    spec: { ...SITE, redirects: [{ from: '/a', to: '/b' }] },
    path: ['redirects', 0, 'to'],
    base: '/new',
    accept: { 'dot-dot path': 'a redirect target is a URL the browser normalises, not a file' },
  },
  {
    kind: 'Site',
    spec: { ...SITE, headers: { 'X-Test': 'v' } },
    path: ['headers', 'X-Test'],
    base: 'nosniff',
    accept: {
      semicolon: 'Content-Security-Policy needs ";" and the value is written double-quoted',
      'single quote': "Content-Security-Policy needs 'self' and the value is written double-quoted",
      'dot-dot path': 'a header value is not a path',
    },
  },
  { kind: 'Site', spec: SITE, path: ['clientMaxBodySize'], base: '10m' },
  {
    kind: 'Site',
    spec: { ...SITE, extraDirectives: ['gzip on'] },
    path: ['extraDirectives', 0],
    base: 'gzip on',
    accept: { 'dot-dot path': 'an extra directive may name any path: it is the operator escape hatch' },
  },
  { kind: 'Site', spec: { ...SITE, health: {} }, path: ['health', 'path'], base: '/' },
  { kind: 'Site', spec: SITE, path: ['preset'], base: 'static' },
  { kind: 'Pool', spec: { php: '8.2' }, path: ['php'], base: '8.2' },
  { kind: 'Pool', spec: { php: '8.2' }, path: ['user'], base: 'www-data' },
  { kind: 'Pool', spec: { php: '8.2' }, path: ['group'], base: 'www-data' },
  {
    kind: 'Pool',
    spec: { php: '8.2', listen: { socket: true } },
    path: ['listen', 'owner'],
    base: 'www-data',
  },
  {
    kind: 'Pool',
    spec: { php: '8.2', listen: { socket: true } },
    path: ['listen', 'group'],
    base: 'www-data',
  },
  { kind: 'Pool', spec: { php: '8.2', listen: { socket: true } }, path: ['listen', 'mode'], base: '0660' },
  {
    kind: 'Pool',
    spec: { php: '8.2', slowlog: { timeout: '5s' } },
    path: ['slowlog', 'path'],
    base: 'slow.log',
  },
  {
    kind: 'Pool',
    spec: { php: '8.2', slowlog: { path: 'x.log' } },
    path: ['slowlog', 'timeout'],
    base: '5s',
  },
  { kind: 'Pool', spec: { php: '8.2' }, path: ['requestTimeout'], base: '30s' },
  { kind: 'Pool', spec: { php: '8.2' }, path: ['chdir'], base: '/srv/a' },
  {
    kind: 'Pool',
    spec: { php: '8.2', phpAdminValues: { memory_limit: 'x' } },
    path: ['phpAdminValues', 'memory_limit'],
    base: '256M',
    accept: { 'dot-dot path': 'an ini value may hold a relative path such as an include_path' },
  },
  {
    kind: 'Pool',
    spec: { php: '8.2', env: { APP_KEY: 'x' } },
    path: ['env', 'APP_KEY'],
    base: 'S3CRETVALUE',
    accept: ENV_OK,
    secret: true,
  },
  {
    kind: 'Pool',
    spec: { php: '8.2', env: { APP_KEY: { value: 'x', secret: true } } },
    path: ['env', 'APP_KEY', 'value'],
    base: 'S3CRETVALUE',
    accept: ENV_OK,
    secret: true,
  },
  { kind: 'Pool', spec: { php: '8.2', health: {} }, path: ['health', 'ping'], base: '/ping' },
  { kind: 'Pool', spec: { php: '8.2', health: {} }, path: ['health', 'response'], base: 'pong' },
  {
    kind: 'Pool',
    spec: { php: '8.2', pm: { type: 'ondemand', maxChildren: 2 } },
    path: ['pm', 'processIdleTimeout'],
    base: '10s',
  },
  {
    kind: 'Pool',
    spec: { php: '8.2', pm: { type: 'static', maxChildren: 2 } },
    path: ['pm', 'type'],
    base: 'dynamic',
  },
  { kind: 'Program', spec: { command: ['x'] }, path: ['command', 0], base: 'php', accept: ARGV_OK },
  {
    kind: 'Program',
    spec: { command: ['php', 'y'] },
    path: ['command', 1],
    base: 'artisan',
    accept: ARGV_OK,
  },
  { kind: 'Program', spec: { command: ['x'] }, path: ['directory'], base: '/srv/a' },
  { kind: 'Program', spec: { command: ['x'] }, path: ['user'], base: 'www-data' },
  { kind: 'Program', spec: { command: ['x'] }, path: ['group'], base: 'www-data' },
  {
    kind: 'Program',
    spec: { command: ['x'], env: { TOKEN: 'x' } },
    path: ['env', 'TOKEN'],
    base: 'S3CRETVALUE',
    accept: ENV_OK,
    secret: true,
  },
  { kind: 'Program', spec: { command: ['x'], dependsOn: ['valid'] }, path: ['dependsOn', 0], base: 'valid' },
  { kind: 'Program', spec: { command: ['x'] }, path: ['restart'], base: 'always' },
  { kind: 'Program', spec: { command: ['x'] }, path: ['backend'], base: 'native' },
  {
    kind: 'Program',
    spec: { command: ['x'], stop: { signal: 'TERM' } },
    path: ['stop', 'signal'],
    base: 'TERM',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], stop: { timeout: '5s' } },
    path: ['stop', 'timeout'],
    base: '5s',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], backoff: { initial: '1s' } },
    path: ['backoff', 'initial'],
    base: '1s',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], logs: { maxSize: '1m' } },
    path: ['logs', 'maxSize'],
    base: '10m',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], health: { type: 'http' } },
    path: ['health', 'path'],
    base: '/health',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], health: { type: 'http' } },
    path: ['health', 'interval'],
    base: '10s',
  },
  {
    kind: 'Program',
    spec: { command: ['x'], health: { type: 'exec', command: ['y'] } },
    path: ['health', 'command', 0],
    base: 'check',
    accept: ARGV_OK,
  },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['user'], base: 'deploy' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['shell'], base: '/bin/bash' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['directory'], base: '/home/deploy' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['bind'], base: '127.0.0.1' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['mode'], base: 'read-only' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['idleTimeout'], base: '15m' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['maxSessionDuration'], base: '8h' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['expiresAt'], base: '2030-01-01T00:00:00Z' },
  { kind: 'Terminal', spec: { user: 'deploy' }, path: ['backend'], base: 'builtin' },
  { kind: 'Program', doc: true, path: ['metadata', 'name'], base: 'app' },
  { kind: 'Program', doc: true, path: ['metadata', 'labels', 'team'], base: 'web' },
];

const fieldText = (path: (string | number)[]) =>
  path.reduce<string>(
    (acc, seg) => (typeof seg === 'number' ? `${acc}[${seg}]` : acc ? `${acc}.${seg}` : seg),
    '',
  );

for (const f of FIELDS) {
  const fullPath = f.doc ? f.path : ['spec', ...f.path];
  for (const [payload, make] of Object.entries(PAYLOADS) as [Payload, (b: string) => string][]) {
    const why = f.accept?.[payload];
    const name = `${f.kind} ${fieldText(fullPath)}: ${payload} is ${why ? `accepted (${why})` : 'rejected'}`;
    test(name, async (t) => {
      const doc = resourceDoc(f.kind, 'case', clone(f.spec ?? { command: ['x'] })) as Record<string, unknown>;
      if (f.doc) (doc.metadata as Record<string, unknown>).labels = {};
      setIn(doc, fullPath, SENTINEL);
      const hostile = make(f.base);
      const placed = place(doc, yamlString(hostile));
      const r = await loadBeside(t, placed.text);
      assertValidStillLoads(r);
      assertOutputSafe(r, f.secret ? f.base : undefined);
      if (why) {
        assert.deepEqual(r.errors, []);
        const got = r.resources.find((x) => x.file === 'case.yaml');
        assert.ok(got, 'the resource loads');
        let v: unknown = got.resource;
        for (const seg of fullPath) v = (v as Record<string | number, unknown>)[seg];
        assert.equal(v, hostile, 'the value arrives unchanged');
        return;
      }
      const isName = fieldText(fullPath) === 'metadata.name';
      assertRejectedAt(r, {
        line: placed.line,
        col: placed.col,
        field: fieldText(fullPath),
        ...(isName ? {} : { key: `${f.kind}/case` }),
      });
      if (isName)
        assert.deepEqual(r.unknownFiles, ['case.yaml'], 'an unnamed resource makes its file unknown');
      else assert.deepEqual(r.invalidKeys, [`${f.kind}/case`]);
      if (f.secret)
        for (const e of r.errors.filter((x) => x.file === 'case.yaml'))
          assert.match(e.message, /value hidden|characters, got \d+ characters$/);
    });
  }
}

test('hostile strings as keys of every record are refused at the key', async (t) => {
  const cases: [Kind, Record<string, unknown>, (string | number)[], RegExp][] = [
    ['Pool', { php: '8.2' }, ['spec', 'env'], /^spec\.env\[/],
    ['Program', { command: ['x'] }, ['spec', 'env'], /^spec\.env\[/],
    ['Pool', { php: '8.2' }, ['spec', 'phpAdminValues'], /^spec\.phpAdminValues\[/],
    ['Pool', { php: '8.2' }, ['spec', 'phpAdminFlags'], /^spec\.phpAdminFlags\[/],
    ['Site', SITE, ['spec', 'headers'], /^spec\.headers\[/],
    ['Program', { command: ['x'] }, ['metadata', 'labels'], /^metadata\.labels\[/],
  ];
  const keys = ['A\nB', 'A;B', 'A{B', 'A}B', 'A"B', "A'B", '../x', 'A\u0000B', 'K'.repeat(100_000)];
  let n = 0;
  for (const [kind, spec, path, field] of cases)
    for (const key of keys)
      await t.test(`${kind} ${path.join('.')} key ${JSON.stringify(key.slice(0, 8))}`, async (st) => {
        const doc = resourceDoc(kind, 'case', clone(spec)) as Record<string, unknown>;
        const value = path[1] === 'phpAdminFlags' ? true : 'v';
        setIn(doc, path, { [SENTINEL]: value });
        const placed = place(doc, yamlString(key));
        const r = await loadBeside(st, placed.text);
        assertValidStillLoads(r);
        assertOutputSafe(r);
        if (key.length > 1024) {
          // YAML itself caps implicit keys at 1024 characters: the file is unparseable, so unknown.
          assertRejectedAt(r, { line: placed.line, col: placed.col, code: 'TEND_ERR_YAML_SYNTAX' });
          assert.deepEqual(r.unknownFiles, ['case.yaml']);
          assert.deepEqual(r.unknownKeys, [`${kind}/case`]);
        } else assertRejectedAt(r, { line: placed.line, col: placed.col, field, key: `${kind}/case` });
        n++;
      });
  assert.equal(n, cases.length * keys.length);
});
