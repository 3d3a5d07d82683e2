import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createRealHost } from '../../../src/host/index.js';
import { OWED_RELOADS_FILE, owedReloads } from '../../../src/state/owed-reloads.js';
import { tempDir } from '../../helpers/tmp.js';

const host = createRealHost();

test('owed reloads keep the first failure time, clear on success, and vanish when none is owed', async (t) => {
  const dir = tempDir(t);
  const owed = owedReloads(host, dir);
  await owed.update(new Map([['nginx', 'bind failed']]), []);
  const first = (await owed.read()).get('nginx')!;
  assert.equal(first.message, 'bind failed');
  await owed.update(
    new Map([
      ['nginx', 'still failing'],
      ['php-fpm@8.2', 'no'],
    ]),
    [],
  );
  const again = await owed.read();
  assert.equal(again.get('nginx')!.since, first.since);
  assert.equal(again.get('nginx')!.message, 'still failing');
  await owed.update(new Map(), ['nginx', 'php-fpm@8.2']);
  assert.equal((await owed.read()).size, 0);
  assert.equal(existsSync(join(dir, OWED_RELOADS_FILE)), false);
});

test('a damaged owed-reloads file reads as nothing owed instead of stopping the pass', async (t) => {
  const dir = tempDir(t);
  writeFileSync(join(dir, OWED_RELOADS_FILE), '{"services": {"nginx": ');
  assert.equal((await owedReloads(host, dir).read()).size, 0);
});
