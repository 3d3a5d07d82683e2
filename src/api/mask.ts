// Defensive secret masking for everything the API serves: any `{ value, secret: true }` (an env
// entry marked secret) is replaced, wherever it sits, even if the controller already masked it.
export const MASKED = '(sensitive)';

const MAX_DEPTH = 64;

function isSecretEntry(value: Record<string, unknown>): boolean {
  return value.secret === true && 'value' in value;
}

/** Returns a copy of `value` with every secret entry's value replaced by "(sensitive)". */
export function maskSecrets<T>(value: T, depth = 0): T {
  if (depth > MAX_DEPTH) return MASKED as T;
  if (Array.isArray(value)) return value.map((item) => maskSecrets(item, depth + 1)) as T;
  if (value === null || typeof value !== 'object') return value;
  const source = value as Record<string, unknown>;
  if (isSecretEntry(source)) return { ...source, value: MASKED } as T;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source)) out[key] = maskSecrets(item, depth + 1);
  return out as T;
}

/** Replaces every occurrence of each secret value in `text`, longest first. */
export function maskValues(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of [...secrets].filter((s) => s.length > 0).sort((a, b) => b.length - a.length)) {
    out = out.split(secret).join(MASKED);
  }
  return out;
}
