import { test } from 'node:test';
import assert from 'node:assert/strict';
import { durationMs, sizeBytes } from '../../../src/model/index.js';

test('durations parse to milliseconds and reject junk', () => {
  assert.equal(durationMs('500ms'), 500);
  assert.equal(durationMs('30s'), 30_000);
  assert.equal(durationMs('5m'), 300_000);
  assert.equal(durationMs('2h'), 7_200_000);
  assert.ok(Number.isNaN(durationMs('5 m')));
  assert.ok(Number.isNaN(durationMs('-1s')));
});

test('sizes parse nginx units', () => {
  assert.equal(sizeBytes('10m'), 10 * 1024 * 1024);
  assert.equal(sizeBytes('512k'), 512 * 1024);
  assert.equal(sizeBytes('0'), 0);
  assert.ok(Number.isNaN(sizeBytes('10mb')));
});
