// The parsed templates a renderer receives as data: mustache sources parsed once, rendered with HTML
// escaping replaced by a guard that refuses control characters, and tidied into stable text.
import Mustache from 'mustache';
import { TendError } from '../errors/catalogue.js';
import { guardInterpolation } from './escape.js';

/** Templates by name: the path under templates/ without `.mustache`, e.g. `nginx/site.conf`. */
export type TemplateSources = Readonly<Record<string, string>>;

export interface TemplateSet {
  readonly names: readonly string[];
  has(name: string): boolean;
  /** Renders a template; every other template is available as a partial (`{{> nginx/partials/x}}`). */
  render(name: string, view: object): string;
  /** Renders a template once into a block that later renders of this set may embed as `{{name}}` on
   * a line of its own (e.g. one server body shared by the HTTP and HTTPS servers). */
  block(name: string, view: object, indent?: string): TemplateBlock;
}

/** Opaque: only the set that rendered a block lets it through its guard, so no caller can pass raw
 * text into a template by dressing it up as a block. */
export interface TemplateBlock {
  readonly name: string;
}

/** The templates this room's renderers need; a set without them is refused when it is built. */
export const REQUIRED_TEMPLATES = ['nginx/site.conf', 'php-fpm/pool.conf'] as const;

const UNTIDY = /^\s|[ \t]\n|\n\n\n|\{\n\n|\n\n[ \t]*\}/;

/** Drops trailing blanks, blank runs and blank lines just inside braces (left by empty sections),
 * in one linear pass so that output is stable and rendering thousands of files stays cheap. */
export function tidy(text: string): string {
  // Well-formed templates already produce tidy text: one native scan proves it and skips the rebuild.
  if (!UNTIDY.test(text) && text.endsWith('\n') && !text.endsWith('\n\n')) return text;
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    const prev = out[out.length - 1];
    if (line === '') {
      if (prev !== undefined && prev !== '' && !prev.endsWith('{')) out.push('');
      continue;
    }
    if (prev === '' && line.trimStart().startsWith('}')) out.pop();
    out.push(line);
  }
  if (out[out.length - 1] === '') out.pop();
  return `${out.join('\n')}\n`;
}

type Token = [string, string, number, number, ...unknown[]];

/** A writer whose partials are parsed once per (name, indentation): stock mustache re-indents and
 * re-keys a partial's whole text on every use, which dominated rendering time. */
class PreparsedWriter extends Mustache.Writer {
  private readonly parsed = new Map<string, string[][]>();

  constructor(private readonly sources: Readonly<Record<string, string>>) {
    super();
  }

  tokensOf(name: string, indentation = ''): string[][] | undefined {
    const cacheKey = `${indentation}\u0000${name}`;
    let tokens = this.parsed.get(cacheKey);
    if (tokens) return tokens;
    const text = this.sources[name];
    if (text === undefined) return undefined;
    const indented = indentation
      ? text
          .split('\n')
          .map((line) => (line.length > 0 ? indentation + line : line))
          .join('\n')
      : text;
    tokens = this.parse(indented) as string[][];
    this.parsed.set(cacheKey, tokens);
    return tokens;
  }

  override renderPartial(
    token: string[],
    context: Mustache.Context,
    partials?: Mustache.PartialsOrLookupFn,
    config?: Mustache.OpeningAndClosingTags | Mustache.RenderOptions,
  ): string {
    const [, name, , , indentation, tagIndex, lineHasNonSpace] = token as unknown as Token;
    // Only standalone partial tags at the start of a line are indented, as in stock mustache.
    const indent =
      tagIndex === 0 && typeof indentation === 'string' && !lineHasNonSpace
        ? indentation.replace(/[^ \t]/g, '')
        : '';
    const tokens = this.tokensOf(name, indent);
    if (!tokens) throw new TendError('TEND_ERR_INTERNAL', `template partial ${name} does not exist`);
    return this.renderTokens(tokens, context, partials, '', config as Mustache.RenderOptions);
  }
}

export function createTemplateSet(
  sources: TemplateSources,
  required: readonly string[] = REQUIRED_TEMPLATES,
): TemplateSet {
  const missing = required.filter((n) => typeof sources[n] !== 'string');
  if (missing.length > 0)
    throw new TendError(
      'TEND_ERR_INTERNAL',
      `templates missing from the template set: ${missing.join(', ')}`,
      {
        missing,
      },
    );
  const partials: Record<string, string> = { ...sources };
  // A private writer keeps tend's parse cache and escape rule away from any other mustache user.
  const writer = new PreparsedWriter(partials);
  for (const [name, text] of Object.entries(partials)) {
    if (/\{\{\s*[{&]/.test(text))
      throw new TendError('TEND_ERR_INTERNAL', `template ${name} uses an unescaped {{{ }}} or {{& }} tag`);
    writer.tokensOf(name);
  }
  const names = Object.freeze(Object.keys(partials).sort());
  const blocks = new WeakMap<object, string>();
  const options = {
    escape: (value: unknown) =>
      typeof value === 'object' && value !== null && blocks.has(value)
        ? (blocks.get(value) as string)
        : guardInterpolation(value),
  };
  const tokensFor = (name: string, indent = '') => {
    const tokens = writer.tokensOf(name, indent);
    if (tokens === undefined)
      throw new TendError('TEND_ERR_INTERNAL', `no template named ${name}; have: ${names.join(', ')}`);
    return tokens;
  };
  return Object.freeze({
    names,
    has: (name: string) => Object.hasOwn(partials, name),
    render(name: string, view: object): string {
      return tidy(writer.renderTokens(tokensFor(name), new Mustache.Context(view), partials, '', options));
    },
    block(name: string, view: object, indent = ''): TemplateBlock {
      if (!/^[ \t]*$/.test(indent)) throw new TendError('TEND_ERR_INTERNAL', 'a block indent must be blanks');
      const text = writer.renderTokens(
        tokensFor(name, indent),
        new Mustache.Context(view),
        partials,
        '',
        options,
      );
      const block = Object.freeze({ name });
      blocks.set(block, text.endsWith('\n') ? text.slice(0, -1) : text);
      return block;
    },
  });
}
