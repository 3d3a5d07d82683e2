// The plan as the API serves it: the Plan shape without file contents, and with every secret value
// masked in diffs, so that nothing the renderer marked sensitive can leave the host through HTTP.
import { formatPlanText } from '../plan/format-text.js';
import type { Change, FileOp, Plan } from '../plan/types.js';
import { maskValues } from './mask.js';

export type PublicFileOp =
  | { op: 'write'; path: string; service: string; mode: number; diff: string; secrets: number }
  | { op: 'remove'; path: string; service: string; diff: string }
  | { op: 'link'; path: string; target: string; service: string }
  | { op: 'unlink'; path: string; service: string };

export type PublicChange = Omit<Change, 'ops'> & { ops: PublicFileOp[] };
export type PublicPlan = Omit<Plan, 'changes'> & { changes: PublicChange[] };

function publicOp(op: FileOp, secrets: readonly string[]): PublicFileOp {
  switch (op.op) {
    case 'write':
      return {
        op: 'write',
        path: op.path,
        service: op.service,
        mode: op.mode,
        diff: maskValues(op.diff, secrets),
        // How many values were masked; never the values.
        secrets: op.secrets.length,
      };
    case 'remove':
      return { op: 'remove', path: op.path, service: op.service, diff: maskValues(op.diff, secrets) };
    case 'link':
      return { op: 'link', path: op.path, target: op.target, service: op.service };
    case 'unlink':
      return { op: 'unlink', path: op.path, service: op.service };
  }
}

export function publicPlan(plan: Plan): PublicPlan {
  // A secret of one change may show up in another's diff (a shared file), so mask them all everywhere.
  const secrets = plan.changes.flatMap((c) => c.ops.flatMap((op) => (op.op === 'write' ? op.secrets : [])));
  return {
    ...plan,
    changes: plan.changes.map((change) => ({
      ...change,
      reason: maskValues(change.reason, secrets),
      ops: change.ops.map((op) => publicOp(op, secrets)),
    })),
  };
}

/**
 * The served plan as `tend reconcile --plan` prints it, without colour. The text format reads only the
 * fields a public op keeps (path, target, diff), so the masked plan renders the same lines.
 */
export function planText(plan: PublicPlan, desiredLabel?: string): string {
  return formatPlanText(plan as unknown as Plan, {
    color: false,
    ...(desiredLabel !== undefined ? { desiredDir: desiredLabel } : {}),
  });
}
