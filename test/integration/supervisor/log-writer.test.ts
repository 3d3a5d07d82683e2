// LogWriter: framing across writes, splitting with a mark (never inside a UTF-8 sequence), rotation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LogWriter, SPLIT_MARK, safeCut } from '../../../src/supervisor/log-writer.js';
import { tempDir } from '../../helpers/tmp.js';

test('a partial line is carried over and written whole', (t) => {
  const file = join(tempDir(t), 'a.log');
  const w = new LogWriter(file, { maxBytes: 1 << 20, keep: 2, maxLineLength: 100 });
  w.write(Buffer.from('abc'));
  assert.equal(existsSync(file) ? readFileSync(file, 'utf8') : '', '');
  w.write(Buffer.from('def\nghi'));
  assert.equal(readFileSync(file, 'utf8'), 'abcdef\n');
  w.end();
  assert.equal(readFileSync(file, 'utf8'), 'abcdef\nghi\n');
});

test('long lines are split at maxLineLength and marked', (t) => {
  const file = join(tempDir(t), 'b.log');
  const w = new LogWriter(file, { maxBytes: 1 << 20, keep: 2, maxLineLength: 80 });
  w.write(Buffer.from('y'.repeat(100)));
  w.write(Buffer.from('y'.repeat(100) + '\nshort\n'));
  w.end();
  const lines = readFileSync(file, 'utf8').split('\n');
  assert.deepEqual(lines, [
    'y'.repeat(80) + SPLIT_MARK,
    'y'.repeat(80) + SPLIT_MARK,
    'y'.repeat(40),
    'short',
    '',
  ]);
});

test('a cut never falls inside a UTF-8 sequence', () => {
  const buf = Buffer.from('aé'); // 61 c3 a9
  assert.equal(safeCut(buf, 2), 1);
  assert.equal(safeCut(buf, 3), 3);
  assert.equal(safeCut(Buffer.from('abc'), 2), 2);
});

test('rotation keeps `keep` files and drops the oldest', (t) => {
  const file = join(tempDir(t), 'c.log');
  const w = new LogWriter(file, { maxBytes: 100, keep: 2, maxLineLength: 1000 });
  for (let i = 0; i < 10; i++) w.write(Buffer.from(`${String(i).repeat(40)}\n`));
  w.end();
  assert.ok(readFileSync(file).length <= 100);
  assert.ok(existsSync(`${file}.1`) && existsSync(`${file}.2`));
  assert.ok(!existsSync(`${file}.3`));
  assert.match(readFileSync(file, 'utf8'), /^8{40}\n9{40}\n$/);
  assert.match(readFileSync(`${file}.1`, 'utf8'), /^6{40}\n7{40}\n$/);
});

test('keep: 0 truncates instead of keeping history', (t) => {
  const file = join(tempDir(t), 'd.log');
  const w = new LogWriter(file, { maxBytes: 50, keep: 0, maxLineLength: 1000 });
  for (let i = 0; i < 4; i++) w.write(Buffer.from(`${String(i).repeat(30)}\n`));
  w.end();
  assert.equal(readFileSync(file, 'utf8'), `${'3'.repeat(30)}\n`);
  assert.ok(!existsSync(`${file}.1`));
});
