// Parses one desired-state file into YAML documents with positions, or says why its contents are unknown.
import { LineCounter, parseAllDocuments, visit, type Document } from 'yaml';
import { KINDS, NAME_PATTERN, resourceKey, type ResourceKey } from '../model/index.js';
import { escapeText } from './describe.js';
import type { LoadError } from './types.js';
import { LIMITS } from './types.js';

export interface ParsedDoc {
  doc: Document;
  value: unknown;
}

export type ParsedFile =
  | { ok: true; docs: ParsedDoc[]; lineCounter: LineCounter }
  | { ok: false; errors: LoadError[]; recoveredKeys: ResourceKey[] };

/** yaml's messages carry a snippet of the source line, which could hold a secret: keep the reason only. */
function reason(message: string): string {
  const first = message.split('\n')[0] ?? message;
  return first.replace(/ at line \d+, column \d+:?$/, '');
}

/** Best effort: the kind and name of each document in a file that does not parse, so the planner holds them. */
export function recoverKeys(text: string): ResourceKey[] {
  const keys: ResourceKey[] = [];
  for (const chunk of text.split(/^---.*$/m)) {
    const kind = /^kind:\s*["']?([A-Za-z]+)["']?\s*(#.*)?$/m.exec(chunk)?.[1];
    const meta = /^metadata:\s*$([\s\S]*)/m.exec(chunk)?.[1];
    const name =
      /^[ \t]+name:\s*["']?([a-z0-9-]+)["']?\s*(#.*)?$/m.exec(meta ?? '')?.[1] ??
      /^metadata:\s*\{.*\bname:\s*["']?([a-z0-9-]+)["']?/m.exec(chunk)?.[1];
    if (kind && name && (KINDS as readonly string[]).includes(kind) && NAME_PATTERN.test(name))
      keys.push(resourceKey(kind as (typeof KINDS)[number], name));
  }
  return [...new Set(keys)];
}

export function parseFile(file: string, text: string): ParsedFile {
  const lineCounter = new LineCounter();
  const fail = (errors: LoadError[]): ParsedFile => ({ ok: false, errors, recoveredKeys: recoverKeys(text) });
  let docs: Document[];
  try {
    const all = parseAllDocuments(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
    docs = Array.isArray(all) ? all : [];
  } catch (err) {
    // Pathological nesting can exhaust the parser's stack; that is a bad file, not a crash.
    const why = err instanceof RangeError ? 'nesting too deep' : reason(String(err));
    return fail([
      { code: 'TEND_ERR_YAML_SYNTAX', file, line: 1, col: 1, message: `cannot parse YAML (${why})` },
    ]);
  }
  if (docs.length > LIMITS.maxDocumentsPerFile)
    return fail([
      {
        code: 'TEND_ERR_SOURCE_LIMIT',
        file,
        line: 0,
        col: 0,
        message: `expected at most ${LIMITS.maxDocumentsPerFile} documents in a file, got ${docs.length}`,
      },
    ]);
  const errors: LoadError[] = [];
  for (const doc of docs)
    for (const e of doc.errors) {
      // e.pos is always set; linePos only when yaml could attach it (not for unresolved aliases).
      const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
      errors.push({
        code: 'TEND_ERR_YAML_SYNTAX',
        file,
        line: pos.line,
        col: pos.col,
        message: reason(e.message),
      });
    }
  // An alias without an anchor only surfaces when converting, without a position: find it first.
  // Every alias is written with "*", so a file without one needs no walk over its nodes.
  if (text.includes('*'))
    for (const doc of docs)
      visit(doc, {
        Alias(_, node) {
          if (node.resolve(doc)) return;
          const pos = lineCounter.linePos(node.range?.[0] ?? 0);
          errors.push({
            code: 'TEND_ERR_YAML_SYNTAX',
            file,
            line: pos.line,
            col: pos.col,
            message: `alias *${escapeText(node.source.slice(0, 64))} has no anchor before it`,
          });
        },
      });
  if (errors.length) return fail(errors);
  const parsed: ParsedDoc[] = [];
  for (const doc of docs) {
    if (doc.contents === null) continue;
    try {
      const value: unknown = doc.toJS({ maxAliasCount: LIMITS.maxAliasCount });
      // A document of only comments, or a bare "---", is empty: nothing is declared there.
      if (value !== null && value !== undefined) parsed.push({ doc, value });
    } catch (err) {
      const pos = lineCounter.linePos((doc.contents as { range?: number[] }).range?.[0] ?? 0);
      const why = err instanceof Error ? reason(err.message) : 'cannot be converted';
      return fail([
        {
          code: 'TEND_ERR_YAML_SYNTAX',
          file,
          line: pos.line,
          col: pos.col,
          message: `document cannot be expanded (${why}); at most ${LIMITS.maxAliasCount} alias expansions are allowed`,
        },
      ]);
    }
  }
  return { ok: true, docs: parsed, lineCounter };
}
