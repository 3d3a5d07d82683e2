// Turns zod issues into located, specific messages: what was expected and what was found.
import type { z } from 'zod';
import type { ErrorCode } from '../errors/catalogue.js';
import { describeValue, quote } from './describe.js';
import { allowedKeys, numberBounds } from './schema-walk.js';

type Issue = z.core.$ZodIssue;
type Path = PropertyKey[];

export interface ExplainedIssue {
  code: ErrorCode;
  /** Where the value is; for a bad or unknown key, the mapping that holds it. */
  path: Path;
  /** Set when the error is about a key of the mapping at path rather than a value. */
  key?: string;
  message: string;
}

const UNSAFE = /[\u0000-\u001f\u007f;{}"'`\\$#]|(^|\/)\.\.(\/|$)/;

export function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v = input;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    if (!Object.prototype.hasOwnProperty.call(v, seg)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

/** env values may be secrets: their content is never echoed, only their key. */
export const isSecretPath = (path: readonly PropertyKey[]) =>
  path.length >= 3 && path[0] === 'spec' && path[1] === 'env';

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  int: 'a whole number',
  boolean: 'true or false',
};

export class IssueExplainer {
  constructor(
    private readonly schema: z.ZodType,
    private readonly input: unknown,
  ) {}

  private got(path: Path): string {
    if (isSecretPath(path)) return 'value hidden';
    return describeValue(valueAt(this.input, path));
  }

  private codeFor(issue: Issue, path: Path, text: unknown): ErrorCode {
    if (path.length === 1 && (path[0] === 'apiVersion' || path[0] === 'kind')) return 'TEND_ERR_ENVELOPE';
    const shapeIssue =
      issue.code === 'invalid_format' || issue.code === 'custom' || issue.code === 'invalid_key';
    return shapeIssue && typeof text === 'string' && UNSAFE.test(text)
      ? 'TEND_ERR_UNSAFE_VALUE'
      : 'TEND_ERR_SCHEMA';
  }

  private withGot(message: string, path: Path): string {
    const got = this.got(path);
    return message.includes(got) ? message : `${message}, got ${got}`;
  }

  private isDefault(message: string): boolean {
    return /^(Invalid|Too (big|small)|Unrecognized)/.test(message);
  }

  explain(issues: readonly Issue[], prefix: Path = []): ExplainedIssue[] {
    return issues.flatMap((i) => this.one(i, [...prefix, ...(i.path as Path)]));
  }

  private one(issue: Issue, path: Path): ExplainedIssue[] {
    const value = valueAt(this.input, path);
    const make = (message: string): ExplainedIssue[] => [
      { code: this.codeFor(issue, path, value), path, message },
    ];
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(this.schema, path);
        const expected = allowed.length ? `; expected one of: ${allowed.join(', ')}` : '';
        // A key known to another branch of a union (socket vs TCP listen) is a clash, not a typo.
        return issue.keys.map((k) => ({
          code: 'TEND_ERR_SCHEMA' as const,
          path,
          key: k,
          message: allowed.includes(k)
            ? `key ${quote(k)} cannot be combined with the other keys of this mapping`
            : `unknown key ${quote(k)}${expected}`,
        }));
      }
      case 'invalid_key': {
        const key = String(path[path.length - 1]);
        const inner = issue.issues[0]?.message ?? 'invalid key';
        const code = UNSAFE.test(key) ? 'TEND_ERR_UNSAFE_VALUE' : 'TEND_ERR_SCHEMA';
        return [{ code, path: path.slice(0, -1), key, message: `${inner}, got key ${quote(key)}` }];
      }
      case 'invalid_union':
        return this.union(issue, path);
      case 'invalid_type': {
        const expected = TYPE_NAMES[issue.expected] ?? issue.expected;
        if (value === undefined) return make(`missing required field (expected ${expected})`);
        return make(`expected ${expected}, got ${this.got(path)}`);
      }
      case 'too_big':
      case 'too_small':
        return make(this.bounds(issue, path, value));
      case 'invalid_value': {
        if (!this.isDefault(issue.message)) return make(this.withGot(issue.message, path));
        const values = issue.values.map((v) => (typeof v === 'string' ? v : String(v))).join(', ');
        return make(`expected ${issue.values.length > 1 ? 'one of: ' : ''}${values}, got ${this.got(path)}`);
      }
      default:
        return make(this.withGot(issue.message, path));
    }
  }

  private bounds(issue: Issue & { code: 'too_big' | 'too_small' }, path: Path, value: unknown): string {
    const custom = this.isDefault(issue.message) ? undefined : issue.message;
    if (issue.origin === 'number' || issue.origin === 'int') {
      const b = numberBounds(this.schema, path);
      const what = b?.int ? 'a whole number' : 'a number';
      if (b && b.min !== null && b.max !== null && Number.isFinite(b.min) && Number.isFinite(b.max))
        return `expected ${what} from ${b.min} to ${b.max}, got ${this.got(path)}`;
      const limit = issue.code === 'too_big' ? `≤ ${String(issue.maximum)}` : `≥ ${String(issue.minimum)}`;
      return custom ? this.withGot(custom, path) : `expected ${what} ${limit}, got ${this.got(path)}`;
    }
    const length = Array.isArray(value) || typeof value === 'string' ? value.length : undefined;
    const unit = issue.origin === 'string' ? 'characters' : 'items';
    const bound =
      issue.code === 'too_big'
        ? `at most ${String(issue.maximum)} ${unit}`
        : `at least ${String(issue.minimum)} ${unit}`;
    const got = length === undefined ? this.got(path) : `${length} ${unit}`;
    return `${custom ?? `expected ${bound}`}, got ${got}`;
  }

  private union(issue: Issue & { code: 'invalid_union' }, path: Path): ExplainedIssue[] {
    const disc = (issue as { discriminator?: string; options?: unknown[] }).discriminator;
    if (issue.errors.length === 0) {
      const options = (issue as { options?: unknown[] }).options ?? [];
      const what = disc ? `${disc} to be one of: ${options.map(String).join(', ')}` : 'a valid choice';
      return [{ code: 'TEND_ERR_SCHEMA', path, message: `expected ${what}, got ${this.got(path)}` }];
    }
    // A branch that failed only at its root on type or value did not match at all; any other
    // branch is the one the author meant, so its issues are the useful ones.
    const mismatch = (branch: readonly Issue[]) =>
      branch.every((i) => i.path.length === 0 && (i.code === 'invalid_type' || i.code === 'invalid_value'));
    // Among those, the branch that recognises most of the keys given is the one meant.
    const score = (branch: readonly Issue[]) =>
      branch.reduce((n, i) => n + (i.code === 'unrecognized_keys' ? 10 * i.keys.length : 1), 0);
    const meant = issue.errors
      .filter((b) => !mismatch(b))
      .reduce<readonly Issue[] | undefined>(
        (best, b) => (!best || score(b) < score(best) ? b : best),
        undefined,
      );
    if (meant) return this.explain(meant, path);
    const expected = issue.errors.map((b) => {
      const i = b[0];
      if (i?.code === 'invalid_type') return TYPE_NAMES[i.expected] ?? i.expected;
      if (i?.code === 'invalid_value') return i.values.map(String).join(' or ');
      return 'something else';
    });
    return [
      {
        code: 'TEND_ERR_SCHEMA',
        path,
        message: `expected ${[...new Set(expected)].join(' or ')}, got ${this.got(path)}`,
      },
    ];
  }
}
