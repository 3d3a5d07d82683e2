// A node --test reporter that prints, after the spec output, the slowest test files (so the suite's
// time can be found where it goes) and a coverage summary of src/ per room (from
// --experimental-test-coverage over the compiled dist/src; the daemons the e2e tests spawn count too).
import { relative, sep } from 'node:path';

const SLOWEST = 12;

const pct = (covered, total) =>
  total === 0 ? '  -  ' : `${((covered / total) * 100).toFixed(1).padStart(5)}%`;

export default async function* summary(source) {
  const perFile = new Map();
  let coverage;
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const file = event.data.file ?? '(unknown)';
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
    if (event.type === 'test:coverage') coverage = event.data.summary;
  }

  const total = [...perFile.values()].reduce((a, b) => a + b, 0);
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, SLOWEST);
  yield `\nslowest test files (sum of their top-level tests; ${perFile.size} files, ${(total / 1000).toFixed(0)} s in all):\n`;
  for (const [file, ms] of slowest)
    yield `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`;

  if (!coverage) return;
  const rooms = new Map();
  const all = { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
  for (const f of coverage.files) {
    const rel = relative(process.cwd(), f.path).split(sep);
    if (rel[0] !== 'dist' || rel[1] !== 'src') continue;
    const room = rel.length > 3 ? rel[2] : '(top)';
    const r = rooms.get(room) ?? { lines: [0, 0], branches: [0, 0], functions: [0, 0] };
    rooms.set(room, r);
    for (const t of [r, all]) {
      t.lines[0] += f.coveredLineCount;
      t.lines[1] += f.totalLineCount;
      t.branches[0] += f.coveredBranchCount;
      t.branches[1] += f.totalBranchCount;
      t.functions[0] += f.coveredFunctionCount;
      t.functions[1] += f.totalFunctionCount;
    }
  }
  yield `\ncoverage of src/ (compiled JS) by room:   lines  branches  functions\n`;
  const row = (name, t) =>
    `  ${name.padEnd(36)} ${pct(...t.lines)}  ${pct(...t.branches)}  ${pct(...t.functions)}\n`;
  for (const [room, t] of [...rooms].sort((a, b) => a[0].localeCompare(b[0]))) yield row(`${room}/`, t);
  yield row('all of src/', all);
}
