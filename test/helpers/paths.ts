// Test fixtures that tsc does not compile (.mjs, shell scripts) stay in test/; compiled tests run
// from dist/test/. These helpers find the source file either way.
import { existsSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repo root, found from this file whether it runs from test/ or dist/test/ (compiled). */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) || !existsSync(join(dir, 'src'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('repo root not found');
    dir = up;
  }
  return dir;
}

/** `rel`, resolved beside the calling test's source file (pass import.meta.url). */
export function besideSource(callerUrl: string, rel: string): string {
  const root = repoRoot();
  const callerDir = relative(root, dirname(fileURLToPath(callerUrl))).replace(/^dist\//, '');
  return join(root, callerDir, rel);
}

/** argv that runs a TypeScript fixture: its compiled .js beside the compiled caller under dist/. */
export function nodeArgsFor(callerUrl: string, tsRel: string): string[] {
  const js = fileURLToPath(new URL(tsRel.replace(/\.ts$/, '.js'), callerUrl));
  if (!existsSync(js)) throw new Error(`${js} is missing: tests run compiled (npm run build first)`);
  return [js];
}
