// A small reader of nginx's config grammar for `tend import`: tokens (words, quoted strings, `;`,
// `{`, `}`, `#` comments) into a tree of directives with their line numbers. Pure; it reads no
// include and evaluates nothing, so a hostile file can only fail to parse, never run anything.

export interface NginxDirective {
  name: string;
  /** Arguments as nginx reads them: quotes removed, `\"`/`\'`/`\\` unescaped inside quotes. */
  args: string[];
  line: number;
  /** The directive's `{ … }` block (server, location, if, upstream, map…), when it has one. */
  block?: NginxDirective[];
}

export class NginxParseError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

type Token = { kind: 'word'; text: string; line: number } | { kind: ';' | '{' | '}'; line: number };

const SPECIAL = new Set([';', '{', '}']);
const BLANK = /[ \t\r\n\f\v]/;
/** nginx's own limit on one token (NGX_CONF_BUFFER); a longer one is not a config nginx would read. */
const MAX_TOKEN = 4096;

function quoted(text: string, start: number, line: number): { value: string; end: number; lines: number } {
  const quote = text[start]!;
  let value = '';
  let lines = 0;
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\\' && i + 1 < text.length) {
      const next = text[i + 1]!;
      // nginx unescapes only the quote, the backslash and t/r/n; any other pair stays as written.
      const map: Record<string, string> = { '"': '"', "'": "'", '\\': '\\', t: '\t', r: '\r', n: '\n' };
      value += map[next] ?? `\\${next}`;
      if (next === '\n') lines++;
      i++;
      continue;
    }
    if (c === quote) return { value, end: i + 1, lines };
    if (c === '\n') lines++;
    value += c;
    if (value.length > MAX_TOKEN) throw new NginxParseError('a quoted string longer than 4096 bytes', line);
  }
  throw new NginxParseError(`unterminated ${quote === '"' ? 'double' : 'single'} quote`, line);
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === '\n') {
      line++;
      i++;
    } else if (BLANK.test(c)) i++;
    else if (c === '#') {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (SPECIAL.has(c)) {
      tokens.push({ kind: c as ';' | '{' | '}', line });
      i++;
    } else if (c === '"' || c === "'") {
      const q = quoted(text, i, line);
      tokens.push({ kind: 'word', text: q.value, line });
      line += q.lines;
      i = q.end;
    } else {
      let word = '';
      while (i < text.length) {
        const ch = text[i]!;
        if (BLANK.test(ch) || ch === ';' || ch === '{' || ch === '}') break;
        // `${name}` is one variable, its braces are not a block.
        if (ch === '$' && text[i + 1] === '{') {
          const close = text.indexOf('}', i);
          if (close < 0) throw new NginxParseError('unterminated ${…} variable', line);
          word += text.slice(i, close + 1);
          i = close + 1;
          continue;
        }
        // An unquoted backslash keeps the next character in the word (a regex's `\ ` or `\;`).
        if (ch === '\\' && i + 1 < text.length) {
          word += text.slice(i, i + 2);
          i += 2;
          continue;
        }
        word += ch;
        i++;
      }
      if (word.length > MAX_TOKEN) throw new NginxParseError('a word longer than 4096 bytes', line);
      tokens.push({ kind: 'word', text: word, line });
    }
  }
  return tokens;
}

/** The directives of a whole file; throws NginxParseError naming the line nginx -t would. */
export function parseNginxConfig(text: string): NginxDirective[] {
  const tokens = tokenize(text);
  let at = 0;
  const parseList = (depth: number, openedAt: number): NginxDirective[] => {
    const list: NginxDirective[] = [];
    while (at < tokens.length) {
      const first = tokens[at]!;
      if (first.kind === '}') {
        if (depth === 0) throw new NginxParseError('unexpected "}"', first.line);
        at++;
        return list;
      }
      if (first.kind !== 'word') throw new NginxParseError(`unexpected "${first.kind}"`, first.line);
      const directive: NginxDirective = { name: first.text, args: [], line: first.line };
      at++;
      for (;;) {
        const t = tokens[at];
        if (!t) throw new NginxParseError(`unexpected end of file, expecting ";" or "}"`, first.line);
        at++;
        if (t.kind === 'word') directive.args.push(t.text);
        else if (t.kind === ';') break;
        else if (t.kind === '{') {
          if (depth >= 32) throw new NginxParseError('blocks nested deeper than 32', t.line);
          directive.block = parseList(depth + 1, t.line);
          break;
        } else throw new NginxParseError(`unexpected "}" after "${first.text}", expecting ";"`, t.line);
      }
      list.push(directive);
    }
    if (depth > 0) throw new NginxParseError('unexpected end of file, expecting "}"', openedAt);
    return list;
  };
  return parseList(0, 0);
}

/** A word as nginx would re-read it unquoted; otherwise double-quoted with `"` and `\` escaped. */
export function nginxWord(arg: string): string {
  if (arg !== '' && !/[\s;{}#"'\\]/.test(arg)) return arg;
  return `"${arg.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/** One directive (without its block) as config text: `name arg arg`. */
export function directiveText(d: Pick<NginxDirective, 'name' | 'args'>): string {
  return [d.name, ...d.args.map(nginxWord)].join(' ');
}

/**
 * Every directive of a tree as one line per directive prefixed by its enclosing blocks, such as
 * `server > location / > try_files $uri $uri/ =404`: two configs with the same multiset of lines
 * are the same config to nginx, whatever their comments, layout or quoting.
 */
export function flattenDirectives(list: readonly NginxDirective[], context = ''): string[] {
  return flattenWithLines(list, context).map((d) => d.text);
}

/** flattenDirectives with the line each directive was read from, for a report that points at it. */
export function flattenWithLines(
  list: readonly NginxDirective[],
  context = '',
): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  for (const d of list) {
    const text = directiveText(d);
    const full = context ? `${context} > ${text}` : text;
    if (d.block) out.push(...flattenWithLines(d.block, full));
    else out.push({ text: full, line: d.line });
    if (d.block && d.block.length === 0) out.push({ text: `${full} {}`, line: d.line });
  }
  return out;
}

/** The lines of `a` that `b` lacks, counted as multisets (a repeated directive counts each time). */
export function missingFrom(a: readonly string[], b: readonly string[]): string[] {
  const left = new Map<string, number>();
  for (const x of b) left.set(x, (left.get(x) ?? 0) + 1);
  const missing: string[] = [];
  for (const x of a) {
    const n = left.get(x) ?? 0;
    if (n > 0) left.set(x, n - 1);
    else missing.push(x);
  }
  return missing;
}
