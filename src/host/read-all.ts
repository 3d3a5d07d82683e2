// Reading a few files through the host's read memo: a daemon's readFiles answers from memory while a
// file's identity holds (file-identity.ts) and a one-shot host's reads them in batches; a fake Host
// without readFiles reads each one, all at once (observation, which reads thousands, bounds that).
import type { HostFs } from './host.js';

/** The content of each path, in order (undefined where a path is missing or not a regular file). */
export function readAllFiles(
  fs: Pick<HostFs, 'readFile' | 'readFiles'>,
  paths: readonly string[],
): Promise<(string | undefined)[]> {
  return fs.readFiles ? fs.readFiles(paths) : Promise.all(paths.map((p) => fs.readFile(p)));
}

/** One file through the same memo. */
export async function readThroughMemo(
  fs: Pick<HostFs, 'readFile' | 'readFiles'>,
  path: string,
): Promise<string | undefined> {
  return (await readAllFiles(fs, [path]))[0];
}
