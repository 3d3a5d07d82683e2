// A config file as the lines tend compares, and the comparison itself: a vhost is one line per
// directive with its enclosing blocks, a pool or program one `key = value` line per setting, each in
// its canonical spelling (normalise.ts). `tend import` lists with it what tend's rendering would not
// carry over; an adopting plan says with it whether taking a host file over changes what it does
// (decision 0043). Pure.
import { iniSections } from './ini-sections.js';
import { sectionLines } from './ini-lines.js';
import { flattenWithLines, missingFrom, parseNginxConfig } from './nginx-config.js';
import { normaliseLine, type ConfigKind } from './normalise.js';

const ownSection = (kind: ConfigKind, name: string) => (kind === 'Pool' ? name : `program:${name}`);

/**
 * A config file as the normalised lines import compares (every directive of a vhost; the keys of
 * the resource's own pool or program section), so a test can check a written file the same way.
 * Throws NginxParseError on a vhost nginx would not read.
 */
export function linesOf(kind: ConfigKind, name: string, content: string, rendered = false): string[] {
  const section = ownSection(kind, name);
  const lines =
    kind === 'Site'
      ? flattenWithLines(parseNginxConfig(content))
      : sectionLines(section, iniSections(content).get(section) ?? {}, content);
  return lines.flatMap((l) => normaliseLine(kind, l.text, rendered) ?? []);
}

/**
 * The whole file: linesOf, plus, for a pool or program file, every other section's lines headed by
 * `[section] `, so a second pool in the file is never mistaken for nothing.
 */
export function fileLines(kind: ConfigKind, name: string, content: string, rendered = false): string[] {
  if (kind === 'Site') return linesOf(kind, name, content, rendered);
  const own = ownSection(kind, name);
  const out: string[] = [];
  for (const [section, keys] of iniSections(content)) {
    const lines = sectionLines(section, keys, content).flatMap(
      (l) => normaliseLine(kind, l.text, rendered) ?? [],
    );
    out.push(...(section === own ? lines : lines.map((l) => `[${section}] ${l}`)));
  }
  return out;
}

export interface DirectiveComparison {
  /** Every directive of the host file is in tend's rendering (tend may add its own). */
  sameDirectives: boolean;
  /** Host lines tend's rendering lacks: dropped, or written with another value. */
  hostOnly: string[];
  /** Lines tend's rendering has and the host file lacks. */
  tendAdds: string[];
}

/**
 * The host file against tend's rendering of the same resource, as multisets of lines; undefined
 * when either is not a config nginx would read (the full diff is all there is to show).
 */
export function compareConfig(
  kind: ConfigKind,
  name: string,
  host: string,
  rendered: string,
): DirectiveComparison | undefined {
  let before: string[];
  let after: string[];
  try {
    before = fileLines(kind, name, host);
    after = fileLines(kind, name, rendered, true);
  } catch {
    return undefined;
  }
  const hostOnly = missingFrom(before, after);
  return { sameDirectives: hostOnly.length === 0, hostOnly, tendAdds: missingFrom(after, before) };
}

/** Directives whose first argument names what they set: two with different names are unrelated. */
const NAMED = new Set(['proxy_set_header', 'fastcgi_param', 'add_header', 'set', 'env', 'uwsgi_param']);

/**
 * What a line sets, without the value: `server > location / > proxy_set_header Connection`,
 * `php_admin_value[memory_limit]`. A tend line with the key of a host-only line replaces it.
 */
export function directiveKey(kind: ConfigKind, line: string): string {
  if (kind !== 'Site') {
    const at = line.indexOf(' = ');
    return at < 0 ? line : line.slice(0, at);
  }
  const cut = line.lastIndexOf(' > ');
  const context = cut < 0 ? '' : line.slice(0, cut + 3);
  const words = line.slice(cut < 0 ? 0 : cut + 3).split(' ');
  return context + (NAMED.has(words[0]!) ? words.slice(0, 2) : words.slice(0, 1)).join(' ');
}
