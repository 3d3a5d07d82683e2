// The round trip of `tend import`: the documents go through the normal loader and planner (read
// only), exactly as `tend reconcile --plan` runs them, and each host file is compared with what tend
// renders in its place. What the host has and the rendering lacks is listed, never dropped; what the
// loader refuses is not imported at all (decision 0043).
import { unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import { computePlan } from '../pipeline/compute-plan.js';
import { formatLoadError } from '../source/describe.js';
import { linesOf } from '../directives/compare.js';
import { missingFrom } from '../directives/nginx-config.js';
import { normaliseLine } from '../directives/normalise.js';
import type { ImportedResource, ImportReport } from './types.js';

export const stagedName = (r: Pick<ImportedResource, 'kind' | 'name'>) =>
  `${r.kind.toLowerCase()}-${r.name}.yaml`;

function renderedPath(r: ImportedResource, layout: Layout): string {
  if (r.kind === 'Site') return layout.nginx.siteFile(r.name);
  if (r.kind === 'Pool') return layout.php.poolFile((r.document.spec as { php: string }).php, r.name);
  return layout.supervisord.programFile(r.name);
}

function compare(r: ImportedResource, content: string): void {
  const rendered = linesOf(r.kind, r.name, content, true);
  const original = r.original.flatMap((l) => {
    const text = normaliseLine(r.kind, l.text);
    return text === undefined ? [] : [{ ...l, text }];
  });
  const lostTexts = missingFrom(
    original.map((l) => l.text),
    rendered,
  );
  // missingFrom keeps order and repeats, so each lost text is matched to the next original line.
  let from = 0;
  r.lost = lostTexts.map((text) => {
    const i = original.findIndex((l, at) => at >= from && l.text === text);
    const line = i >= 0 ? original[i]!.line : 0;
    from = i >= 0 ? i + 1 : from;
    return {
      file: r.file,
      line,
      text,
      why: r.reasons.get(line) ?? "tend's rendering of this resource does not write it",
    };
  });
  r.added = missingFrom(
    rendered,
    original.map((l) => l.text),
  );
}

/**
 * Stage the documents in `stagingDir`, load and plan them against `layout`, drop what the loader or
 * the planner refuses (into report.refused), and fill each survivor's lost/added lines.
 */
export async function roundTrip(
  report: ImportReport,
  opts: { host: Host; layout: Layout; stagingDir: string },
): Promise<void> {
  for (const r of report.resources)
    await writeFile(join(opts.stagingDir, stagedName(r)), stringify(r.document));
  // A refused Pool can make a Site that uses it fail in turn: load again until the set is clean.
  for (let round = 0; round < 5; round++) {
    const computed = await computePlan({
      host: opts.host,
      desiredDir: opts.stagingDir,
      layout: opts.layout,
      readOnly: true,
      allowMassDelete: true,
    });
    const failing = new Map<string, string[]>();
    for (const e of computed.load.errors)
      failing.set(e.file, [...(failing.get(e.file) ?? []), formatLoadError(e)]);
    for (const change of computed.plan.changes) {
      const r = report.resources.find((x) => `${x.kind}/${x.name}` === change.key);
      if (r && change.blocked)
        failing.set(stagedName(r), [`${change.blocked.code}: ${change.blocked.message}`]);
    }
    if (failing.size === 0) {
      for (const r of report.resources) {
        const key = `${r.kind}/${r.name}`;
        const path = renderedPath(r, opts.layout);
        const file = computed.rendered.find((x) => x.key === key)?.files.find((f) => f.path === path);
        if (!file) throw new Error(`internal error: ${key} rendered no ${path}`);
        compare(r, file.content);
      }
      return;
    }
    let removed = 0;
    for (const [file, messages] of failing) {
      const i = report.resources.findIndex((r) => stagedName(r) === file);
      const r = report.resources[i];
      if (!r) continue;
      removed++;
      report.refused.push({
        file: r.file,
        line: r.line,
        text: `${r.kind}/${r.name}`,
        why: `fails tend's validation, so it is not imported: ${messages.join('; ')}`,
      });
      report.resources.splice(i, 1);
      await unlink(join(opts.stagingDir, file));
    }
    if (removed === 0)
      throw new Error(`the imported documents fail as a whole: ${[...failing.values()].flat().join('; ')}`);
  }
  throw new Error('internal error: the imported documents did not settle after 5 rounds of validation');
}
