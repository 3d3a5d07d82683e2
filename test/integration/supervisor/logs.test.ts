// Logs: a line written in two parts lands whole; a 100 kB line is split at maxLineLength and marked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { SPLIT_MARK } from '../../../src/supervisor/index.js';
import { fixture, program, rig, until } from './helpers.js';

test('partial writes are framed into whole lines and long lines are split', async (t) => {
  const { sup } = rig(t);
  await sup.apply([
    program('chatty', { command: [fixture('partial.sh')], allowRoot: true, logs: { maxLineLength: 4096 } }),
  ]);
  const file = await until('log file', () => sup.statusOf('chatty')?.instances[0]?.logFile);
  const lines = await until('done line', () => {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    const ls = text.split('\n');
    return ls.includes('done') ? ls : undefined;
  });
  assert.ok(lines.includes('abcdef'), `"abcdef" whole in ${JSON.stringify(lines.slice(0, 2))}`);
  const pieces = lines.filter((l) => l.startsWith('x'));
  assert.equal(pieces.length, Math.ceil(100_000 / 4096));
  for (const p of pieces.slice(0, -1)) {
    assert.ok(p.endsWith(SPLIT_MARK));
    assert.equal(p.length, 4096 + SPLIT_MARK.length);
  }
  const joined = pieces.map((p) => (p.endsWith(SPLIT_MARK) ? p.slice(0, -SPLIT_MARK.length) : p)).join('');
  assert.equal(joined, 'x'.repeat(100_000));
});
