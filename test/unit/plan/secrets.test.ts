import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  formatPlanJson,
  formatPlanText,
  maskLines,
  maskSecrets,
  plan,
  sensitivePrefixes,
} from '../../../src/plan/index.js';
import { content, EMPTY_INVENTORY, input, inventoryFrom, observedFrom, rendered } from './fixtures.js';

const SECRET = 'hunter2-Sup3rS3cret';

test('masking replaces values and lines known by prefix', () => {
  const text = `a = 1\nenv[DB_PASS] = "${SECRET}"\n`;
  assert.deepEqual(sensitivePrefixes(text, [SECRET]), ['env[DB_PASS] = "']);
  assert.equal(maskSecrets(text, [SECRET], []), 'a = 1\nenv[DB_PASS] = "(sensitive)"\n');
  assert.equal(
    maskSecrets('env[DB_PASS] = "old"\n', [], ['env[DB_PASS] = "']),
    'env[DB_PASS] = "(sensitive)"\n',
  );
  assert.equal(maskLines('k = old trailing\n', ['k = ']), 'k = (sensitive)\n');
  assert.equal(maskSecrets('abcabc', ['abc', 'abcabc'], []), '(sensitive)', 'longest secret first');
});

test('a created file with a secret: the op keeps the value, diff, text and JSON never show it', () => {
  const pool = rendered('Pool/a', `env[DB_PASS] = "${SECRET}"`, [SECRET]);
  const p = plan(input([pool], observedFrom([]), EMPTY_INVENTORY));
  const op = p.changes[0]!.ops[0]!;
  assert.ok(op.op === 'write');
  assert.ok(op.content.includes(SECRET), 'the executor still writes the real value');
  assert.ok(!op.diff.includes(SECRET));
  assert.match(op.diff, /\(sensitive\)/);
  assert.ok(!formatPlanText(p).includes(SECRET));
  assert.ok(!formatPlanJson(p).includes(SECRET));
});

test('a rotated secret: the old value on the host is masked through its line prefix', () => {
  const OLD = 'old-secret-value-42';
  const before = rendered('Pool/a', `env[DB_PASS] = "${OLD}"`, [OLD]);
  const after = rendered('Pool/a', `env[DB_PASS] = "${SECRET}"`, [SECRET]);
  const p = plan(
    input(
      [after],
      observedFrom([before]),
      inventoryFrom([before], () => 'old'),
    ),
  );
  const text = formatPlanText(p);
  assert.ok(!text.includes(OLD) && !text.includes(SECRET), text);
  assert.ok(!formatPlanJson(p).includes(OLD));
});

test('a secret removed from the spec is masked when the inventory recorded its line prefix', () => {
  const OLD = 'gone-secret-value-7';
  const before = rendered('Pool/a', `env[OLD_TOKEN] = "${OLD}"`, [OLD]);
  const after = rendered('Pool/a', 'no env');
  const inv = inventoryFrom([before], () => 'old');
  inv.resources['Pool/a']!.sensitivePrefixes = sensitivePrefixes(before.files[0]!.content, [OLD]);
  const p = plan(input([after], observedFrom([before]), inv));
  assert.ok(!formatPlanText(p).includes(OLD));
});

test('a deleted file shows no body: its secrets are no longer known', () => {
  const OLD = 'deleted-secret-value-9';
  const gone = rendered('Pool/gone', `env[X] = "${OLD}"`, [OLD]);
  const stays = [rendered('Pool/a'), rendered('Pool/b')];
  const p = plan(input(stays, observedFrom([gone, ...stays]), inventoryFrom([gone, ...stays])));
  const del = p.changes.find((c) => c.action === 'delete')!;
  assert.equal(del.ops[0]!.op, 'remove');
  assert.ok(!formatPlanText(p).includes(OLD));
  assert.ok(!formatPlanJson(p).includes(OLD));
  assert.ok(content('Pool/gone', '').length > 0);
});

const SENSITIVE = '(sensitive)';

test("a host's own spelling of a secret line is masked too: no quotes, other spacing", () => {
  const prefixes = ['env[DB_PASS] = "'];
  const host =
    'env[DB_PASS] = old-secret\nenv[DB_PASS]=old-secret\nenv[DB_PASS]   =  "old-secret"\nenv[OTHER] = x';
  assert.equal(
    maskLines(host, prefixes),
    `env[DB_PASS] = ${SENSITIVE}\nenv[DB_PASS]=${SENSITIVE}\nenv[DB_PASS]   =  "${SENSITIVE}"\nenv[OTHER] = x`,
  );
  // Another key that merely starts the same way is not a match.
  assert.equal(maskLines('env[DB_PASSWORD] = v', prefixes), 'env[DB_PASSWORD] = v');
});
