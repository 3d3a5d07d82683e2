// The lines of an ini file (php-fpm pool, supervisord program) as `key = value` text with the line
// each came from, so two files can be compared key by key and a report can point at the host's line.
import type { IniSection } from './ini-sections.js';

/** A section's keys as `key = value` lines, where the host file has them. */
export function sectionLines(section: string, s: IniSection, text: string): { text: string; line: number }[] {
  const lines = text.split('\n');
  return Object.entries(s).map(([key, value]) => {
    const line = lineOf(text, section, key);
    // The ini package strips quotes around a whole value; a supervisord command or environment is
    // quoted word by word, so those are compared as written (less a ` ;` comment).
    const raw =
      RAW_KEYS.has(key) && line > 0
        ? lines[line - 1]!.slice(lines[line - 1]!.indexOf('=') + 1).replace(/\s;.*$/, '')
        : value;
    return { text: `${key} = ${raw.trim()}`, line };
  });
}

const RAW_KEYS = new Set(['command', 'environment']);

/** The line of a section's header, 0 when not found. */
export function sectionLine(text: string, section: string): number {
  const i = text.split('\n').findIndex((l) => l.trim() === `[${section}]`);
  return i + 1;
}

/** The line a key is on in the raw text, for a report that points at it. */
export function lineOf(text: string, section: string, key: string): number {
  const lines = text.split('\n');
  let inSection = false;
  for (let i = 0; i < lines.length; i++) {
    const t = lines[i]!.trim();
    if (t.startsWith('[')) inSection = t === `[${section}]`;
    else if (inSection && t.split('=')[0]!.trim() === key) return i + 1;
  }
  return 0;
}
