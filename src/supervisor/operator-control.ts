// An operator's stop, start or restart of a Program's instances (`tend stop|start|restart`): the
// holds that keep a stopped instance stopped live in controls/; this only acts on the processes.
import type { ProgramRunner } from './program-runner.js';

/**
 * Stops or restarts these instances (all when absent), or starts the ones no longer held (missing
 * slots are created by a converge to the current spec).
 */
export async function operatorControl(
  runner: ProgramRunner,
  op: 'stop' | 'start' | 'restart',
  indexes?: readonly number[],
): Promise<void> {
  const targets = indexes ?? [...Array(runner.spec.instances).keys()];
  if (op === 'start') {
    if (targets.some((i) => !runner.instances.has(i))) await runner.converge(runner.resource);
    for (const i of targets) if (!runner.held(i)) await runner.instances.get(i)?.start();
  } else
    for (const i of targets) {
      const inst = runner.instances.get(i);
      if (!inst) continue;
      if (op === 'stop') await inst.stop();
      else if (inst.alive) await inst.restart('restarted by an operator');
      else if (!runner.held(i)) await inst.start();
    }
  runner.onInstanceChange();
}
