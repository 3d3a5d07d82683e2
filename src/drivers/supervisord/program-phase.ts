// What a supervisord-backend Program's phase is, judged only from supervisord's own process states
// (getAllProcessInfo). Pure: a FATAL, BACKOFF or missing process is never Ready, and a supervisord
// that does not answer is Unknown, not the last thing it said.
import type { Program } from '../../model/index.js';
import type { InstanceInfo } from './observe.js';

export type SupervisordPhase = 'Ready' | 'Progressing' | 'Degraded' | 'Completed' | 'Unknown';

export interface SupervisordVerdict {
  phase: SupervisordPhase;
  /** CamelCase: Running, Starting, Fatal, Backoff, Exited, Stopped, Missing, SupervisordUnreachable. */
  reason: string;
  message: string;
}

const describe = (i: InstanceInfo) =>
  `${i.namespec} ${i.statename}` +
  (i.exitStatus !== undefined ? ` (exit ${i.exitStatus})` : '') +
  (i.spawnError ? `: ${i.spawnError}` : '');

/**
 * `unreachable` is why supervisord could not be asked this pass; `observed` is its answer for this
 * program's group (undefined or empty when supervisord runs no such group).
 */
export function supervisordPhase(
  program: Program,
  observed: readonly InstanceInfo[] | undefined,
  unreachable?: string,
): SupervisordVerdict {
  const want = program.spec.instances;
  if (unreachable !== undefined)
    return {
      phase: 'Unknown',
      reason: 'SupervisordUnreachable',
      message: `cannot observe the program: ${unreachable}`,
    };
  const list = observed ?? [];
  if (list.length === 0)
    return { phase: 'Degraded', reason: 'Missing', message: 'supervisord runs no process for this program' };
  const inState = (...s: InstanceInfo['state'][]) => list.filter((i) => s.includes(i.state));
  const fatal = inState('failed');
  if (fatal.length > 0)
    return { phase: 'Degraded', reason: 'Fatal', message: fatal.map(describe).join('; ') };
  const backoff = inState('backoff');
  if (backoff.length > 0)
    return { phase: 'Degraded', reason: 'Backoff', message: backoff.map(describe).join('; ') };
  const unknown = inState('unknown');
  if (unknown.length > 0)
    return { phase: 'Unknown', reason: 'SupervisordUnknownState', message: unknown.map(describe).join('; ') };
  const running = inState('running');
  if (running.length === want && list.length === want)
    return { phase: 'Ready', reason: 'Running', message: `${want}/${want} instance(s) RUNNING` };
  const exited = inState('exited');
  // restart never / on-failure: an instance that ran to exit 0 is done, not broken.
  if (exited.length === list.length && exited.every((i) => i.exitStatus === 0))
    return { phase: 'Completed', reason: 'Completed', message: `all ${exited.length} instance(s) exited 0` };
  const down = [...exited, ...inState('stopped', 'stopping')];
  if (down.length > 0 && inState('starting').length === 0)
    return {
      phase: 'Degraded',
      reason: down.some((i) => i.state === 'exited') ? 'Exited' : 'Stopped',
      message: down.map(describe).join('; '),
    };
  return {
    phase: 'Progressing',
    reason: 'Starting',
    message: `${running.length}/${want} instance(s) RUNNING; ${list
      .filter((i) => i.state !== 'running')
      .map(describe)
      .join('; ')}`,
  };
}
