import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/index.js';
import { EventLog, readEvents, type TendEvent } from '../../../src/state/events.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();
const lines = (dir: string) => readFileSync(join(dir, 'events.jsonl'), 'utf8').split('\n').filter(Boolean);

test('events are kept to the bound, persisted, and compacted past twice the bound', async (t) => {
  const dir = tempDir(t);
  const log = await EventLog.open(host, dir, { bound: 5 });
  for (let i = 1; i <= 10; i++) {
    log.record({ key: 'Site/shop', type: 'Normal', reason: 'Applied', message: `pass ${i}` });
  }
  await log.flush();
  assert.deepEqual(
    log.recent().map((e) => e.message),
    ['pass 6', 'pass 7', 'pass 8', 'pass 9', 'pass 10'],
  );
  assert.equal(lines(dir).length, 10, 'not compacted at exactly twice the bound');

  log.record({ type: 'Warning', reason: 'ReloadFailed', message: 'pass 11' });
  await log.flush();
  assert.deepEqual(
    lines(dir).map((l) => (JSON.parse(l) as TendEvent).message),
    ['pass 7', 'pass 8', 'pass 9', 'pass 10', 'pass 11'],
  );

  for (let i = 12; i <= 17; i++) log.record({ type: 'Normal', reason: 'Applied', message: `pass ${i}` });
  await log.flush();
  // Compaction happened again at 11 lines (6 appended after the rewrite to 5): never duplicates.
  const messages = lines(dir).map((l) => (JSON.parse(l) as TendEvent).message);
  assert.equal(new Set(messages).size, messages.length);
  assert.ok(messages.length <= 10);
  assert.equal(messages.at(-1), 'pass 17');

  const reopened = await EventLog.open(host, dir, { bound: 5 });
  assert.deepEqual(
    reopened.recent().map((e) => e.message),
    ['pass 13', 'pass 14', 'pass 15', 'pass 16', 'pass 17'],
  );
});

test('recent filters by key and limit, oldest first', async (t) => {
  const dir = tempDir(t);
  const log = await EventLog.open(host, dir);
  log.record({ key: 'Site/a', type: 'Normal', reason: 'Applied', message: 'a1' });
  log.record({ key: 'Site/b', type: 'Normal', reason: 'Applied', message: 'b1' });
  log.record({ key: 'Site/a', type: 'Warning', reason: 'ProbeFailed', message: 'a2' });
  log.record({ type: 'Normal', reason: 'Resync', message: 'global' });
  assert.deepEqual(
    log.recent({ key: 'Site/a' }).map((e) => e.message),
    ['a1', 'a2'],
  );
  assert.deepEqual(
    log.recent({ limit: 2 }).map((e) => e.message),
    ['a2', 'global'],
  );
  assert.deepEqual(log.recent({ limit: 0 }), []);
  assert.equal(log.recent()[3]!.key, undefined);
  await log.flush();
  assert.deepEqual(
    (await readEvents(host, dir)).map((e) => e.message),
    ['a1', 'b1', 'a2', 'global'],
  );
});

test('subscribers see each event live until they unsubscribe; a throwing one harms nobody', async (t) => {
  const dir = tempDir(t);
  const log = await EventLog.open(host, dir);
  const seen: string[] = [];
  log.subscribe(() => {
    throw new Error('broken consumer');
  });
  const off = log.subscribe((e) => seen.push(e.message));
  log.record({ type: 'Normal', reason: 'X', message: 'one' });
  off();
  log.record({ type: 'Normal', reason: 'X', message: 'two' });
  await log.flush();
  assert.deepEqual(seen, ['one']);
  assert.equal(log.recent().length, 2);
});

test('a torn last line (crash mid-append) is skipped and repaired before the next append', async (t) => {
  const dir = tempDir(t);
  const path = join(dir, 'events.jsonl');
  writeFileSync(path, `${JSON.stringify({ time: 't', type: 'Normal', reason: 'A', message: 'whole' })}\n`);
  appendFileSync(path, '{"time":"t","type":"Norm');
  const log = await EventLog.open(host, dir);
  assert.deepEqual(
    log.recent().map((e) => e.message),
    ['whole'],
  );
  log.record({ type: 'Normal', reason: 'B', message: 'next' });
  await log.flush();
  assert.deepEqual(
    lines(dir).map((l) => (JSON.parse(l) as TendEvent).message),
    ['whole', 'next'],
  );
});

test('a persistence failure is reported, not thrown from record', async (t) => {
  const dir = tempDir(t);
  const errors: unknown[] = [];
  const log = await EventLog.open(host, dir, { onError: (e) => errors.push(e) });
  mkdirSync(join(dir, 'events.jsonl'));
  log.record({ type: 'Normal', reason: 'X', message: 'kept in memory' });
  await assert.rejects(log.flush());
  assert.equal(errors.length, 1);
  assert.equal(log.recent().length, 1);
  await log.flush();
});
