// A node --test reporter that prints, after the spec output, the slowest test files, so the suite's
// time can be found where it goes.
import { relative } from 'node:path';

const SLOWEST = 12;

export default async function* summary(source) {
  const perFile = new Map();
  for await (const event of source) {
    if ((event.type === 'test:pass' || event.type === 'test:fail') && event.data.nesting === 0) {
      const file = event.data.file ?? '(unknown)';
      perFile.set(file, (perFile.get(file) ?? 0) + (event.data.details?.duration_ms ?? 0));
    }
  }

  const total = [...perFile.values()].reduce((a, b) => a + b, 0);
  const slowest = [...perFile].sort((a, b) => b[1] - a[1]).slice(0, SLOWEST);
  yield `\nslowest test files (sum of their top-level tests; ${perFile.size} files, ${(total / 1000).toFixed(0)} s in all):\n`;
  for (const [file, ms] of slowest)
    yield `  ${(ms / 1000).toFixed(1).padStart(7)} s  ${relative(process.cwd(), file)}\n`;
}
