// How the text plan shows an adopting write (decision 0043): one note in the change's headline
// (same directives as the host file or how many it drops or changes, and what tend adds), and under
// it only the host lines dropped or changed with the tend lines that replace them. The full text
// diff stays in the JSON and behind `--diff full`.
import { replacing } from './adoption.js';
import type { Adoption, Change } from './types.js';

const plural = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
const SHOWN_NAMES = 6;

/** What a compared line sets, short: the directive's name, or the ini key (with its section). */
function shortName(line: string): string {
  const at = line.indexOf(' = ');
  if (at >= 0) return line.slice(0, at);
  const cut = line.lastIndexOf(' > ');
  return (cut < 0 ? line : line.slice(cut + 3)).split(' ')[0]!;
}

/** `disable_symlinks, deny ×2, fastcgi_param ×12, …`: the added directives by name. */
function names(lines: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const l of lines) counts.set(shortName(l), (counts.get(shortName(l)) ?? 0) + 1);
  const shown = [...counts].slice(0, SHOWN_NAMES).map(([n, k]) => (k > 1 ? `${n} ×${k}` : n));
  return shown.join(', ') + (counts.size > SHOWN_NAMES ? ', …' : '');
}

const adoptionsOf = (c: Change): Adoption[] =>
  c.ops.flatMap((op) => (op.op === 'write' && op.adoption ? [op.adoption] : []));

/** `; same directives as the host file; tend adds 7 lines: …`, or '' for a change that adopts nothing. */
export function adoptionNote(c: Change): string {
  const adoptions = adoptionsOf(c);
  if (adoptions.length === 0) return '';
  const hostOnly = adoptions.reduce((n, a) => n + a.hostOnly.length, 0);
  const added = adoptions.flatMap((a) => a.tendAdds);
  const what =
    hostOnly === 0
      ? 'same directives as the host file'
      : `${plural(hostOnly, 'host directive')} dropped or changed`;
  return `; ${what}${added.length > 0 ? `; tend adds ${plural(added.length, 'line')}: ${names(added)}` : ''}`;
}

/** `- host line` for each one dropped or changed, `+ tend line` for each that replaces one. */
export function adoptionLines(kind: Change['kind'], adoption: Adoption): string[] {
  return [...adoption.hostOnly.map((l) => `- ${l}`), ...replacing(kind, adoption).map((l) => `+ ${l}`)];
}
