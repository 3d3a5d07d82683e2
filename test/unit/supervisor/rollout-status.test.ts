// A Program mid-rollout reads Progressing with its progress, even while every instance (old and
// new) is ready; the status the controller writes says so in Reconciling and health.rollout.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { programStatus } from '../../../src/runtime/program-status.js';
import { phaseOf } from '../../../src/drivers/programs-native.js';
import { newStatus } from '../../../src/state/conditions.js';
import type { InstanceStatus, ProgramStatus } from '../../../src/supervisor/types.js';

const instance = (index: number, generation: string): InstanceStatus => ({
  index,
  pid: 100 + index,
  state: 'running',
  restarts: 0,
  lastExit: undefined,
  uptimeMs: 1000,
  ready: true,
  health: 'unknown',
  port: undefined,
  generation,
  adopted: false,
  logFile: '/dev/null',
  crashLoop: undefined,
  message: undefined,
});

const rolling: ProgramStatus = {
  name: 'w',
  key: 'Program/w',
  generation: 'g2',
  desiredInstances: 3,
  ready: false,
  waitingFor: [],
  instances: [instance(0, 'i2'), instance(1, 'i1'), instance(2, 'i1')],
  error: undefined,
  rollout: { generation: 'g2', updated: 1, desired: 3, startedAt: '2026-12-06T00:00:00.000Z' },
};

test('a rollout in progress is Progressing with updated/desired, then Ready once it ends', () => {
  assert.deepEqual(phaseOf(rolling), {
    phase: 'Progressing',
    message: 'rolling out generation g2: 1/3 instance(s) updated',
  });
  const { rollout: _, ...done } = rolling;
  const finished = {
    ...done,
    ready: true,
    instances: rolling.instances.map((i) => ({ ...i, generation: 'i2' })),
  };
  assert.equal(phaseOf(finished).phase, 'Ready');
});

test('the written status carries the rollout in Reconciling and health', () => {
  const st = programStatus(newStatus('Program', 'w', 0), rolling, 0);
  assert.equal(st.phase, 'Progressing');
  const reconciling = st.conditions.find((c) => c.type === 'Reconciling');
  assert.equal(reconciling?.status, 'True');
  assert.match(reconciling?.message ?? '', /rolling out generation g2: 1\/3/);
  assert.deepEqual((st.health as { rollout?: unknown }).rollout, rolling.rollout);
});
