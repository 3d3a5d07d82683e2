// The render memo's Pool stamp reads which Sites use each Pool from an index built once per set of
// resources: it must agree with sitesUsing, and a Pool must re-render when a Site joins or leaves it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTemplates } from '../../../src/host/templates.js';
import { embeddedLayout } from '../../../src/layout/index.js';
import { keyOf, type Pool, type Resource, type ResourceKey } from '../../../src/model/index.js';
import type { RenderContext } from '../../../src/render/index.js';
import { sitesUsing } from '../../../src/render/pool-tenancy.js';
import { renderMemo, shareObservedText, sitesUsingKeys } from '../../../src/pipeline/render-memo.js';
import type { RenderMemoEntry } from '../../../src/pipeline/snapshot.js';
import { resource } from '../render/fixtures.js';

const layout = embeddedLayout('/srv/tend');
const templates = loadTemplates();
const pool = (name: string) => resource('Pool', name, { php: '8.2' });
const phpSite = (name: string, poolName: string, preset = 'php') =>
  resource('Site', name, {
    domains: [`${name}.test`],
    preset,
    root: `/srv/www/${name}`,
    php: { pool: poolName },
  });
const staticSite = (name: string) =>
  resource('Site', name, { domains: [`${name}.test`], preset: 'static', root: `/srv/www/${name}` });
const ctxOf = (rs: Resource[]): RenderContext => ({
  layout,
  resources: new Map(rs.map((r) => [keyOf(r), r])),
  templates,
});

test('sitesUsingKeys agrees with sitesUsing for every Pool, in the same order', () => {
  const rs = [
    pool('a'),
    pool('b'),
    pool('lonely'),
    phpSite('z1', 'a'),
    phpSite('m1', 'a', 'laravel'),
    phpSite('b1', 'b', 'wordpress'),
    phpSite('a1', 'a'),
    staticSite('s1'),
  ];
  const ctx = ctxOf(rs);
  for (const p of rs.filter((r): r is Pool => r.kind === 'Pool'))
    assert.deepEqual(
      sitesUsingKeys(p, ctx),
      sitesUsing(p, ctx).map((s) => keyOf(s)),
      p.metadata.name,
    );
  assert.deepEqual(sitesUsingKeys(pool('a') as Pool, ctx), ['Site/a1', 'Site/m1', 'Site/z1']);
  assert.deepEqual(sitesUsingKeys(pool('lonely') as Pool, ctx), []);
});

test('a Pool re-renders when a Site moves to it, in the next pass and in the same resources map', () => {
  const memo = new Map<ResourceKey, RenderMemoEntry>();
  const gens = (rs: Resource[], site: string) =>
    new Map<ResourceKey, string>(rs.map((r) => [keyOf(r), r.kind === 'Site' ? site : 'g1']));
  const openBasedir = (r: { files: { content: string }[] }) =>
    /open_basedir\] = (.*)$/m.exec(r.files[0]!.content)?.[1] ?? '';

  const before = [pool('a'), pool('b'), phpSite('s', 'a')];
  const ctx1 = ctxOf(before);
  const b1 = renderMemo(memo, before[1]!, 'g1', ctx1, gens(before, 's1'));
  assert.doesNotMatch(openBasedir(b1), /\/srv\/www\/s\//);
  assert.equal(renderMemo(memo, before[1]!, 'g1', ctx1, gens(before, 's1')), b1, 'unchanged: reused');

  // The next pass: the Site now routes to Pool b (a new generation, a new resources map).
  const after = [pool('a'), pool('b'), phpSite('s', 'b')];
  const b2 = renderMemo(memo, after[1]!, 'g1', ctxOf(after), gens(after, 's2'));
  assert.notEqual(b2, b1);
  assert.match(openBasedir(b2), /\/srv\/www\/s\//);

  // A map that gained a Site since it was indexed is indexed again, never answered from the old index.
  const grown = ctxOf(after);
  sitesUsingKeys(after[1] as Pool, grown);
  const t = phpSite('t', 'b');
  (grown.resources as Map<ResourceKey, Resource>).set(keyOf(t), t);
  assert.deepEqual(sitesUsingKeys(after[1] as Pool, grown), ['Site/s', 'Site/t']);
});

test('the memo takes the host text only where it equals the render: a hand edit stays drift', () => {
  const rs = [pool('a'), phpSite('s', 'a')];
  const ctx = ctxOf(rs);
  const memo = new Map<ResourceKey, RenderMemoEntry>();
  const gens = new Map<ResourceKey, string>(rs.map((r) => [keyOf(r), 'g1']));
  const [p, s] = rs.map((r) => renderMemo(memo, r, 'g1', ctx, gens));
  const file = (path: string, content: string) => ({ path, content, managedBy: undefined });
  const observed = {
    // The Pool's file as rendered; the Site's vhost edited by hand.
    files: new Map([
      [p!.files[0]!.path, file(p!.files[0]!.path, `${p!.files[0]!.content}`)],
      [s!.files[0]!.path, file(s!.files[0]!.path, `${s!.files[0]!.content}# edited\n`)],
    ]),
    links: new Map(),
    phpVersions: [],
  };
  shareObservedText(memo, observed);
  assert.equal(memo.get('Pool/a')!.shared, true);
  assert.equal(memo.get('Pool/a')!.rendered.files[0]!.content, p!.files[0]!.content);
  assert.notEqual(memo.get('Site/s')!.shared, true, 'a file that differs is not shared');
  assert.equal(memo.get('Site/s')!.rendered, s, 'the render is kept as it was');
  assert.ok(!memo.get('Site/s')!.rendered.files[0]!.content.includes('# edited'));
  // The next pass's memo hit returns the shared entry, with the same text as a fresh render.
  assert.equal(renderMemo(memo, rs[0]!, 'g1', ctx, gens), memo.get('Pool/a')!.rendered);
});
