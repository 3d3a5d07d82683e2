// php-fpm's slowlog entries: the request's script and the top frame of its backtrace, read from the
// part of the log written since the last probe.
import type { Host } from '../../host/index.js';

export interface SlowEntry {
  at: string;
  pid: number;
  script: string;
  /** The innermost frame: function and file:line, e.g. "sleep() /srv/www/app/slow.php:3". */
  topFrame: string;
}

/**
 * Entries look like:
 *   [06-Dec-2026 03:48:02]  [pool p] pid 15330
 *   script_filename = /srv/www/app/slow.php
 *   [0x00007fab76615090] sleep() /srv/www/app/slow.php:1
 */
export function parseSlowlog(text: string): SlowEntry[] {
  const entries: SlowEntry[] = [];
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.trim().split('\n');
    const head = /^\[([^\]]+)\]\s+\[pool [^\]]+\] pid (\d+)/.exec(lines[0] ?? '');
    if (!head) continue;
    const script = /^script_filename = (.*)$/.exec(lines[1] ?? '')?.[1] ?? '';
    const frame = /^\[0x[0-9a-f]+\] (.*)$/.exec(lines[2] ?? '')?.[1] ?? '(no backtrace)';
    entries.push({ at: head[1]!, pid: Number(head[2]), script, topFrame: frame });
  }
  return entries;
}

/** Entries written after `offset` (a log that shrank was rotated: all of it) and the new end. */
export async function slowEntriesSince(
  host: Host,
  path: string,
  offset: number,
): Promise<{ entries: SlowEntry[]; offset: number }> {
  const text = (await host.fs.readFile(path)) ?? '';
  const fresh = text.length < offset ? text : text.slice(offset);
  return { entries: parseSlowlog(fresh), offset: text.length };
}
