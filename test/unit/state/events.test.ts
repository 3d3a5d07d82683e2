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

test('identical repeats fold into one event with a count; history around them stays', async (t) => {
  const dir = tempDir(t);
  let now = Date.parse('2026-01-01T00:00:00Z');
  const clockHost = { ...host, now: () => now };
  const log = await EventLog.open(clockHost, dir, { bound: 10 });
  log.record({ key: 'Site/a', type: 'Normal', reason: 'Applied', message: 'applied v1' });
  for (let i = 0; i < 413; i++) {
    now += 85;
    log.record({ type: 'Warning', reason: 'PassFailed', message: 'TEND_ERR_SOURCE_UNREADABLE: ds is gone' });
  }
  await log.flush();
  const recent = log.recent();
  assert.equal(recent.length, 2, 'one event for 413 identical failures');
  assert.equal(recent[0]!.message, 'applied v1', 'earlier history is not pushed out');
  const folded = recent[1]!;
  assert.equal(folded.count, 413);
  assert.equal(folded.firstTime, '2026-01-01T00:00:00.085Z');
  assert.equal(folded.time, new Date(now).toISOString());

  // A different message, or the same after another event of that reason, starts a new entry.
  log.record({ type: 'Normal', reason: 'PassFailed', message: 'TEND_ERR_SOURCE_UNREADABLE: ds is gone' });
  log.record({ type: 'Warning', reason: 'PassFailed', message: 'TEND_ERR_STATE_CORRUPT: journal' });
  log.record({ type: 'Warning', reason: 'PassFailed', message: 'TEND_ERR_SOURCE_UNREADABLE: ds is gone' });
  // Another key's event in between does not stop a key's repeat from folding.
  log.record({ key: 'Site/a', type: 'Warning', reason: 'ProbeFailed', message: '502' });
  log.record({ key: 'Site/b', type: 'Warning', reason: 'ProbeFailed', message: '502' });
  log.record({ key: 'Site/a', type: 'Warning', reason: 'ProbeFailed', message: '502' });
  // Past the window, a repeat is news again.
  now += 11 * 60_000;
  log.record({ key: 'Site/a', type: 'Warning', reason: 'ProbeFailed', message: '502' });
  await log.flush();
  const summary = (e: TendEvent) => `${e.key ?? '-'} ${e.type} ${e.message} ×${e.count ?? 1}`;
  const expected = [
    '- Normal applied v1 ×1',
    '- Warning TEND_ERR_SOURCE_UNREADABLE: ds is gone ×413',
    '- Normal TEND_ERR_SOURCE_UNREADABLE: ds is gone ×1',
    '- Warning TEND_ERR_STATE_CORRUPT: journal ×1',
    '- Warning TEND_ERR_SOURCE_UNREADABLE: ds is gone ×1',
    'Site/b Warning 502 ×1',
    'Site/a Warning 502 ×2',
    'Site/a Warning 502 ×1',
  ].map((s) => s.replace('- Normal applied', 'Site/a Normal applied'));
  assert.deepEqual(log.recent().map(summary), expected);

  // The file appends each fold; reading it back folds the same way, and compaction keeps it bounded.
  assert.deepEqual((await readEvents(clockHost, dir)).map(summary), expected);
  assert.ok(lines(dir).length <= 2 * 10 + 1);
  const reopened = await EventLog.open(clockHost, dir, { bound: 10 });
  assert.deepEqual(reopened.recent().map(summary), expected);
  now += 1000;
  reopened.record({ key: 'Site/a', type: 'Warning', reason: 'ProbeFailed', message: '502' });
  assert.equal(reopened.recent().at(-1)!.count, 2, 'folding continues after a restart');
});
