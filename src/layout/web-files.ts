// Where the browser files of the package live (web/<name>/: the dashboard, the terminal page): found
// by walking up from this module, so the source tree, dist/ and an installed package all work.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export function webDir(name: string, marker: string, from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from, i = 0; i < 6; i++, dir = dirname(dir)) {
    const candidate = join(dir, 'web', name);
    if (existsSync(join(candidate, marker))) return candidate;
  }
  throw new Error(`the package's web/${name}/${marker} is missing above ${from}`);
}
