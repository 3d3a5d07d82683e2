// The desired-state watcher survives its directory being replaced: deleted and restored, moved away
// and back, or swapped atomically through a symlink (how a new checkout is usually deployed). With
// a 5-minute resync only the watcher can explain an edit served within seconds; the log says when
// the watch was re-armed, and the sites serve throughout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { httpGet } from '../helpers/e2e.js';
import { untrackedFiles } from '../helpers/checker.js';
import { waitFor } from '../e2e/serve-harness.js';
import { loopFault, type LoopFault } from './loop-fixture.js';

const RESYNC = ['--resync', '5m'];
/** Far below the resync: a busy 2-core box still serves an edit within this through the watcher. */
const WATCHED_EDIT_MS = 30_000;

/** Edits site a and returns how long until nginx served the edit. */
async function editServed(f: LoopFault, value: string): Promise<number> {
  const t0 = Date.now();
  f.env.write('a.yaml', f.yaml('a', `  headers: { X-Edit: "${value}" }\n`));
  await waitFor(
    `the edit ${value} to be served`,
    async () => (await httpGet(f.env.port, 'a.fault.test')).headers['x-edit'] === value,
    WATCHED_EDIT_MS,
  );
  return Date.now() - t0;
}

async function rearmed(f: LoopFault, before: number): Promise<void> {
  await waitFor('the log to say the watch was re-armed', () => f.logLines('watch re-armed').length > before);
}

const snapshot = (dir: string) =>
  new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name), 'utf8')]));

function restore(dir: string, files: Map<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of files) writeFileSync(join(dir, name), text);
}

test('deleting and restoring, or moving away and back, the desired-state dir keeps edits live', async (t) => {
  const f = await loopFault(t, { extra: RESYNC });
  const { env, checker } = f;
  const start = Date.now();
  t.diagnostic(`first edit served in ${await editServed(f, 'v1')} ms`);

  // Delete and restore.
  const files = snapshot(env.ds);
  let count = f.logLines('watch re-armed').length;
  rmSync(env.ds, { recursive: true });
  await waitFor('the log to say the dir is gone', () => f.logLines('directory is gone').length > 0);
  restore(env.ds, files);
  await rearmed(f, count);
  const afterRestore = await editServed(f, 'v2');
  t.diagnostic(`edit after delete+restore served in ${afterRestore} ms`);

  // mv away and back.
  count = f.logLines('watch re-armed').length;
  renameSync(env.ds, `${env.ds}.away`);
  renameSync(`${env.ds}.away`, env.ds);
  await rearmed(f, count);
  const afterMove = await editServed(f, 'v3');
  t.diagnostic(`edit after mv away and back served in ${afterMove} ms`);

  // Deleting the directory deleted nothing: every site served throughout.
  assert.deepEqual(checker.failuresSince(start), []);
  // /readyz may read 503 for a moment here (a pool with 2 children and a checker hammering it is
  // briefly saturated on a busy box, which is Degraded and honest); it must come back by itself.
  const first = await f.readyz();
  if (first.status !== 200) t.diagnostic(`/readyz right after the edits: ${first.status} ${first.reason}`);
  await waitFor(
    '/readyz to be OK after the edits',
    async () => {
      const r = await f.readyz();
      if (r.status !== 200) throw new Error(`${r.status}: ${r.reason}`);
      return true;
    },
    30_000,
  );
  assert.deepEqual(untrackedFiles(env.root), []);
});

test('an atomic symlink swap to a new checkout is applied at once, and later edits too', async (t) => {
  const f = await loopFault(t, {
    extra: RESYNC,
    // tend is pointed at `ds`, a link to release-1, as a deploy tool would lay it out.
    beforeStart: (env) => {
      renameSync(env.ds, join(env.base, 'release-1'));
      symlinkSync(join(env.base, 'release-1'), env.ds);
    },
  });
  const { env, checker } = f;
  const start = Date.now();
  t.diagnostic(`first edit served in ${await editServed(f, 'r1')} ms`);

  // The new checkout differs: site b gets a header. `ln -s release-2 tmp && mv -T tmp ds`.
  const release2 = join(env.base, 'release-2');
  restore(release2, snapshot(env.ds));
  writeFileSync(join(release2, 'b.yaml'), f.yaml('b', '  headers: { X-Release: "2" }\n'));
  const count = f.logLines('watch re-armed').length;
  const swappedAt = Date.now();
  symlinkSync(release2, join(env.base, 'ds.tmp'));
  renameSync(join(env.base, 'ds.tmp'), env.ds);
  await rearmed(f, count);
  await waitFor(
    'the new checkout to be served',
    async () => (await httpGet(env.port, 'b.fault.test')).headers['x-release'] === '2',
    WATCHED_EDIT_MS,
  );
  t.diagnostic(`new checkout served ${Date.now() - swappedAt} ms after the swap`);
  t.diagnostic(`edit after the swap served in ${await editServed(f, 'r2')} ms`);
  assert.equal(readFileSync(join(release2, 'a.yaml'), 'utf8').includes('r2'), true, 'edited via the link');

  assert.deepEqual(checker.failuresSince(start), []);
  assert.deepEqual(untrackedFiles(env.root), []);
});
