// computeStatus, the pure core of status: Ready only when applied and proven by a verdict, Unknown
// with a reason when nothing proved it, Degraded when the probe fails or the service owes a reload,
// Failed when the apply failed; and a pass that learns nothing new changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChangeOutcome } from '../../../src/apply/executor.js';
import type { HealthVerdict } from '../../../src/observe/assess.js';
import { appliedStatus, computeStatus, type StatusFacts } from '../../../src/status/compute-status.js';
import { getCondition, newStatus, type ResourceStatus } from '../../../src/state/conditions.js';

const T0 = Date.parse('2026-01-01T00:00:00Z');
const site = (): ResourceStatus => newStatus('Site', 'shop', T0);
const facts = (over: Partial<StatusFacts> = {}): StatusFacts => ({
  kind: 'Site',
  generation: 'g1',
  outputs: { url: 'http://shop.test/' },
  now: T0 + 1000,
  ...over,
});
const ok: HealthVerdict = { ok: true, message: 'GET / answered 200', details: { status: 200 } };
const bad: HealthVerdict = { ok: false, message: 'GET / answered 502', details: { status: 502 } };
const applied: ChangeOutcome = { key: 'Site/shop', action: 'update', status: 'applied' };
const held: ChangeOutcome = {
  key: 'Site/shop',
  action: 'update',
  status: 'held',
  code: 'TEND_ERR_VALIDATION',
  message: 'nginx -t refused the vhost',
};
const cond = (st: ResourceStatus, type: string) => {
  const c = getCondition(st.conditions, type);
  assert.ok(c, `condition ${type} is set`);
  return { status: c.status, reason: c.reason, message: c.message };
};

/** Freezes a status deeply, so a test fails if computeStatus writes into its input. */
function frozen(st: ResourceStatus): ResourceStatus {
  for (const c of st.conditions) Object.freeze(c);
  Object.freeze(st.conditions);
  Object.freeze(st.outputs);
  return Object.freeze(st);
}

test('Ready is True only when the spec is applied and a verdict proves it healthy', () => {
  const st = computeStatus(frozen(site()), applied, ok, facts());
  assert.equal(st.phase, 'Ready');
  assert.deepEqual(cond(st, 'Applied'), {
    status: 'True',
    reason: 'Applied',
    message: 'generation g1 is applied',
  });
  assert.deepEqual(cond(st, 'Healthy'), { status: 'True', reason: 'ProbeSucceeded', message: ok.message });
  assert.deepEqual(cond(st, 'Ready'), { status: 'True', reason: 'Ready', message: ok.message });
  assert.deepEqual(cond(st, 'Stalled'), {
    status: 'False',
    reason: 'SpecValid',
    message: 'the spec is valid',
  });
  assert.equal(st.observedGeneration, 'g1');
  assert.deepEqual(st.health, { status: 200 });
  assert.deepEqual(st.outputs, { url: 'http://shop.test/' });
});

test('without a verdict Ready is Unknown with the reason NotProbed, never True', () => {
  const st = computeStatus(frozen(site()), undefined, undefined, facts());
  assert.equal(getCondition(st.conditions, 'Healthy'), undefined);
  assert.deepEqual(cond(st, 'Ready'), {
    status: 'Unknown',
    reason: 'NotProbed',
    message: 'no health probe for this kind in a one-shot pass',
  });
  assert.equal(st.phase, 'Pending');
  assert.equal(cond(st, 'Applied').reason, 'UpToDate');
});

test('a failing probe makes the resource Degraded: Healthy and Ready False with the probe message', () => {
  const st = computeStatus(frozen(site()), applied, bad, facts());
  assert.deepEqual(cond(st, 'Healthy'), { status: 'False', reason: 'ProbeFailed', message: bad.message });
  assert.deepEqual(cond(st, 'Ready'), { status: 'False', reason: 'ProbeFailed', message: bad.message });
  assert.equal(st.phase, 'Degraded');
});

test('a failed apply is Failed with lastError, even when the old version still answers', () => {
  const st = computeStatus(frozen(site()), held, ok, facts());
  assert.equal(st.phase, 'Failed');
  assert.deepEqual(cond(st, 'Applied'), {
    status: 'False',
    reason: 'ValidationFailed',
    message: 'nginx -t refused the vhost',
  });
  assert.deepEqual(cond(st, 'Ready'), {
    status: 'False',
    reason: 'ApplyFailed',
    message: 'the new spec was not applied; the previous version keeps serving: nginx -t refused the vhost',
  });
  assert.deepEqual(st.lastError, {
    code: 'TEND_ERR_VALIDATION',
    message: 'nginx -t refused the vhost',
    at: new Date(T0 + 1000).toISOString(),
  });
  assert.equal(st.observedGeneration, undefined, 'the refused generation is not observed');
  // The next successful pass clears the error.
  const healed = computeStatus(st, applied, ok, facts({ now: T0 + 2000 }));
  assert.equal(healed.lastError, undefined);
  assert.equal(healed.phase, 'Ready');
});

test('a service that owes a reload overrides a passing probe: Healthy False, reason ServiceDegraded', () => {
  const degraded = 'nginx is degraded: reload failed; what it serves may not be this spec';
  const st = computeStatus(frozen(site()), applied, ok, facts({ degraded }));
  assert.deepEqual(cond(st, 'Healthy'), { status: 'False', reason: 'ServiceDegraded', message: degraded });
  assert.equal(cond(st, 'Ready').status, 'False');
  assert.equal(st.phase, 'Degraded');
  assert.deepEqual(st.health, { status: 200 }, 'the probe details are kept');
  // With no verdict at all it is still not Ready, and not Unknown: tend knows the service is behind.
  const unprobed = computeStatus(frozen(site()), applied, undefined, facts({ degraded }));
  assert.equal(cond(unprobed, 'Ready').status, 'False');
});

test('Pools get Saturated from the verdict; Unknown with a reason when no status page was read', () => {
  const pool = newStatus('Pool', 'p', T0);
  const queued: HealthVerdict = {
    ok: false,
    message: 'saturated: 9 connections queued',
    details: { saturated: true },
  };
  const st = computeStatus(pool, applied, queued, facts({ kind: 'Pool' }));
  assert.deepEqual(cond(st, 'Saturated'), {
    status: 'True',
    reason: 'VisitorsQueued',
    message: 'saturated: 9 connections queued',
  });
  assert.equal(st.phase, 'Degraded');
  const blind = computeStatus(
    pool,
    applied,
    { ok: true, message: 'pong', details: {} },
    facts({ kind: 'Pool' }),
  );
  assert.equal(cond(blind, 'Saturated').status, 'Unknown');
  assert.equal(cond(blind, 'Saturated').reason, 'NoStatusPage');
  // Sites never carry the condition.
  assert.equal(getCondition(computeStatus(site(), applied, ok, facts()).conditions, 'Saturated'), undefined);
});

test('a pass that learns nothing new changes nothing, not even updatedAt or transition times', () => {
  const unchanged = { ...applied, status: 'unchanged' as const };
  const first = computeStatus(site(), unchanged, ok, facts({ revision: 'abc' }));
  const again = computeStatus(frozen(first), unchanged, ok, facts({ revision: 'abc', now: T0 + 60_000 }));
  assert.deepEqual(again, first);
  // A new fact moves updatedAt, but a condition's transition time only when its status flips.
  const failing = computeStatus(first, unchanged, bad, facts({ revision: 'abc', now: T0 + 90_000 }));
  assert.equal(failing.updatedAt, new Date(T0 + 90_000).toISOString());
  assert.equal(
    getCondition(failing.conditions, 'Applied')!.lastTransitionTime,
    getCondition(first.conditions, 'Applied')!.lastTransitionTime,
  );
  assert.equal(getCondition(failing.conditions, 'Healthy')!.lastTransitionTime, failing.updatedAt);
});

test('the revision moves on an apply, and an unchanged pass only fills it in when missing', () => {
  const st = computeStatus(site(), applied, ok, facts({ revision: 'r1' }));
  assert.equal(st.lastAppliedRevision, 'r1');
  const unchanged = { ...applied, status: 'unchanged' as const };
  assert.equal(computeStatus(st, unchanged, ok, facts({ revision: 'r2' })).lastAppliedRevision, 'r1');
  assert.equal(computeStatus(st, applied, ok, facts({ revision: 'r2' })).lastAppliedRevision, 'r2');
  assert.equal(computeStatus(site(), unchanged, ok, facts({ revision: 'r2' })).lastAppliedRevision, 'r2');
});

test("runners' outputs survive for Programs and Terminals; a Site's outputs are the rendered ones", () => {
  const program = { ...newStatus('Program', 'w', T0), outputs: { pid: 42 } };
  const st = appliedStatus(program, undefined, facts({ kind: 'Program', outputs: { unit: 'w' } }));
  assert.deepEqual(st.outputs, { pid: 42, unit: 'w' });
  const oldSite = { ...site(), outputs: { stale: 'x' } };
  assert.deepEqual(appliedStatus(oldSite, undefined, facts()).outputs, { url: 'http://shop.test/' });
});

test('a change held because another process owns its socket or port says so: SocketConflict, PortConflict', () => {
  for (const [code, reason] of [
    ['TEND_ERR_SOCKET_IN_USE', 'SocketConflict'],
    ['TEND_ERR_PORT_IN_USE', 'PortConflict'],
  ] as const) {
    const conflict: ChangeOutcome = { ...held, code, message: 'already listened on by pid 60 (python3)' };
    const st = computeStatus(frozen(site()), conflict, undefined, facts());
    assert.equal(st.phase, 'Failed');
    assert.equal(cond(st, 'Applied').reason, reason);
    assert.equal(cond(st, 'Ready').reason, reason);
    assert.equal(st.lastError?.code, code);
  }
  // Any other hold keeps the validator's reasons.
  const st = computeStatus(frozen(site()), held, undefined, facts());
  assert.equal(cond(st, 'Applied').reason, 'ValidationFailed');
  assert.equal(cond(st, 'Ready').reason, 'ApplyFailed');
});
