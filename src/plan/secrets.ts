// Secret masking for everything a plan shows: values are replaced by "(sensitive)", and lines that held
// a secret before (known by their prefix) are masked too, so a rotated or removed secret never leaks
// through the "-" side of a diff.
export const SENSITIVE = '(sensitive)';

/** Replaces every secret value, longest first so that a secret containing another is masked whole. */
export function maskValues(content: string, secrets: readonly string[]): string {
  if (secrets.length === 0) return content;
  let out = content;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length))
    out = out.split(secret).join(SENSITIVE);
  return out;
}

/**
 * The text before each secret on its line, e.g. `env[DB_PASS] = "`. Recorded in the inventory at apply
 * time (prefixes only, never values), it lets a later plan mask the old value of that line.
 */
export function sensitivePrefixes(content: string, secrets: readonly string[]): string[] {
  const usable = secrets.filter((s) => s.length > 0);
  if (usable.length === 0) return [];
  const prefixes = new Set<string>();
  for (const line of content.split('\n'))
    for (const secret of usable) {
      const at = line.indexOf(secret);
      if (at < 0) continue;
      const prefix = line.slice(0, at);
      // A bare prefix (secret at the start of a line) would mask unrelated lines; the value mask covers it.
      if (prefix.trim().length > 0) prefixes.add(prefix);
    }
  return [...prefixes];
}

/**
 * Where the value starts on `line` when it begins with `prefix`, spacing and quoting aside: a host's
 * own `env[DB_PASS]=old` or `env[DB_PASS] = old` holds the same secret as tend's `env[DB_PASS] = "…"`.
 */
function valueStart(line: string, prefix: string): number | undefined {
  if (line.startsWith(prefix)) return prefix.length;
  const core = prefix.replace(/["']$/, '').replace(/\s+/g, '');
  if (core.length === 0) return undefined;
  let at = 0;
  for (let matched = 0; matched < core.length; at += 1) {
    if (at >= line.length) return undefined;
    if (/\s/.test(line[at]!)) continue;
    if (line[at] !== core[matched]) return undefined;
    matched += 1;
  }
  while (at < line.length && /\s/.test(line[at]!)) at += 1;
  if (line[at] === '"' || line[at] === "'") at += 1;
  return at;
}

/** Masks the rest of every line that starts with a sensitive prefix (spacing and quoting aside). */
export function maskLines(content: string, prefixes: readonly string[]): string {
  if (prefixes.length === 0) return content;
  return content
    .split('\n')
    .map((line) => {
      let start: number | undefined;
      for (const p of prefixes) if ((start = valueStart(line, p)) !== undefined) break;
      if (start === undefined) return line;
      const head = line.slice(0, start);
      const rest = line.slice(start);
      if (rest.startsWith(SENSITIVE)) return line;
      // Keep a closing quote that matches the opening one, so the masked line still reads as config.
      const quote = head.at(-1);
      const close = (quote === '"' || quote === "'") && rest.length > 0 && rest.endsWith(quote) ? quote : '';
      return `${head}${SENSITIVE}${close}`;
    })
    .join('\n');
}

/** Both masks: values first (exact), then whole lines known to hold secrets. */
export function maskSecrets(
  content: string,
  secrets: readonly string[],
  prefixes: readonly string[],
): string {
  return maskLines(maskValues(content, secrets), prefixes);
}
