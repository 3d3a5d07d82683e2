// A bounded read of a file from an offset: what a log tail needs, whatever the log's size.
import { promises as fsp } from 'node:fs';

/** Up to `maxBytes` of `path` from `offset` (utf8); '' when missing or shorter than offset. */
export async function readRange(path: string, offset: number, maxBytes: number): Promise<string> {
  let handle: fsp.FileHandle | undefined;
  try {
    handle = await fsp.open(path, 'r');
    const buffer = Buffer.alloc(maxBytes);
    const { bytesRead } = await handle.read(buffer, 0, maxBytes, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } catch {
    return '';
  } finally {
    await handle?.close();
  }
}
