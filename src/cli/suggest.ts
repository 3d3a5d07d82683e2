// "Did you mean": the closest known word to a mistyped command or option, when one is close enough.

/** Levenshtein distance, small inputs only (command and option names). */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The nearest of `known` within a third of the word's length (at least 2 edits), else undefined. */
export function closest(word: string, known: readonly string[]): string | undefined {
  let best: { name: string; d: number } | undefined;
  for (const name of known) {
    const d = editDistance(word.toLowerCase(), name.toLowerCase());
    if (!best || d < best.d) best = { name, d };
  }
  const limit = Math.max(2, Math.floor(word.length / 3));
  return best && best.d <= limit ? best.name : undefined;
}

/** " (did you mean \"x\"?)" or "". */
export function didYouMean(word: string, known: readonly string[]): string {
  const near = closest(word, known);
  return near ? ` (did you mean "${near}"?)` : '';
}

/**
 * For a parseArgs "Unknown option '--x'" message: the nearest option the usage text names, as
 * " (did you mean "--y"?)", or "". Lets commands with their own parser hint without restructuring.
 */
export function optionHint(message: string, usage: string): string {
  const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
  if (!unknown) return '';
  const names = [...new Set(usage.match(/--[a-z][a-z0-9-]*/g) ?? [])];
  return didYouMean(unknown, names);
}
