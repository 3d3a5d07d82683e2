// The supervisord program renderer: golden files for the main variants, the escaping rules for
// argv and env, and every value it must refuse rather than write.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { besideSource } from '../../helpers/paths.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { embeddedLayout, systemLayout } from '../../../src/layout/layout.js';
import { programResource, type Program } from '../../../src/model/index.js';
import { parseManagedHeader } from '../../../src/render/types.js';
import {
  quoteSupervisordArg,
  quoteSupervisordEnvValue,
  renderSupervisordProgram,
  supervisordCommand,
} from '../../../src/render/supervisord-program.js';

const goldenDir = besideSource(import.meta.url, '../../golden');
const update = process.env.UPDATE_GOLDEN === '1';

function program(name: string, spec: Record<string, unknown>): Program {
  return programResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Program',
    metadata: { name },
    spec: { backend: 'supervisord', ...spec },
  });
}

const cases = [
  {
    golden: 'supervisord-single',
    layout: embeddedLayout('/srv/tend'),
    program: program('queue', {
      command: ['php', 'artisan', 'queue:work', '--tries=3'],
      directory: '/srv/app',
      user: 'www-data',
    }),
  },
  {
    golden: 'supervisord-instances',
    layout: systemLayout('/'),
    program: program('worker', {
      command: ['/usr/bin/node', 'worker.js', '100%', 'a b;c'],
      user: 'nobody',
      instances: 4,
      restart: 'on-failure',
      startSeconds: 0,
      stop: { signal: 'SIGINT', timeout: '1500ms' },
      backoff: { max: '10m' },
      logs: { maxSize: '1m', keep: 2 },
    }),
  },
  {
    golden: 'supervisord-shell-secrets',
    layout: embeddedLayout('/srv/tend'),
    program: program('cron', {
      command: ['echo "it\'s" $HOME # done'],
      shell: true,
      allowRoot: true,
      restart: 'never',
      env: { APP_ENV: 'production', LIST: 'a,b', DB_PASSWORD: { value: 'p%ss,word' } },
    }),
  },
];

for (const c of cases) {
  test(`golden ${c.golden}`, () => {
    const rendered = renderSupervisordProgram(c.program, c.layout);
    assert.equal(rendered.files.length, 1);
    const file = rendered.files[0]!;
    assert.equal(file.path, c.layout.supervisord.programFile(c.program.metadata.name));
    assert.equal(file.service, 'supervisord');
    assert.equal(parseManagedHeader(file.content), `Program/${c.program.metadata.name}`);
    const goldenFile = join(goldenDir, `${c.golden}.conf`);
    if (update) writeFileSync(goldenFile, file.content);
    assert.ok(existsSync(goldenFile), `${goldenFile} is missing; run with UPDATE_GOLDEN=1`);
    assert.equal(file.content, readFileSync(goldenFile, 'utf8'));
  });
}

test('secrets are listed raw and as written, and make the file owner-only', () => {
  const file = renderSupervisordProgram(cases[2]!.program, embeddedLayout('/srv/tend')).files[0]!;
  assert.deepEqual(file.secrets, ['p%ss,word', 'p%%ss,word']);
  assert.equal(file.mode, 0o600);
  assert.ok(file.content.includes('DB_PASSWORD="p%%ss,word"'));
  const plain = renderSupervisordProgram(cases[0]!.program, embeddedLayout('/srv/tend')).files[0]!;
  assert.deepEqual(plain.secrets, []);
  assert.equal(plain.mode, 0o644);
});

test('argv quoting: single quotes, doubled %, and comment/expansion breakers', () => {
  assert.equal(quoteSupervisordArg('plain'), "'plain'");
  assert.equal(quoteSupervisordArg("it's"), `'it'\\''s'`);
  assert.equal(quoteSupervisordArg('100%'), "'100%%'");
  assert.equal(quoteSupervisordArg('%(here)s'), "'%%''(here)s'");
  assert.equal(quoteSupervisordArg('a ;b #c'), "'a '';b ''#c'");
  assert.equal(supervisordCommand(['x y'], true), `'/bin/sh' '-c' 'x y'`);
  // No `%(` survives, so neither expand_here nor %-expansion can see a reference.
  for (const s of ['%(here)s', '%%(here)s', '%%%(x)s', "'%('"])
    assert.ok(!quoteSupervisordArg(s).includes('%('), s);
});

test('argv elements that one config line cannot carry are refused', () => {
  for (const bad of ['a\nb', 'a\rb', 'a\u0000b', 'lone \ud800 surrogate'])
    assert.throws(
      () => quoteSupervisordArg(bad),
      (e) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
      JSON.stringify(bad),
    );
});

test('env values: quote choice and the values supervisord cannot carry', () => {
  assert.equal(quoteSupervisordEnvValue('K', 'a,b'), '"a,b"');
  assert.equal(quoteSupervisordEnvValue('K', 'say "hi" now'), `'say "hi" now'`);
  assert.equal(quoteSupervisordEnvValue('K', "it's"), `"it's"`);
  assert.equal(quoteSupervisordEnvValue('K', ''), '""');
  assert.equal(quoteSupervisordEnvValue('K', 'a;b#c'), '"a;b#c"');
  const refused = [
    `both ' and "`,
    '"starts with a quote',
    "ends with a quote'",
    'blank ;then comment',
    'tab\t#comment',
    'file sep\u001c;x',
    'x %(here)s y',
    'new\nline',
    'nul\u0000',
  ];
  for (const bad of refused)
    assert.throws(
      () => quoteSupervisordEnvValue('K', bad),
      (e) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
      JSON.stringify(bad),
    );
});

test('settings supervisord cannot express are refused, not dropped', () => {
  const layout = embeddedLayout('/srv/tend');
  const grouped = program('g', { command: ['x'], user: 'www-data', group: 'www-data' });
  assert.throws(
    () => renderSupervisordProgram(grouped, layout),
    (e) => isTendError(e, 'TEND_ERR_UNSUPPORTED'),
  );
  const ported = program('p', { command: ['x'], user: 'www-data', instances: 2 });
  assert.throws(
    () => renderSupervisordProgram(ported, layout, { port: 8000 }),
    (e) => isTendError(e, 'TEND_ERR_UNSUPPORTED'),
  );
  const rootless = {
    ...grouped,
    spec: { ...grouped.spec, group: undefined, user: 'root', allowRoot: false },
  };
  assert.throws(
    () => renderSupervisordProgram(rootless, layout),
    (e) => isTendError(e, 'TEND_ERR_ROOT_REFUSED'),
  );
  assert.throws(
    () =>
      renderSupervisordProgram(
        program('x', { command: ['x'], user: 'www-data' }),
        embeddedLayout('/srv/te nd'),
      ),
    (e) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
  );
});

test('a port goes to PORT for one instance; restart maps to autorestart and retries', () => {
  const layout = embeddedLayout('/srv/tend');
  const one = renderSupervisordProgram(program('p', { command: ['x'], user: 'www-data' }), layout, {
    port: 8123,
  });
  assert.ok(one.files[0]!.content.includes('environment=PORT="8123"'));
  assert.equal(one.outputs.port, 8123);
  const lines = (spec: Record<string, unknown>) =>
    renderSupervisordProgram(
      program('r', { command: ['x'], user: 'www-data', ...spec }),
      layout,
    ).files[0]!.content.split('\n');
  assert.ok(lines({ restart: 'always' }).includes('autorestart=true'));
  assert.ok(lines({ restart: 'on-failure' }).includes('autorestart=unexpected'));
  assert.ok(lines({ restart: 'never' }).includes('startretries=0'));
  assert.ok(lines({ backoff: { max: '45s' } }).includes('startretries=45'));
  assert.ok(lines({ backoff: { max: '1h' } }).includes('startretries=100'));
  assert.ok(lines({ startSeconds: 0 }).includes('startsecs=1'));
});

test("supervisord's own log rotation follows the host ceiling (--log-max-size/--log-keep) over a Program's limits", () => {
  const line = (conf: string, key: string) => new RegExp(`^${key}=(.*)$`, 'm').exec(conf)?.[1];
  const p = program('q', { command: ['sleep', '1'], user: 'www-data', logs: { maxSize: '10m', keep: 9 } });
  // No ceiling given (no --log-max-size/--log-keep): the Program's own 10m × 9.
  const plain = renderSupervisordProgram(p, embeddedLayout('/srv/tend')).files[0]!.content;
  assert.equal(line(plain, 'stdout_logfile_maxbytes'), String(10 * 1024 * 1024));
  assert.equal(line(plain, 'stdout_logfile_backups'), '9');
  // A host ceiling of 64K × 2 wins over both.
  const capped = systemLayout('/', { logLimits: { maxBytes: 65536, keep: 2 } });
  const conf = renderSupervisordProgram(p, capped).files[0]!.content;
  assert.equal(line(conf, 'stdout_logfile_maxbytes'), '65536');
  assert.equal(line(conf, 'stdout_logfile_backups'), '2');
  // Below the ceiling, the Program's own smaller limits stay.
  const small = program('s', { command: ['sleep', '1'], user: 'www-data', logs: { maxSize: '1k', keep: 1 } });
  const own = renderSupervisordProgram(small, capped).files[0]!.content;
  assert.equal(line(own, 'stdout_logfile_maxbytes'), '1024');
  assert.equal(line(own, 'stdout_logfile_backups'), '1');
});
