// The load outcome cache: a cached load equals an uncached one (errors and positions included), a
// changed file is checked again, and a stale, corrupt or missing cache file is only a slower load.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { codeFingerprint, fingerprintInputs, fingerprintOf } from '../../../src/source/outcome-cache.js';
import {
  deferredSaves,
  fileOutcomeCache,
  loadDesiredState,
  memoryOutcomeCache,
  type LoadMemo,
  type OutcomeCache,
} from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';
import { VALID_SPECS, docYaml, resourceDoc, writeTree } from './helpers.js';

/** Counts what the loader had to check itself (cache misses). */
function counting(inner: OutcomeCache) {
  const c = { misses: 0, hits: 0 };
  const cache: OutcomeCache = {
    get: (f, t) => {
      const o = inner.get(f, t);
      if (o) c.hits++;
      else c.misses++;
      return o;
    },
    set: (f, t, o) => inner.set(f, t, o),
    save: () => inner.save(),
  };
  return { cache, c };
}

function tree(t: Parameters<typeof tempDir>[0]) {
  const dir = tempDir(t, 'tend-cache-');
  const ds = join(dir, 'ds');
  writeTree(ds, {
    'a.yaml': docYaml(resourceDoc('Pool', 'a')),
    'b.yaml': docYaml(resourceDoc('Site', 'b')),
    'bad.yaml': docYaml(resourceDoc('Pool', 'bad', { php: '8.2', pm: { maxChildren: 0 } })),
  });
  const state = join(dir, 'state');
  mkdirSync(state);
  return { ds, cachePath: join(state, 'load-cache.json'), dir };
}

test('a cached load is the same load, errors and positions included', async (t) => {
  const { ds, cachePath } = tree(t);
  const plain = await loadDesiredState(ds);
  const first = counting(fileOutcomeCache(cachePath));
  const cold = await loadDesiredState(ds, { cache: first.cache });
  assert.deepEqual(first.c, { misses: 3, hits: 0 });
  assert.ok(existsSync(cachePath));

  const second = counting(fileOutcomeCache(cachePath));
  const warm = await loadDesiredState(ds, { cache: second.cache });
  assert.deepEqual(second.c, { misses: 0, hits: 3 });
  assert.equal(plain.errors.length, 1, 'the fixture has one schema error');
  assert.deepEqual(cold, plain);
  assert.deepEqual(warm, plain);
});

test('a changed file is checked again; a removed one leaves the cache', async (t) => {
  const { ds, cachePath } = tree(t);
  await loadDesiredState(ds, { cache: fileOutcomeCache(cachePath) });
  writeFileSync(
    join(ds, 'a.yaml'),
    docYaml(resourceDoc('Pool', 'a', { php: '8.2', pm: { maxChildren: 0 } })),
  );
  const { cache, c } = counting(fileOutcomeCache(cachePath));
  const r = await loadDesiredState(ds, { cache });
  assert.deepEqual(c, { misses: 1, hits: 2 });
  assert.equal(r.errors.filter((e) => e.file === 'a.yaml').length, 1, 'the new error is reported');

  writeFileSync(join(ds, 'b.yaml'), '');
  await loadDesiredState(ds, { cache: fileOutcomeCache(cachePath) });
  const entries = Object.keys(JSON.parse(readFileSync(cachePath, 'utf8')).entries as object);
  assert.equal(entries.length, 3, 'one entry per file of the last load, none for the old b.yaml');
});

test('a corrupt or foreign cache file is an empty cache and is replaced', async (t) => {
  const { ds, cachePath } = tree(t);
  for (const junk of ['{not json', JSON.stringify({ fingerprint: 'other', entries: { x: {} } })]) {
    writeFileSync(cachePath, junk);
    const { cache, c } = counting(fileOutcomeCache(cachePath));
    assert.deepEqual(await loadDesiredState(ds, { cache }), await loadDesiredState(ds));
    assert.equal(c.hits, 0);
    assert.notEqual(readFileSync(cachePath, 'utf8'), junk);
  }
});

test('no state dir: nothing is created', async (t) => {
  const { ds, dir } = tree(t);
  const path = join(dir, 'missing', 'load-cache.json');
  await loadDesiredState(ds, { cache: fileOutcomeCache(path) });
  assert.equal(existsSync(join(dir, 'missing')), false);
});

test('the load memo reuses the last result only while no file, its name or the rule context changed', async (t) => {
  const { ds } = tree(t);
  const memo: LoadMemo = { now: () => Date.now() + 60_000 };
  const first = await loadDesiredState(ds, { memo });
  assert.equal(await loadDesiredState(ds, { memo }), first, 'an unchanged tree is the same result object');

  const other = { memo, ruleContext: { installedPhp: ['8.3'] } };
  const withContext = await loadDesiredState(ds, other);
  assert.notEqual(withContext, first, 'another rule context loads afresh');
  assert.ok(withContext.errors.length > first.errors.length, 'and its rules apply (8.2 is not installed)');

  writeFileSync(join(ds, 'c.yaml'), docYaml(resourceDoc('Pool', 'c')));
  const added = await loadDesiredState(ds, { memo });
  assert.ok(
    added.resources.some((r) => r.key === 'Pool/c'),
    'a new file is seen',
  );

  writeFileSync(join(ds, 'c.yaml'), docYaml(resourceDoc('Pool', 'c', { pm: { maxChildren: 0 } })));
  const changed = await loadDesiredState(ds, { memo });
  assert.ok(
    changed.errors.some((e) => e.file === 'c.yaml'),
    'a rewritten file is loaded again',
  );
  assert.deepEqual(changed, await loadDesiredState(ds), 'and the memoized load equals a plain one');
});

test('a racy tree is never trusted by its stats, but the same texts give the same result', async (t) => {
  const { ds } = tree(t);
  const memo: LoadMemo = {};
  const first = await loadDesiredState(ds, { memo });
  assert.equal(memo.fingerprint, undefined, 'files written just now are racy');
  assert.equal(await loadDesiredState(ds, { memo }), first, 'every file read again, and equal');
  assert.equal(memo.fingerprint, undefined, 'still racy: the next load reads them again too');

  // Once the files leave the racy window the memo trusts their stats, without a full load.
  memo.now = () => Date.now() + 60_000;
  assert.equal(await loadDesiredState(ds, { memo }), first, 'the same result object');
  assert.notEqual(memo.fingerprint, undefined, 'and now the stats are trusted');
  assert.equal(await loadDesiredState(ds, { memo }), first);
});

test('one changed file in a memoized tree: only it is read and checked again', async (t) => {
  const { ds } = tree(t);
  let clock = Date.now() + 60_000;
  const memo: LoadMemo = { now: () => clock };
  const { cache, c } = counting(memoryOutcomeCache());
  const first = await loadDesiredState(ds, { memo, cache });
  assert.equal(c.misses, 3, 'a first load checks every file');
  const readOf = (name: string) => memo.files?.get(join(ds, name))?.read;
  const aRead = readOf('a.yaml');
  assert.ok(aRead?.ok, 'the memo keeps what each file read');

  writeFileSync(
    join(ds, 'b.yaml'),
    docYaml(resourceDoc('Site', 'b', { ...VALID_SPECS.Site, root: '/srv/b2' })),
  );
  clock = Date.now() + 60_000;
  c.misses = 0;
  const second = await loadDesiredState(ds, { memo, cache });
  assert.equal(c.misses, 1, 'only the rewritten file is checked');
  assert.equal(readOf('a.yaml'), aRead, 'an unchanged file is not read again');
  const pool = (r: typeof first) => r.resources.find((x) => x.key === 'Pool/a')!.resource;
  assert.equal(pool(second), pool(first), 'an unchanged file keeps its parsed resource object');
  assert.deepEqual(second, await loadDesiredState(ds), 'and the load equals a plain one');
  assert.equal(
    (second.resources.find((x) => x.key === 'Site/b')!.resource.spec as { root: string }).root,
    '/srv/b2',
  );

  rmSync(join(ds, 'a.yaml'));
  const third = await loadDesiredState(ds, { memo, cache });
  assert.ok(!third.resources.some((x) => x.key === 'Pool/a'), 'a removed file takes its resources');
  assert.ok(!memo.files?.has(join(ds, 'a.yaml')), 'and leaves the memo');
});

test('a racy file is read again on every load, even when its stat looks the same', async (t) => {
  const { ds } = tree(t);
  const memo: LoadMemo = {};
  const path = join(ds, 'b.yaml');
  const first = await loadDesiredState(ds, { memo });
  // The same length and mtime: only the text tells the two apart (and the racy rule says read it).
  const before = statSync(path);
  const text = readFileSync(path, 'utf8');
  const edited = text.replace('ok.example.com', 'ko.example.com');
  assert.notEqual(edited, text);
  assert.equal(edited.length, text.length);
  writeFileSync(path, edited);
  utimesSync(path, before.atime, before.mtime);
  const second = await loadDesiredState(ds, { memo });
  assert.notEqual(second, first, 'a changed text is a new load');
  const domains = (r: typeof first) =>
    (r.resources.find((x) => x.key === 'Site/b')!.resource.spec as { domains: string[] }).domains;
  assert.deepEqual(domains(second), ['ko.example.com'], 'the rewritten file is what loaded');
  assert.deepEqual(second, await loadDesiredState(ds), 'and the load equals a plain one');
});

test('deferred saves: one write per delay, after the loads that asked', async (t) => {
  const { ds, cachePath } = tree(t);
  const deferred = deferredSaves(fileOutcomeCache(cachePath), 50);
  await loadDesiredState(ds, { cache: deferred });
  await loadDesiredState(ds, { cache: deferred });
  assert.equal(existsSync(cachePath), false, 'nothing is written inside the load');
  await new Promise((r) => setTimeout(r, 200));
  const saved = JSON.parse(readFileSync(cachePath, 'utf8')) as { entries: object };
  assert.equal(Object.keys(saved.entries).length, 3, 'the saved cache holds the tree');
});

test('the fingerprint covers the model, the error catalogue, the version and the lockfile', () => {
  const inputs = fingerprintInputs();
  for (const end of ['/source', '/model', '/errors', '/package.json', '/package-lock.json'])
    assert.ok(
      inputs.some((i) => i.endsWith(end)),
      `expected an input ending in ${end}, got ${inputs.join(', ')}`,
    );
  assert.equal(codeFingerprint(), fingerprintOf(inputs));
});

test('a changed lockfile or catalogue changes the fingerprint, so no stale verdict is served', (t) => {
  const dir = tempDir(t, 'tend-fingerprint-');
  const lock = join(dir, 'package-lock.json');
  const code = join(dir, 'errors');
  mkdirSync(code);
  writeFileSync(lock, '{"zod":"4.0.0"}');
  writeFileSync(join(code, 'catalogue.js'), 'export const A = 1;');
  const before = fingerprintOf([code, lock]);
  assert.equal(fingerprintOf([code, lock]), before, 'the same inputs give the same fingerprint');
  writeFileSync(lock, '{"zod":"4.1.0"}');
  const afterLock = fingerprintOf([code, lock]);
  assert.notEqual(afterLock, before);
  writeFileSync(join(code, 'catalogue.js'), 'export const A = 2;');
  assert.notEqual(fingerprintOf([code, lock]), afterLock);
  rmSync(lock);
  assert.notEqual(fingerprintOf([code, lock]), afterLock, 'a removed input counts as a change');
});
