// Safe, one-line renderings of hostile input for error messages, and the `file:line:col` formatter.
import type { LoadError } from './types.js';

const MAX_SHOWN = 40;

/** Escapes every control, C1, bidi and line-separator character so output stays one honest line. */
export function escapeText(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (
      c < 0x20 ||
      (c >= 0x7f && c <= 0x9f) ||
      (c >= 0x2028 && c <= 0x202e) ||
      (c >= 0x2066 && c <= 0x2069)
    )
      out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return out;
}

/** A quoted, escaped and truncated rendering of a string. */
export function quote(s: string, max = MAX_SHOWN): string {
  const chars = [...s];
  if (chars.length <= max) return `"${escapeText(s)}"`;
  return `"${escapeText(chars.slice(0, max).join(''))}…" (${chars.length} characters)`;
}

/** What was found, for "got …" phrases. Never called on secret values. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'an empty value';
  if (typeof v === 'string') return quote(v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `a list of ${v.length}`;
  if (v instanceof Date) return 'a date';
  if (typeof v === 'object') return 'a mapping';
  return typeof v;
}

const PLAIN_SEGMENT = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

/** `spec.pm.maxChildren`, `spec.domains[2]`, `spec.env["A;B"]`: hostile keys are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (typeof seg === 'string' && PLAIN_SEGMENT.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${quote(String(seg))}]`;
  }
  return out;
}

/** `file:line:col: Kind/name: field.path: message`, leaving out whatever is unknown. */
export function formatLoadError(e: LoadError): string {
  const parts: string[] = [];
  let where = escapeText(e.file);
  if (e.line > 0) where += `:${e.line}:${e.col}`;
  parts.push(where);
  if (e.key) parts.push(e.key);
  if (e.field) parts.push(e.field);
  parts.push(e.message);
  return parts.join(': ');
}
