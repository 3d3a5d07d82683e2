// Log reading: timestamps of nginx, php-fpm and ISO lines; a tail reads the last lines only (and a
// pool's lines only from a shared master log); a follower sees appended lines and a rotated file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { followSources, lineTime, tailSource, type LogLine } from '../../../src/logs/read.js';

test('lineTime reads nginx access and error, php-fpm and ISO timestamps', () => {
  assert.equal(
    lineTime('127.0.0.1 - - [06/Dec/2026:05:30:00 +0100] "GET / HTTP/1.1" 200'),
    Date.parse('2026-12-06T04:30:00Z'),
  );
  assert.equal(lineTime('2026/12/06 05:30:00 [error] 12#12: boom'), Date.parse('2026-12-06T05:30:00Z'));
  assert.equal(
    lineTime('[06-Dec-2026 05:30:00] WARNING: [pool shop] child 3 exited'),
    Date.parse('2026-12-06T05:30:00Z'),
  );
  assert.equal(lineTime('2026-12-06T05:30:00.5Z started'), Date.parse('2026-12-06T05:30:00.5Z'));
  assert.equal(lineTime('plain output'), undefined);
});

test('tailSource: the last N lines of a big file, only the matching ones of a shared log', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tend-logs-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const big = join(dir, 'big.log');
  writeFileSync(big, Array.from({ length: 50_000 }, (_, i) => `line ${i}`).join('\n') + '\n');
  const last = tailSource({ path: big, instance: '0', stream: 'output' }, 3);
  assert.deepEqual(
    last.map((l) => l.line),
    ['line 49997', 'line 49998', 'line 49999'],
  );
  const shared = join(dir, 'fpm.log');
  writeFileSync(shared, '[pool a] one\n[pool b] two\n[pool a] three\n[pool b] four\n');
  const mine = tailSource({ path: shared, instance: '-', stream: 'error', match: '[pool a]' }, 10);
  assert.deepEqual(
    mine.map((l) => l.line),
    ['[pool a] one', '[pool a] three'],
  );
  assert.deepEqual(tailSource({ path: join(dir, 'missing'), instance: '-', stream: 'x' }, 5), []);
});

test('followSources: appended lines arrive; a rotated file is read from its start', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tend-follow-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'app.log');
  writeFileSync(path, 'old\n');
  const seen: LogLine[] = [];
  const stop = followSources([{ path, instance: '1', stream: 'output' }], (l) => seen.push(l), 50);
  t.after(stop);
  appendFileSync(path, 'new 1\npart');
  const until = async (n: number) => {
    for (let i = 0; i < 200 && seen.length < n; i++) await new Promise((r) => setTimeout(r, 25));
  };
  await until(1);
  appendFileSync(path, 'ial\n');
  await until(2);
  renameSync(path, `${path}.1`);
  writeFileSync(path, 'after rotation\n');
  await until(3);
  assert.deepEqual(
    seen.map((l) => l.line),
    ['new 1', 'partial', 'after rotation'],
  );
  assert.ok(seen.every((l) => l.instance === '1' && l.stream === 'output'));
});
