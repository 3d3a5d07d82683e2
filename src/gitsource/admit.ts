// What a revision must pass before the git source switches to it: its commit's signature (with
// --git-verify, before any of its files are written), a complete checkout, and validation of the
// whole desired state (or, with --partial-apply, of what validates). Nothing here moves `current`.
import { join } from 'node:path';
import { formatLoadError } from '../source/describe.js';
import type { LoadResult } from '../source/types.js';
import type { GitRepo } from './repo.js';
import type { CommitVerifier } from './verify.js';

export type Admission = { ok: true } | { ok: false; reason: string; message: string };

export interface AdmitOptions {
  repo: GitRepo;
  verifier: CommitVerifier | undefined;
  /** Sub-directory of the repository holding the desired state ("" for its root). */
  path: string;
  partialApply: boolean;
  validate: (dir: string) => Promise<LoadResult>;
  /** Appended to a refusal: what keeps serving ("; still serving abc…" or ""). */
  serving: string;
}

/** Checks `rev` out and validates it; a refusal names the reason and the revision. */
export async function admitRevision(rev: string, o: AdmitOptions): Promise<Admission> {
  if (o.verifier) {
    const v = await o.verifier.verify(rev);
    if (!v.ok)
      return { ok: false, reason: v.reason, message: `${v.message}, so --git-verify refuses it${o.serving}` };
  }
  let dir: string;
  try {
    dir = await o.repo.materialize(rev);
  } catch (err) {
    return { ok: false, reason: 'CheckoutFailed', message: String((err as Error).message) };
  }
  const sub = o.path ? join(dir, o.path) : dir;
  let load: LoadResult;
  try {
    load = await o.validate(sub);
  } catch (err) {
    return {
      ok: false,
      reason: 'InvalidRevision',
      message: `revision ${rev.slice(0, 12)}: ${String((err as Error).message)}`,
    };
  }
  if (!load.ok && !o.partialApply) {
    const first = load.errors
      .slice(0, 3)
      .map((e) => formatLoadError(e))
      .join('; ');
    const more = load.errors.length > 3 ? ` (and ${load.errors.length - 3} more)` : '';
    return {
      ok: false,
      reason: 'InvalidRevision',
      message: `revision ${rev.slice(0, 12)} does not validate, so none of it is applied${o.serving}: ${first}${more}`,
    };
  }
  return { ok: true };
}
