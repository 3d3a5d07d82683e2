// The probe policy: what a pass probes again, and what keeps its last observation.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { needsProbe, lastVerdict, PROBE_MAX_AGE_MS } from '../../../src/observe/probe-policy.js';
import { SCHEMAS, type Resource } from '../../../src/model/index.js';
import { newStatus, setCondition, type ResourceStatus } from '../../../src/state/conditions.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const parse = (kind: 'Site' | 'Pool', name: string, spec: unknown) =>
  SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec }) as Resource;
const pool = parse('Pool', 'shop', { php: '8.2' });
const phpSite = parse('Site', 'shop', {
  domains: ['shop.test'],
  preset: 'php',
  root: '/srv/shop',
  php: { pool: 'shop' },
});
const staticSite = parse('Site', 'docs', { domains: ['docs.test'], preset: 'static', root: '/srv/docs' });

function healthy(r: Resource, probedAgoMs: number): ResourceStatus {
  const st = setCondition(
    newStatus(r.kind, r.metadata.name, NOW - probedAgoMs),
    { type: 'Healthy', status: 'True', reason: 'ProbeSucceeded', message: 'ping: pong' },
    NOW - probedAgoMs,
  );
  return { ...st, health: { probedAt: new Date(NOW - probedAgoMs).toISOString() } };
}

const none = { touched: new Set<never>(), now: NOW };
const unchanged = { key: 'x', action: 'noop', status: 'unchanged' } as never;

test('a fresh healthy observation of an untouched resource stands', () => {
  for (const r of [pool, phpSite, staticSite])
    assert.equal(needsProbe(r, healthy(r, 1_000), unchanged, none), false);
  assert.deepEqual(lastVerdict(healthy(pool, 1_000)), {
    ok: true,
    message: 'ping: pong',
    details: { probedAt: new Date(NOW - 1_000).toISOString() },
  });
});

test('changed, unhealthy, never probed or stale resources are probed', () => {
  const applied = { key: 'Pool/shop', action: 'update', status: 'applied' } as never;
  assert.equal(needsProbe(pool, healthy(pool, 1_000), applied, none), true, 'changed by this pass');
  assert.equal(needsProbe(pool, newStatus('Pool', 'shop', NOW), undefined, none), true, 'never probed');
  const failing = setCondition(
    healthy(pool, 1_000),
    { type: 'Healthy', status: 'False', reason: 'ProbeFailed', message: 'x' },
    NOW,
  );
  assert.equal(needsProbe(pool, failing, unchanged, none), true, 'not healthy');
  assert.equal(needsProbe(pool, healthy(pool, PROBE_MAX_AGE_MS * 1.2 + 1), unchanged, none), true, 'stale');
  assert.equal(needsProbe(pool, healthy(pool, PROBE_MAX_AGE_MS * 0.8 - 1), unchanged, none), false, 'young');
});

test('a reload or start of a service re-probes what it serves', () => {
  const nginx = { touched: new Set(['nginx' as const]), now: NOW };
  const php = { touched: new Set(['php-fpm@8.2' as const]), now: NOW };
  assert.equal(needsProbe(staticSite, healthy(staticSite, 1_000), unchanged, nginx), true);
  assert.equal(needsProbe(pool, healthy(pool, 1_000), unchanged, nginx), false, 'nginx does not serve pools');
  assert.equal(needsProbe(pool, healthy(pool, 1_000), unchanged, php), true);
  assert.equal(
    needsProbe(phpSite, healthy(phpSite, 1_000), unchanged, php),
    true,
    'a PHP site answers through php-fpm',
  );
  assert.equal(needsProbe(staticSite, healthy(staticSite, 1_000), unchanged, php), false);
});
