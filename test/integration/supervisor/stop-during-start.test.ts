// A stop that lands while an instance is being spawned (a restart timer or a liveness restart racing
// the daemon's stop) finds no process yet: the process spawned after it must not outlive the stop.
// Once, under load, such a survivor kept a test process alive for ten minutes.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRealHost } from '../../../src/host/real-host.js';
import { embeddedLayout } from '../../../src/layout/layout.js';
import { PortLeases } from '../../../src/state/port-leases.js';
import { ProgramRunner } from '../../../src/supervisor/program-runner.js';
import type { SupervisorEvent } from '../../../src/supervisor/index.js';
import { processesMentioning } from '../../helpers/procs.js';
import { tempDir } from '../../helpers/tmp.js';
import { fixture, program, until } from './helpers.js';

test('a stop during an instance spawn ends the process that spawn started', async (t) => {
  const root = tempDir(t, 'tend-stop-start-');
  const host = createRealHost();
  const layout = embeddedLayout(root);
  const events: SupervisorEvent[] = [];
  // The temp root in the command line marks this test's processes.
  const runner = new ProgramRunner(
    {
      host,
      layout,
      leases: new PortLeases({ host, stateDir: layout.stateDir }),
      now: Date.now,
      emit: (e) => events.push(e),
      changed: () => undefined,
    },
    program('racer', { command: [fixture('sleeper.sh'), root], allowRoot: true, startSeconds: 0 }),
  );
  t.after(() => runner.remove({ graceful: false }));
  await runner.converge(runner.resource);
  const inst = runner.instances.get(0);
  assert.ok(inst?.alive, 'instance 0 runs');
  await inst.stop({ graceful: false });

  // start() is at its first await when stop() runs: the stop sees only the exited process.
  const starting = inst.start();
  await inst.stop({ graceful: false });
  await starting;

  await until('no process of the raced start left', () => processesMentioning(root).length === 0, 10_000);
  assert.equal(inst.alive, false);
  assert.equal(inst.status().state, 'stopped');
});
