// renderAll dispatch, the template set's guarantees, and the template loader.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { isTendError, TendError } from '../../../src/errors/catalogue.js';
import { loadTemplates, readTemplateSources, templatesDir } from '../../../src/host/templates.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { keyOf, type Resource } from '../../../src/model/index.js';
import {
  createTemplateSet,
  DEFAULT_RENDERERS,
  renderAll,
  renderPool,
  renderSite,
  tidy,
  type RenderContext,
  type RendererRegistry,
} from '../../../src/render/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { resource } from './fixtures.js';

const pool = resource('Pool', 'app', { php: '8.2' });
const site = resource('Site', 'shop', {
  domains: ['shop.example.com'],
  preset: 'php',
  root: '/srv/shop',
  php: { pool: 'app' },
});
const program = resource('Program', 'worker', { command: ['php', 'artisan', 'queue:work'] });
const terminal = resource('Terminal', 'ops', { user: 'www-data' });
const all: Resource[] = [site, pool, program, terminal];
const ctx: RenderContext = {
  layout: embeddedLayout('/srv/tend'),
  resources: new Map(all.map((r) => [keyOf(r), r])),
  templates: loadTemplates(),
};

test('renderAll dispatches by kind and gives kinds without a renderer an empty result', () => {
  const out = renderAll(all, ctx);
  assert.deepEqual(
    out.map((r) => [r.key, r.files.length]),
    [
      ['Site/shop', 1],
      ['Pool/app', 1],
      ['Program/worker', 0],
      ['Terminal/ops', 0],
    ],
  );
  assert.deepEqual(out[3], { key: 'Terminal/ops', files: [], links: [], outputs: {} });
  assert.equal(DEFAULT_RENDERERS.Site, renderSite);
  assert.equal(DEFAULT_RENDERERS.Pool, renderPool);
  assert.equal(DEFAULT_RENDERERS.Terminal, undefined);
});

test('a registry can add a renderer for another kind', () => {
  const registry: RendererRegistry = {
    ...DEFAULT_RENDERERS,
    Program: (p) => ({ key: keyOf(p), files: [], links: [], outputs: { command: p.spec.command.join(' ') } }),
  };
  assert.deepEqual(renderAll([program], ctx, registry)[0]!.outputs, { command: 'php artisan queue:work' });
});

test('a renderer failure names the resource it belongs to', () => {
  const orphan = resource('Site', 'orphan', {
    domains: ['o.example.com'],
    preset: 'php',
    root: '/srv/o',
    php: { pool: 'none' },
  });
  assert.throws(
    () => renderAll([orphan], ctx),
    (e: unknown) =>
      isTendError(e, 'TEND_ERR_REFERENCE') &&
      e.details.key === 'Site/orphan' &&
      e.message.includes('Site/orphan'),
  );
});

test('an error without a key gets the key of the resource being rendered', () => {
  const registry: RendererRegistry = {
    Program: () => {
      throw new TendError('TEND_ERR_UNSAFE_VALUE', 'bad value');
    },
  };
  assert.throws(
    () => renderAll([program], ctx, registry),
    (e: unknown) =>
      isTendError(e, 'TEND_ERR_UNSAFE_VALUE') &&
      e.details.key === 'Program/worker' &&
      e.message === 'Program/worker: bad value',
  );
});

test('the template set refuses unescaped tags and missing templates, and renders with the guard', () => {
  assert.throws(
    () => createTemplateSet({ 'nginx/site.conf': '{{{raw}}}', 'php-fpm/pool.conf': '' }),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
  assert.throws(
    () => createTemplateSet({ 'nginx/site.conf': '{{& raw}}', 'php-fpm/pool.conf': '' }),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
  assert.throws(() => createTemplateSet({ 'nginx/site.conf': '' }), /php-fpm\/pool\.conf/);
  const set = createTemplateSet({
    'nginx/site.conf': 'a {{x}} <&>',
    'php-fpm/pool.conf': '{{> nginx/site.conf}}',
  });
  assert.equal(set.render('nginx/site.conf', { x: '<"&">' }), 'a <"&"> <&>\n', 'no HTML escaping');
  assert.equal(
    set.render('php-fpm/pool.conf', { x: 1 }),
    'a 1 <&>\n',
    'templates are partials of each other',
  );
  assert.throws(
    () => set.render('nginx/site.conf', { x: 'a\nb' }),
    (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
  );
  assert.throws(
    () => set.render('nope', {}),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
});

test('the shipped templates never use unescaped tags', () => {
  const sources = readTemplateSources(templatesDir());
  assert.ok(Object.keys(sources).includes('nginx/site.conf'));
  for (const [name, text] of Object.entries(sources)) assert.doesNotMatch(text, /\{\{\s*[{&]/, name);
});

test('tidy strips trailing blanks, collapses blank runs and blank lines inside braces', () => {
  assert.equal(tidy('a  \n\n\n\nb {\n\n  c;\n\n}\n\n'), 'a\n\nb {\n  c;\n}\n');
});

test('loadTemplates reads every *.mustache below a directory once', (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'nginx'));
  mkdirSync(join(dir, 'php-fpm'));
  writeFileSync(join(dir, 'nginx/site.conf.mustache'), 'one');
  writeFileSync(join(dir, 'php-fpm/pool.conf.mustache'), 'two');
  writeFileSync(join(dir, 'README.md'), 'not a template');
  const first = loadTemplates(dir);
  assert.deepEqual(first.names, ['nginx/site.conf', 'php-fpm/pool.conf']);
  writeFileSync(join(dir, 'nginx/site.conf.mustache'), 'changed');
  const second = loadTemplates(dir);
  assert.equal(second, first, 'cached');
  assert.equal(second.render('nginx/site.conf', {}), 'one\n');
});

test('a block is embedded only by the set that rendered it; a look-alike object is refused', () => {
  const set = createTemplateSet({ 'nginx/site.conf': 'a {{x}}\n', 'php-fpm/pool.conf': '{{b}}\n' });
  const block = set.block('nginx/site.conf', { x: 'one' }, '  ');
  assert.equal(set.render('php-fpm/pool.conf', { b: block }), '  a one\n');
  const other = createTemplateSet({ 'nginx/site.conf': 'x\n', 'php-fpm/pool.conf': '{{b}}\n' });
  assert.throws(
    () => other.render('php-fpm/pool.conf', { b: block }),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
  assert.throws(
    () => set.render('php-fpm/pool.conf', { b: { name: 'nginx/site.conf' } }),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
  assert.throws(
    () => set.block('nginx/site.conf', { x: 'a\nb' }),
    (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'),
  );
});
