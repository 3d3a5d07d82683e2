// The --web-base flag shared by serve, reconcile and validate: where tenants' document roots may lie.
// It belongs to whoever runs tend (root), never to the desired state.
import { resolve } from 'node:path';
import { DEFAULT_WEB_BASES, webBaseProblem } from '../model/tenancy.js';

export const WEB_BASE_USAGE =
  "  --web-base DIR            where Sites' roots may lie; repeat for several (default: /var/www and /srv)\n";

/** The bases from repeated --web-base flags (default DEFAULT_WEB_BASES), or why one is refused. */
export function parseWebBases(
  values: readonly string[] | undefined,
  cwd: string,
): { ok: true; webBases: readonly string[] } | { ok: false; message: string } {
  if (!values || values.length === 0) return { ok: true, webBases: DEFAULT_WEB_BASES };
  const webBases = values.map((v) => resolve(cwd, v));
  for (const base of webBases) {
    const problem = webBaseProblem(base);
    if (problem) return { ok: false, message: `--web-base: ${problem}` };
  }
  return { ok: true, webBases };
}
