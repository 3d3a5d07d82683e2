// The probe side of an instance: the Prober started for one process (run in the instance's own
// directory, env and identity), and what a verdict does to the instance (liveness restarts it,
// readiness only gates Ready).
import type { Host } from '../host/index.js';
import { switchOf, type Identity } from './identity.js';
import { Prober } from './probe.js';
import type { RuntimeSpec } from './runtime-spec.js';
import { childEnv } from './spawn-child.js';
import type { Health } from './types.js';

/** A started Prober for this instance's process, or undefined when the Program has no probe. */
export function startProber(
  host: Host,
  spec: RuntimeSpec,
  index: number,
  port: number | undefined,
  identity: Identity,
  onHealth: (health: Health, message: string) => void,
): Prober | undefined {
  const p = spec.probe;
  if (!p) return undefined;
  const where = { cwd: spec.directory, env: childEnv(spec, index, port, identity), who: switchOf(identity) };
  const prober = new Prober(host, p, port, where, onHealth);
  prober.start();
  return prober;
}

/** An unhealthy verdict restarts the instance unless the probe is for readiness only. */
export function restartsOn(spec: RuntimeSpec, health: Health): boolean {
  return health === 'unhealthy' && (spec.probe?.mode ?? 'both') !== 'readiness';
}
