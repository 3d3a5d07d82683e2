// The human plan, Terraform-like: one line per change with its symbol, the masked diffs indented
// below, the deletions held back, and a closing count line. Colour only when the caller asks.
import { adoptionNote, adoptionLines } from './format-adoption.js';
import type { Change, FileOp, Plan } from './types.js';

export interface TextOptions {
  color?: boolean;
  /** Shown in the header line with the revision. */
  desiredDir?: string;
  /** The desired state has uncommitted changes: the revision alone does not describe it. */
  dirty?: boolean;
  /** Print file diffs under each change (default true). */
  diffs?: boolean;
  /**
   * An adopting write shows its full text diff instead of its directive comparison (the host lines
   * dropped or changed, and what replaces them). `tend reconcile --plan --diff full`.
   */
  fullDiff?: boolean;
}

const CODES = { red: 31, green: 32, yellow: 33, cyan: 36, bold: 1, dim: 2 } as const;
type Paint = (style: keyof typeof CODES, text: string) => string;

const SYMBOL = { create: '+', update: '~', delete: '-', 'no-op': ' ' } as const;
const STYLE = { create: 'green', update: 'yellow', delete: 'red', 'no-op': 'dim' } as const;
const VERB = { create: 'created', update: 'updated', delete: 'deleted', 'no-op': 'unchanged' } as const;

function headline(c: Change, paint: Paint): string {
  if (c.blocked) return `  ${paint('red', '!')} ${paint('bold', c.key)} is blocked: ${c.blocked.message}`;
  const reason =
    c.action === 'create' && c.reason === 'not on the host' ? '' : ` (${c.reason}${adoptionNote(c)})`;
  return `  ${paint(STYLE[c.action], SYMBOL[c.action])} ${paint('bold', c.key)} will be ${VERB[c.action]}${reason}`;
}

/** A Program's field diff, then what happens to its instances. */
function runtimeLines(c: Change, paint: Paint): string[] {
  if (!c.runtime) return [];
  const lines: string[] = [];
  if (c.action === 'update')
    for (const f of c.runtime.fields)
      lines.push(
        f.before === null
          ? `      ${paint('green', '+')} ${f.field}: ${f.after}`
          : f.after === null
            ? `      ${paint('red', '-')} ${f.field}: ${f.before}`
            : `      ${paint('yellow', '~')} ${f.field}: ${f.before} -> ${f.after}`,
      );
  lines.push(`      ${paint('cyan', 'instances:')} ${c.runtime.summary}`);
  return lines;
}

function opLines(c: Change, op: FileOp, paint: Paint, fullDiff: boolean): string[] {
  if (op.op === 'link') return [`      ${paint('green', '+')} link ${op.path} -> ${op.target}`];
  if (op.op === 'write' && op.adoption && !fullDiff)
    return adoptionLines(c.kind, op.adoption).map(
      (l) => `      ${paint(l.startsWith('-') ? 'red' : 'green', l)}`,
    );
  if (op.op === 'unlink') return [`      ${paint('red', '-')} link ${op.path}`];
  return op.diff
    .replace(/\n$/, '')
    .split('\n')
    .map((line) => {
      const style =
        line.startsWith('+++') || line.startsWith('---')
          ? 'bold'
          : line.startsWith('+')
            ? 'green'
            : line.startsWith('-')
              ? 'red'
              : line.startsWith('@@')
                ? 'cyan'
                : undefined;
      return `      ${style ? paint(style, line) : line}`;
    });
}

function shortRevision(revision: string): string {
  return /^[0-9a-f]{40}$/.test(revision) ? revision.slice(0, 12) : revision;
}

export function formatPlanText(plan: Plan, opts: TextOptions = {}): string {
  const paint: Paint = opts.color
    ? (style, text) => `\x1b[${CODES[style]}m${text}\x1b[0m`
    : (_s, text) => text;
  const out: string[] = [];
  if (plan.revision)
    out.push(
      `Desired state: ${opts.desiredDir ?? '(desired state)'} @ ${shortRevision(plan.revision)}` +
        (opts.dirty ? ' (with uncommitted changes)' : ''),
      '',
    );

  const shown = plan.changes.filter((c) => c.action !== 'no-op' || c.blocked);
  for (const c of shown) {
    out.push(headline(c, paint));
    if (opts.diffs !== false && !c.blocked) {
      out.push(...runtimeLines(c, paint));
      for (const op of c.ops) out.push(...opLines(c, op, paint, opts.fullDiff === true));
    }
  }
  if (shown.length) out.push('');

  if (plan.pruneHeld) {
    out.push(`${paint('yellow', 'Deletions held:')} ${plan.pruneHeld.reason}`);
    for (const key of plan.pruneHeld.keys) out.push(`    ${key}`);
    out.push('');
  }

  for (const w of plan.warnings ?? []) out.push(`${paint('yellow', 'warning:')} ${w.key}: ${w.message}`);
  if (plan.warnings?.length) out.push('');

  const s = plan.summary;
  if (!shown.length && !plan.pruneHeld) {
    out.push('No changes. The host matches the desired state.');
  } else {
    const blocked = s.blocked > 0 ? `, ${s.blocked} blocked` : '';
    out.push(
      `Plan: ${s.create} to create, ${s.update} to update, ${s.delete} to delete, ${s.noop} unchanged${blocked}.`,
    );
  }
  return `${out.join('\n')}\n`;
}
