// A Job's status is built from its driver's observation alone: these feed jobStatus the
// observations a failed run, an OOM-killed run, a scheduled Job, a run in flight and no runner produce.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { JobFacts, ObservedJob } from '../../../src/drivers/jobs-native.js';
import type { RunRecord } from '../../../src/jobs/history.js';
import type { JobView } from '../../../src/jobs/status.js';
import { newStatus, setCondition, type ResourceStatus } from '../../../src/state/conditions.js';
import { jobStatus } from '../../../src/runtime/job-status.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');

function applied(): ResourceStatus {
  return setCondition(
    newStatus('Job', 'backup', NOW - 1000),
    { type: 'Applied', status: 'True', reason: 'Applied', message: 'generation g1 is applied' },
    NOW - 1000,
  );
}

function run(id: string, outcome: RunRecord['outcome'], extra: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    job: 'backup',
    trigger: 'schedule',
    attempt: 1,
    startedAt: NOW - 60_000,
    endedAt: NOW - 50_000,
    durationMs: 10_000,
    exitCode: outcome === 'succeeded' ? 0 : 3,
    signal: null,
    outcome,
    message: outcome === 'succeeded' ? 'exited 0' : 'exited 3',
    generation: 'g1',
    log: '/var/log/tend/jobs/backup.log',
    ...extra,
  } as RunRecord;
}

function seen(view: Partial<JobView>, facts: Partial<JobFacts> = {}): ObservedJob {
  const full: JobView = { phase: 'Scheduled', running: 0, recent: [], ...view };
  return {
    key: 'Job/backup',
    phase: full.phase,
    message: '',
    instances: [],
    job: { view: full, limits: undefined, tree: { noCgroups: undefined, untracked: [] }, ...facts },
  };
}

const cond = (st: ResourceStatus, type: string) => st.conditions.find((c) => c.type === type);

test('a Job whose last run failed is not Ready, with the run and its log tail', () => {
  const failed = run('r2', 'failed');
  const st = jobStatus(
    applied(),
    seen({ phase: 'Failed', lastRun: failed, recent: [failed], lastFailedLogTail: 'disk full\n' }),
    NOW,
  );
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.reason, 'RunFailed');
  assert.equal(cond(st, 'Ready')?.message, 'last run r2 failed: exited 3');
  assert.equal(cond(st, 'Healthy')?.status, 'False');
  assert.equal(st.phase, 'Failed');
  const health = st.health as { lastRun: { id: string; exitCode: number }; lastFailedLogTail: string };
  assert.equal(health.lastRun.id, 'r2');
  assert.equal(health.lastRun.exitCode, 3);
  assert.equal(health.lastFailedLogTail, 'disk full\n');
});

test('a run the kernel OOM-killed names that reason', () => {
  const oom = run('r3', 'failed', { reason: 'OOMKilled', signal: 'SIGKILL', exitCode: null });
  const st = jobStatus(applied(), seen({ phase: 'Failed', lastRun: oom, recent: [oom] }), NOW);
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.reason, 'OOMKilled');
});

test('a scheduled Job whose runs succeed is Ready, with its next run and phase', () => {
  const ok = run('r1', 'succeeded');
  const st = jobStatus(
    applied(),
    seen({
      phase: 'Scheduled',
      lastRun: ok,
      lastSuccessfulRun: ok,
      recent: [ok],
      nextRun: '2026-12-06T13:00:00.000Z',
    }),
    NOW,
  );
  assert.equal(cond(st, 'Ready')?.status, 'True');
  assert.equal(cond(st, 'Ready')?.reason, 'Scheduled');
  assert.equal(st.phase, 'Scheduled');
  assert.equal(st.outputs.nextRun, '2026-12-06T13:00:00.000Z');
});

test('a run in flight gives its pid; a trigger token its file; old outputs do not linger', () => {
  const before = { ...applied(), outputs: { pid: 999, nextRun: 'stale', triggerTokenFile: '/old' } };
  const st = jobStatus(
    before,
    seen(
      { phase: 'Running', running: 1, pid: 4242 },
      { triggerTokenFile: '/var/lib/tend/job-tokens/backup.token' },
    ),
    NOW,
  );
  assert.equal(st.phase, 'Running');
  assert.deepEqual(st.outputs, { pid: 4242, triggerTokenFile: '/var/lib/tend/job-tokens/backup.token' });
});

test('a Job whose spec failed to apply keeps Ready False even when its runs are fine', () => {
  const notApplied = setCondition(
    applied(),
    { type: 'Applied', status: 'False', reason: 'ApplyFailed', message: 'boom' },
    NOW,
  );
  const st = jobStatus(notApplied, seen({ phase: 'Scheduled' }), NOW);
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.notEqual(st.phase, 'Scheduled', 'the Job phase is only shown once its spec is applied');
});

test('a Job the runner does not hold (not observed) is not Ready, never Ready by default', () => {
  const st = jobStatus(applied(), undefined, NOW);
  assert.equal(cond(st, 'Ready')?.status, 'False');
  assert.equal(cond(st, 'Ready')?.reason, 'NotObserved');
  assert.equal(cond(st, 'Healthy')?.status, 'Unknown');
  assert.notEqual(st.phase, 'Ready');
});

test('a run outside a cgroup shows in TreeContained', () => {
  const st = jobStatus(
    applied(),
    seen(
      { phase: 'Running', running: 1, pid: 7 },
      { tree: { noCgroups: undefined, untracked: ['run r9: no cgroup'] } },
    ),
    NOW,
  );
  assert.equal(cond(st, 'TreeContained')?.status, 'False');
});
