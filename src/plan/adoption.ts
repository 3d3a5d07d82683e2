// An adopting write (spec.adopt: true over a host file tend does not manage) classified directive by
// directive: does taking the file over change what it does, or only add tend's own lines? The host
// file is the plan's "current" side, already read by observation; this stays pure. Lines are masked
// like the diff beside them (decision 0043).
import { compareConfig, directiveKey } from '../directives/compare.js';
import type { ConfigKind } from '../directives/normalise.js';
import type { Kind } from '../model/index.js';
import type { RenderedFile } from '../render/types.js';
import { maskValues, SENSITIVE } from './secrets.js';
import type { Adoption } from './types.js';

/** The kind whose grammar the file is written in, when tend can compare it; undefined otherwise. */
function configKind(kind: Kind, f: RenderedFile): ConfigKind | undefined {
  if (kind === 'Site' && f.service === 'nginx') return 'Site';
  if (kind === 'Pool' && f.service.startsWith('php-fpm@')) return 'Pool';
  if (kind === 'Program' && f.service === 'supervisord') return 'Program';
  return undefined;
}

/** The key of a recorded secret prefix (`env[DB_PASS] = "` → `env[DB_PASS]`). */
const prefixKey = (prefix: string) =>
  prefix.slice(0, prefix.indexOf('=') < 0 ? undefined : prefix.indexOf('=')).trim();

export function adoptionOf(
  kind: Kind,
  name: string,
  f: RenderedFile,
  hostContent: string,
  knownPrefixes: readonly string[] = [],
): Adoption | undefined {
  const config = configKind(kind, f);
  if (!config) return undefined;
  const compared = compareConfig(config, name, hostContent, f.content);
  if (!compared) return undefined;
  const secrets = f.secrets.filter((s) => s.length > 0);
  // A key that holds a secret in tend's file is masked whole on both sides, so the host's old value
  // of it never shows either.
  const sensitive = new Set(knownPrefixes.map(prefixKey));
  for (const line of compared.tendAdds)
    if (secrets.some((s) => line.includes(s))) sensitive.add(directiveKey(config, line));
  const mask = (line: string) => {
    const key = directiveKey(config, line);
    if (sensitive.has(key)) return config === 'Site' ? `${key} ${SENSITIVE}` : `${key} = ${SENSITIVE}`;
    return maskValues(line, secrets);
  };
  return {
    sameDirectives: compared.sameDirectives,
    hostOnly: compared.hostOnly.map(mask),
    tendAdds: compared.tendAdds.map(mask),
  };
}

/** The tend lines that replace a host-only line: the same directive (or key) with another value. */
export function replacing(kind: Kind, adoption: Adoption): string[] {
  const config: ConfigKind = kind === 'Pool' || kind === 'Program' ? kind : 'Site';
  const keys = new Set(adoption.hostOnly.map((l) => directiveKey(config, l)));
  return adoption.tendAdds.filter((l) => keys.has(directiveKey(config, l)));
}
