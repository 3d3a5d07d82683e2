// The validation gate: after a batch is written, the service's validator must pass before any reload.
// When it fails, the batch is bisected so only the resources that break it are held back (restored to
// their previous content) and everything else still goes live.
import type { ValidationResult } from '../drivers/service.js';

export interface GateMember {
  key: string;
  /** Paths this member writes, to match the validator's "in /path/x.conf:12". */
  paths: readonly string[];
  apply(): Promise<void>;
  revert(): Promise<void>;
}

export interface GateResult {
  /** Held-back members with the validator's own message. */
  held: Map<string, string>;
  validations: number;
}

export async function runGate(
  validate: () => Promise<ValidationResult>,
  members: readonly GateMember[],
): Promise<GateResult> {
  let validations = 0;
  const check = async () => {
    validations += 1;
    return validate();
  };
  const held = new Map<string, string>();
  const first = await check();
  // With no members of ours in the batch, a failure is not ours to isolate; the reload will refuse it.
  if (first.ok || members.length === 0) return { held, validations };

  // Fast path: the validator usually names the file it choked on.
  const suspects = members.filter((m) => m.paths.some((p) => first.failingFiles.includes(p)));
  if (suspects.length > 0 && suspects.length < members.length) {
    for (const s of suspects) await s.revert();
    const after = await check();
    if (after.ok) {
      for (const s of suspects) held.set(s.key, first.message);
      return { held, validations };
    }
    for (const s of suspects) await s.apply();
  }

  // Bisection from the previous, known-good state.
  for (const m of members) await m.revert();
  const baseline = await check();
  if (!baseline.ok) {
    const message = `the live configuration was already invalid before this change: ${baseline.message}`;
    for (const m of members) held.set(m.key, message);
    return { held, validations };
  }
  const tryAdd = async (set: readonly GateMember[]): Promise<void> => {
    for (const m of set) await m.apply();
    const result = await check();
    if (result.ok) return;
    for (const m of set) await m.revert();
    if (set.length === 1) {
      held.set(set[0]!.key, result.message);
      return;
    }
    const mid = Math.ceil(set.length / 2);
    await tryAdd(set.slice(0, mid));
    await tryAdd(set.slice(mid));
  };
  await tryAdd(members);
  return { held, validations };
}
