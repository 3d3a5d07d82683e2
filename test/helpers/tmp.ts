// Temp directories for tests, removed after the test unless TEND_KEEP_TMP is set.
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

export function tempDir(t: TestContext | { after: (fn: () => void) => void }, prefix = 'tend-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  // mkdtemp makes it 0700: nginx's worker user (www-data) could not reach a Site root or pool
  // socket below it, and tend refuses such a root (decision 0042).
  chmodSync(dir, 0o755);
  if (!process.env.TEND_KEEP_TMP) t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
