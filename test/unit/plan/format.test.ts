import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPlanJson, formatPlanText, plan, planToJson } from '../../../src/plan/index.js';
import { content, EMPTY_INVENTORY, input, inventoryFrom, observedFrom, rendered } from './fixtures.js';

test('text: Terraform-like symbols, indented diffs and the count line', () => {
  const old = [rendered('Site/old'), rendered('Pool/p', 'a'), rendered('Site/k1'), rendered('Site/k2')];
  const desired = [rendered('Pool/p', 'b'), rendered('Site/shop'), rendered('Site/k1'), rendered('Site/k2')];
  const foreign = { path: '/r/site/taken.conf', content: 'x\n' };
  const p = plan(
    input(
      [...desired, rendered('Site/taken')],
      observedFrom(old, [foreign]),
      inventoryFrom(old, (k) => (k === 'Pool/p' ? 'old' : 'g1')),
    ),
  );
  const text = formatPlanText(p, { desiredDir: './desired-state' });
  const lines = text.split('\n');
  assert.ok(lines.includes('  ~ Pool/p will be updated (spec changed)'), text);
  assert.ok(lines.includes('  + Site/shop will be created'), text);
  assert.ok(lines.includes('  - Site/old will be deleted (removed from the desired state)'), text);
  assert.ok(
    lines.some((l) => l.startsWith('  ! Site/taken is blocked: /r/site/taken.conf already exists')),
    text,
  );
  assert.ok(lines.includes('      -a') && lines.includes('      +b'), text);
  assert.ok(lines.includes('      +++ /r/site/shop.conf'), text);
  assert.equal(lines.at(-2), 'Plan: 1 to create, 1 to update, 1 to delete, 2 unchanged, 1 blocked.');
  assert.ok(!text.includes('Desired state:'), 'no header without a revision');
  assert.ok(!text.includes('\x1b['), 'no colour unless asked');
  assert.ok(formatPlanText(p, { color: true }).includes('\x1b[32m+\x1b[0m'));
});

test('text: in sync, header with revision, and held deletions', () => {
  const rs = [rendered('Site/a')];
  const sha = 'a'.repeat(40);
  const p = plan(input(rs, observedFrom(rs), inventoryFrom(rs), { revision: sha }));
  assert.equal(
    formatPlanText(p, { desiredDir: 'ds' }),
    `Desired state: ds @ ${'a'.repeat(12)}\n\nNo changes. The host matches the desired state.\n`,
  );
  const held = plan(input([], observedFrom(rs), inventoryFrom(rs)));
  const text = formatPlanText(held);
  assert.match(text, /^Deletions held: refusing to delete every resource tend manages \(1\)/m);
  assert.match(text, /^ {4}Site\/a$/m);
  assert.match(text, /^Plan: 0 to create, 0 to update, 0 to delete, 0 unchanged\.$/m);
});

test('JSON: stable shape, actions arrays, diffs but never contents', () => {
  const a = rendered('Site/a', 'SECRET-CONTENT-LINE');
  const p = plan(input([a], observedFrom([]), EMPTY_INVENTORY, { revision: 'r1' }));
  const json = JSON.parse(formatPlanJson(p));
  assert.deepEqual(Object.keys(json), [
    'formatVersion',
    'revision',
    'summary',
    'pruneHeld',
    'changes',
    'warnings',
  ]);
  assert.equal(json.formatVersion, 1);
  assert.equal(json.revision, 'r1');
  assert.equal(json.pruneHeld, null);
  const c = json.changes[0];
  assert.deepEqual(Object.keys(c), [
    'key',
    'kind',
    'name',
    'actions',
    'reason',
    'generation',
    'blocked',
    'services',
    'files',
    'runtime',
  ]);
  assert.equal(c.runtime, null, 'a Site has no runtime part');
  assert.deepEqual(c.actions, ['create']);
  assert.equal(c.blocked, null);
  assert.deepEqual(Object.keys(c.files[0]), ['path', 'op', 'diff', 'target', 'adoption']);
  assert.ok(!('content' in c.files[0]) && !('before' in c.files[0]));
  assert.match(
    c.files[0].diff,
    /\+SECRET-CONTENT-LINE/,
    'the diff is shown (masking applies to secrets only)',
  );
  assert.deepEqual(planToJson(p).summary, { create: 1, update: 0, delete: 0, noop: 0, blocked: 0 });
  assert.ok(content('Site/a', '').startsWith('# managed by tend: Site/a'));
});
