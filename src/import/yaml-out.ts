// An imported resource as a desired-state file: YAML, headed by comments that say where it came
// from and exactly what `tend reconcile --plan` will change when tend takes the file over.
import { stringify } from 'yaml';
import { oneLine, type Finding, type ImportedResource, type ImportReport } from './types.js';

const at = (f: Pick<Finding, 'file' | 'line'>) => `${oneLine(f.file)}${f.line ? `:${f.line}` : ''}`;

/** One line per listed part, each free of control characters (a hostile file cannot add lines). */
export function describeResource(r: ImportedResource): string[] {
  return [
    ...r.lost.map((l) => `not carried over (${at(l)}): ${oneLine(l.text)} (${oneLine(l.why)})`),
    ...r.added.map((a) => `tend adds: ${oneLine(a)}`),
    ...r.steps.map((s) => `step: ${oneLine(s)}`),
  ];
}

export function resourceYaml(r: ImportedResource): string {
  const head = [
    `Imported by \`tend import\` from ${at(r)}. adopt: true lets tend take over the file it renders for it.`,
    r.lost.length + r.added.length === 0
      ? 'tend renders the same directives: `tend reconcile --plan` changes no content of it.'
      : 'What `tend reconcile --plan` will change in that file (directives compared, comments and layout aside):',
    ...describeResource(r).map((l) => `  ${l}`),
  ];
  return `${head.map((l) => `# ${l}`).join('\n')}\n${stringify(r.document)}`;
}

/** The report for stderr: per resource what is listed, then what was not imported and why. */
export function reportText(report: ImportReport): string {
  const out: string[] = [];
  for (const r of report.resources) {
    const listed = describeResource(r);
    out.push(`${r.kind}/${r.name} from ${at(r)}${listed.length === 0 ? ': exact' : ''}`);
    for (const l of listed) out.push(`  ${l}`);
  }
  for (const f of report.refused) out.push(`not imported (${at(f)}): ${oneLine(f.text)}: ${oneLine(f.why)}`);
  return out.length > 0 ? `${out.join('\n')}\n` : 'nothing to import\n';
}

/** The report as `--json` prints it. */
export function reportJson(report: ImportReport): string {
  return `${JSON.stringify(
    {
      resources: report.resources.map((r) => ({
        key: `${r.kind}/${r.name}`,
        file: r.file,
        line: r.line,
        lost: r.lost,
        added: r.added,
        steps: r.steps,
        document: r.document,
      })),
      refused: report.refused,
    },
    null,
    2,
  )}\n`;
}
