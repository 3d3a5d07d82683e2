import { test } from 'node:test';
import assert from 'node:assert/strict';
import { opNeedsRestart } from '../../../src/apply/restart-rules.js';
import type { FileOp } from '../../../src/plan/types.js';

const pool = (mode: string, extra = '') =>
  `[shop]\nlisten = /run/php/shop.sock\nlisten.owner = www-data\nlisten.mode = ${mode}\npm = dynamic\n${extra}`;
const write = (before: string | undefined, content: string, service = 'php-fpm@8.2'): FileOp => ({
  op: 'write',
  path: '/p.conf',
  service: service as FileOp['service'],
  mode: 0o644,
  content,
  before,
  diff: '',
  secrets: [],
});

test('a listen mode change on an existing pool needs a restart', () => {
  assert.equal(opNeedsRestart(write(pool('0660'), pool('0666'))), true);
});

test('other pool changes reload', () => {
  assert.equal(opNeedsRestart(write(pool('0660'), pool('0660', 'pm.max_requests = 9\n'))), false);
});

test('a new pool or a non-php file never needs a restart', () => {
  assert.equal(opNeedsRestart(write(undefined, pool('0666'))), false);
  assert.equal(opNeedsRestart(write(pool('0660'), pool('0666'), 'nginx')), false);
});
