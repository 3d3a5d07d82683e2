// Which resources a dead master takes down: nginx every Site; a php-fpm master its version's Pools
// and the Sites that use them, and nothing of another version.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { affectedBy } from '../../../src/runtime/masters.js';
import type { Resource, ResourceKey } from '../../../src/model/index.js';

const pool = (name: string, php: string) => ({ kind: 'Pool', metadata: { name }, spec: { php } });
const site = (name: string, poolName?: string) => ({
  kind: 'Site',
  metadata: { name },
  spec: poolName ? { php: { pool: poolName } } : {},
});
const loaded = [pool('a', '8.2'), pool('b', '8.3'), site('a', 'a'), site('b', 'b'), site('static')].map(
  (r) => ({
    key: `${r.kind}/${r.metadata.name}` as ResourceKey,
    resource: r as unknown as Resource,
  }),
);

test('nginx takes every Site; php-fpm@8.2 its Pools and their Sites only', () => {
  assert.deepEqual(affectedBy('nginx', loaded), ['Site/a', 'Site/b', 'Site/static']);
  assert.deepEqual(affectedBy('php-fpm@8.2', loaded), ['Pool/a', 'Site/a']);
  assert.deepEqual(affectedBy('php-fpm@8.3', loaded), ['Pool/b', 'Site/b']);
});
