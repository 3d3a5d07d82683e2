// The watcher survives its directory being replaced: deleted and restored, moved away and back, or
// a symlink swapped to a new checkout. After each, an edit is reported again, and the re-arm is said.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { watchDesiredState, type RearmEvent } from '../../../src/controller/watch.js';
import { tempDir } from '../../helpers/tmp.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const doc = (name: string) =>
  `apiVersion: tend/v1\nkind: Program\nmetadata:\n  name: ${name}\nspec:\n  command: [sleep, "1000"]\n`;

async function until(what: string, fn: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function start(t: TestContext, dir: string) {
  const paths: string[] = [];
  const rearms: RearmEvent[] = [];
  const w = watchDesiredState(dir, (batch) => paths.push(...batch), {
    settleMs: 50,
    onRearm: (e) => rearms.push(e),
  });
  t.after(() => w.close());
  /** Writes `file` under `dir` and waits until the watcher reports it. */
  const edited = async (file: string) => {
    const path = join(dir, file);
    paths.length = 0;
    writeFileSync(path, doc(file.replace(/\W/g, '')));
    await until(`${file} to be reported`, () => paths.includes(path));
  };
  return { w, paths, rearms, edited };
}

test('deleting and restoring the directory, or moving it away and back, re-arms the watch', async (t) => {
  const base = tempDir(t, 'tend-rearm-');
  const ds = join(base, 'ds');
  mkdirSync(ds);
  const { w, rearms, paths, edited } = start(t, ds);
  await w.ready;
  await edited('a.yaml');

  rmSync(ds, { recursive: true });
  await until('the loss to be said', () => rearms.some((e) => !e.present));
  // The loss itself is reported, so that a pass says the source is gone.
  await until('the loss to be reported', () => paths.includes(ds));
  mkdirSync(ds);
  await until('the re-arm', () => rearms.at(-1)?.present === true);
  await edited('b.yaml');

  const away = join(base, 'away');
  renameSync(ds, away);
  renameSync(away, ds);
  const count = rearms.length;
  await until('the re-arm after mv', () => rearms.length > count && rearms.at(-1)!.present);
  await edited('c.yaml');
  await edited('sub.yaml');
});

test('an atomic symlink swap to a new checkout re-arms the watch on the new target', async (t) => {
  const base = tempDir(t, 'tend-rearm-');
  const r1 = join(base, 'release-1');
  const r2 = join(base, 'release-2');
  mkdirSync(r1);
  mkdirSync(r2);
  const current = join(base, 'current');
  symlinkSync(r1, current);
  const { w, rearms, edited } = start(t, current);
  await w.ready;
  await edited('a.yaml');

  // `ln -s release-2 tmp && mv -T tmp current`: one rename over the link.
  symlinkSync(r2, join(base, 'current.tmp'));
  renameSync(join(base, 'current.tmp'), current);
  await until('the re-arm', () => rearms.some((e) => e.present && e.path === r2));
  await edited('b.yaml');
});

test('check() re-arms when the directory changed identity without its parent saying so', async (t) => {
  const base = tempDir(t, 'tend-rearm-');
  const r1 = join(base, 'release-1');
  const r2 = join(base, 'release-2');
  const links = join(base, 'links');
  mkdirSync(r1);
  mkdirSync(r2);
  mkdirSync(links);
  // current → links/live → release-1: swapping links/live happens where the watcher does not look.
  symlinkSync(r1, join(links, 'live'));
  const current = join(base, 'current');
  symlinkSync(join(links, 'live'), current);
  const { w, rearms, edited } = start(t, current);
  await w.ready;
  await w.check();
  assert.equal(rearms.length, 0, 'an unchanged directory is not re-armed');
  symlinkSync(r2, join(links, 'live.tmp'));
  renameSync(join(links, 'live.tmp'), join(links, 'live'));
  await sleep(300);
  assert.equal(rearms.length, 0, 'the parent of current saw nothing');
  await w.check();
  assert.ok(rearms.some((e) => e.present && e.path === r2));
  await edited('b.yaml');
});
