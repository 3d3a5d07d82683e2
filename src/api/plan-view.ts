// The plan as the API serves it: the documented `--json` format (docs/plan-json.md, formatVersion 1,
// the same planToJson as the CLI), with every secret value masked again in diffs and reasons, so that
// nothing the renderer marked sensitive can leave the host through HTTP; plus when it was computed.
import { planToJson, type JsonPlan } from '../plan/format-json.js';
import { formatPlanText } from '../plan/format-text.js';
import type { FileOp, Plan } from '../plan/types.js';
import { maskValues } from './mask.js';

export type PublicPlan = JsonPlan & { computedAt?: string };

function maskOp(op: FileOp, secrets: readonly string[]): FileOp {
  if (op.op === 'write') {
    const adoption = op.adoption && {
      ...op.adoption,
      hostOnly: op.adoption.hostOnly.map((l) => maskValues(l, secrets)),
      tendAdds: op.adoption.tendAdds.map((l) => maskValues(l, secrets)),
    };
    return { ...op, content: '', diff: maskValues(op.diff, secrets), ...(adoption ? { adoption } : {}) };
  }
  if (op.op === 'remove') return { ...op, diff: maskValues(op.diff, secrets) };
  return op;
}

/** The plan with file contents dropped and every secret masked in diffs and reasons. */
function maskedPlan(plan: Plan): Plan {
  // A secret of one change may show up in another's diff (a shared file), so mask them all everywhere.
  const secrets = plan.changes.flatMap((c) => c.ops.flatMap((op) => (op.op === 'write' ? op.secrets : [])));
  return {
    ...plan,
    changes: plan.changes.map((change) => ({
      ...change,
      reason: maskValues(change.reason, secrets),
      ops: change.ops.map((op) => maskOp(op, secrets)),
    })),
  };
}

export function publicPlan(plan: Plan & { computedAt?: string }): PublicPlan {
  return { ...planToJson(maskedPlan(plan)), ...(plan.computedAt ? { computedAt: plan.computedAt } : {}) };
}

/** The served plan as `tend reconcile --plan` prints it (no colour), secrets masked as in publicPlan. */
export function planText(plan: Plan, desiredLabel?: string): string {
  return formatPlanText(maskedPlan(plan), {
    color: false,
    ...(desiredLabel !== undefined ? { desiredDir: desiredLabel } : {}),
  });
}
