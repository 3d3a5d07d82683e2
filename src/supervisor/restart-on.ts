// `restartOn: revision`: a queue worker runs code that a deploy replaces under it (Laravel's
// queue:restart problem). The desired state's revision is given to such a Program as TEND_REVISION,
// so a new revision is a new instance generation and the supervisor rolls the instances the way it
// rolls any spec change: one at a time, each stopped gracefully and ready again before the next.
import type { Program } from '../model/index.js';

export function withRevision(programs: readonly Program[], revision: string | undefined): Program[] {
  if (revision === undefined) return [...programs];
  return programs.map((p) =>
    p.spec.restartOn === 'revision'
      ? { ...p, spec: { ...p.spec, env: { ...p.spec.env, TEND_REVISION: revision } } }
      : p,
  );
}
