// Parses and validates one desired-state file into a plain, serialisable outcome, so that the same
// code runs on the main thread and in the load worker; documents are re-parsed only to locate errors.
import {
  KINDS,
  NAME_PATTERN,
  SCHEMAS,
  generationOf,
  resourceKey,
  type Kind,
  type Resource,
  type ResourceKey,
} from '../model/index.js';
import { describeValue, formatPath } from './describe.js';
import { IssueExplainer } from './issues.js';
import { parseFile, type ParsedDoc } from './parse-file.js';
import { locate, type Position } from './positions.js';
import type { LoadError } from './types.js';

/** A document that passed its schema: where it starts, and its generation. */
export interface CleanDoc {
  /** Index among the file's non-empty documents, to locate paths inside it later. */
  index: number;
  key: ResourceKey;
  resource: Resource;
  line: number;
  col: number;
  generation: string;
}

export interface FileOutcome {
  errors: LoadError[];
  /** True when some document's kind or name cannot be known: the file's contents are unknown. */
  unknown: boolean;
  /** Keys recovered (best effort) from a file that does not parse. */
  recovered: ResourceKey[];
  /** Named documents that fail their schema, in document order, with the position of their name. */
  invalid: { key: ResourceKey; line: number; col: number }[];
  clean: CleanDoc[];
}

const isMapping = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Date);

type DocResult =
  | { ok: true; key: ResourceKey; resource: Resource }
  | { ok: false; key?: ResourceKey; identified: boolean; errors: LoadError[] };

type At = (path: readonly PropertyKey[], keyOf?: string) => Position;

function checkDocument(file: string, parsed: ParsedDoc, at: At): DocResult {
  const { value } = parsed;
  const envelopeError = (path: string[], message: string): DocResult => {
    const p = at(path);
    const field = path.length ? { field: path.join('.') } : {};
    const error: LoadError = { code: 'TEND_ERR_ENVELOPE', file, line: p.line, col: p.col, ...field, message };
    return { ok: false, identified: false, errors: [error] };
  };
  if (!isMapping(value))
    return envelopeError(
      [],
      `expected a mapping with apiVersion, kind, metadata and spec, got ${describeValue(value)}`,
    );
  if (!(KINDS as readonly unknown[]).includes(value.kind))
    return envelopeError(['kind'], `expected kind ${KINDS.join(', ')}, got ${describeValue(value.kind)}`);
  const kind = value.kind as Kind;
  const name = isMapping(value.metadata) ? value.metadata.name : undefined;
  const key = typeof name === 'string' && NAME_PATTERN.test(name) ? resourceKey(kind, name) : undefined;
  const schema = SCHEMAS[kind];
  const result = schema.safeParse(value);
  if (result.success) return { ok: true, key: key!, resource: result.data };
  const errors = new IssueExplainer(schema, value).explain(result.error.issues).map((i): LoadError => {
    const p = at(i.path, i.key);
    const fieldPath = i.key === undefined ? i.path : [...i.path, i.key];
    return {
      code: i.code,
      file,
      line: p.line,
      col: p.col,
      ...(key ? { key } : {}),
      ...(fieldPath.length ? { field: formatPath(fieldPath) } : {}),
      message: i.message,
    };
  });
  return { ok: false, key, identified: key !== undefined, errors };
}

export function checkFile(file: string, text: string): FileOutcome {
  const out: FileOutcome = { errors: [], unknown: false, recovered: [], invalid: [], clean: [] };
  const parsed = parseFile(file, text);
  if (!parsed.ok) {
    out.errors = parsed.errors;
    out.unknown = true;
    out.recovered = parsed.recoveredKeys;
    return out;
  }
  parsed.docs.forEach((d, index) => {
    const at: At = (path, keyOf) => locate(d.doc, parsed.lineCounter, path, keyOf);
    const r = checkDocument(file, d, at);
    if (r.ok) {
      const p = at([]);
      const generation = generationOf(r.resource);
      out.clean.push({ index, key: r.key, resource: r.resource, line: p.line, col: p.col, generation });
      return;
    }
    out.errors.push(...r.errors);
    if (!r.identified) out.unknown = true;
    if (r.key) {
      const p = at(['metadata', 'name']);
      out.invalid.push({ key: r.key, line: p.line, col: p.col });
    }
  });
  return out;
}

/**
 * Locates paths inside the documents of a file that parsed cleanly before. The file is parsed again
 * on first use only: errors found after the schema (cross rules) are rare, and keeping every
 * document alive until then would cost more than parsing the few files that need it.
 */
export function lazyLocator(
  file: string,
  text: string,
): (index: number) => (path: readonly PropertyKey[]) => Position {
  let parsed: ReturnType<typeof parseFile> | undefined;
  return (index) => (path) => {
    parsed ??= parseFile(file, text);
    const doc = parsed.ok ? parsed.docs[index] : undefined;
    if (!parsed.ok || !doc) throw new Error(`internal: ${file} no longer parses the same way`);
    return locate(doc.doc, parsed.lineCounter, path);
  };
}
