// How supervisord reads a command and an environment list: posix shlex (no shell) and its KEY=value
// list. Pure; shared by `tend import` (mapping) and the directive comparison (normalise.ts).

/** posix shlex as supervisord uses it: quotes group, a backslash escapes outside single quotes. */
export function shlexSplit(command: string): string[] | undefined {
  const out: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else word = (word ?? '') + c;
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else if (c === '\\' && i + 1 < command.length && '\\"$`\n'.includes(command[i + 1]!))
        word = (word ?? '') + command[++i];
      else word = (word ?? '') + c;
    } else if (/\s/.test(c)) {
      if (word !== undefined) out.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < command.length) word = (word ?? '') + command[++i];
    else word = (word ?? '') + c;
  }
  if (quote) return undefined;
  if (word !== undefined) out.push(word);
  return out;
}

/** environment=A="1",B=2: supervisord's KEY=value list (non-posix shlex, quotes stripped). */
export function parseEnvironment(value: string): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)=("[^"]*"|'[^']*'|[^,]*)\s*(,|$)/y;
  let at = 0;
  while (at < value.length) {
    re.lastIndex = at;
    const m = re.exec(value);
    if (!m || m[0] === '') return undefined;
    env[m[1]!] = m[2]!.replace(/^["']|["']$/g, '');
    at = re.lastIndex;
  }
  return env;
}
