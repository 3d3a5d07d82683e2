// What bin/tend's shebang line gives node, for tests and benches that start the daemon with
// process.execPath (this node binary, not the first on PATH) yet must run what `tend serve` runs.
import { readFileSync } from 'node:fs';

/** The flags of a `#!/usr/bin/env -S node FLAGS` line; none for any other interpreter line. */
export function shebangFlags(script: string): string[] {
  const line = /^#!(.*)/.exec(readFileSync(script, 'utf8'))?.[1] ?? '';
  const [interpreter, ...words] = line.trim().split(/\s+/);
  if (interpreter !== '/usr/bin/env') return [];
  const node = words.indexOf('node');
  return node === -1 ? [] : words.slice(node + 1);
}
