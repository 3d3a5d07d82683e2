// The pin `tend source pin` leaves in the git source's state dir: one revision, written atomically
// (temp and rename), read at start, removed by `tend source unpin`.
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const PIN_FILE = 'pin';

/** The pinned revision, or '' when nothing is pinned. */
export async function readPin(base: string): Promise<string> {
  return (await readFile(join(base, PIN_FILE), 'utf8').catch(() => '')).trim();
}

export async function writePin(base: string, rev: string): Promise<void> {
  const file = join(base, PIN_FILE);
  await writeFile(`${file}.tmp`, `${rev}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

export async function removePin(base: string): Promise<void> {
  await rm(join(base, PIN_FILE), { force: true });
}
