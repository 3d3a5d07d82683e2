import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import { fileJournal, type JournalEntry } from '../../../src/state/journal.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const entry = (name: string, before: JournalEntry['before'] = []): JournalEntry => ({
  key: `Site/${name}`,
  kind: 'Site',
  name,
  action: 'create',
  generation: 'g1',
  services: ['nginx'],
  files: [`/x/${name}.conf`],
  links: [],
  before,
  done: false,
});

test('no journal means no interrupted pass', async (t) => {
  assert.equal(await fileJournal(host, tempDir(t)).read(), undefined);
});

test('a finished pass leaves no journal', async (t) => {
  const dir = tempDir(t);
  const j = fileJournal(host, dir);
  await j.begin([entry('a')]);
  await j.markDone(['Site/a']);
  await j.finish();
  assert.equal(existsSync(join(dir, 'journal.json')), false);
});

test('after a crash the journal tells done from pending and keeps the snapshots', async (t) => {
  const dir = tempDir(t);
  const j = fileJournal(host, dir);
  await j.begin([
    entry('a', [{ path: '/x/a.conf', kind: 'absent' }]),
    entry('b', [{ path: '/x/b.conf', kind: 'file', content: 'old', mode: 0o644 }]),
  ]);
  await j.markDone(['Site/a']);
  // A new process reads it back.
  const entries = await fileJournal(host, dir).read();
  assert.deepEqual(
    entries?.map((e) => [e.key, e.done]),
    [
      ['Site/a', true],
      ['Site/b', false],
    ],
  );
  assert.deepEqual(entries?.[1]?.before, [{ path: '/x/b.conf', kind: 'file', content: 'old', mode: 0o644 }]);
  assert.equal(statSync(join(dir, 'journal.json')).mode & 0o777, 0o600);
});

test('a pass never overwrites a journal that was not recovered', async (t) => {
  const dir = tempDir(t);
  await fileJournal(host, dir).begin([entry('a')]);
  await assert.rejects(fileJournal(host, dir).begin([entry('b')]), (e) =>
    isTendError(e, 'TEND_ERR_INTERNAL'),
  );
});

test('a corrupt journal is an error that keeps a copy, never "nothing pending"', async (t) => {
  const dir = tempDir(t);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'journal.json'), '{"version":2,"entries":[');
  await assert.rejects(fileJournal(host, dir).read(), (e) => isTendError(e, 'TEND_ERR_STATE_CORRUPT'));
});
