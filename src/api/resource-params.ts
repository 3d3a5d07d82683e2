// The `:kind/:name` of every per-resource route, checked the same way: a known kind and a DNS label,
// refused with the field named before anything is looked up or acted on.
import { TendError } from '../errors/catalogue.js';
import { KINDS, NAME_PATTERN, type Kind } from '../model/index.js';

export const KIND_HELP = `one of ${KINDS.join(', ')}`;

/** Validates a path's kind and name; the lookup itself stays with the caller. */
export function checkKindAndName(kind: string, name: string): { kind: Kind; name: string } {
  if (!KINDS.includes(kind as Kind)) {
    throw new TendError('TEND_ERR_USAGE', `params.kind: expected ${KIND_HELP}; got "${kind.slice(0, 64)}"`);
  }
  if (!NAME_PATTERN.test(name)) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `params.name: expected a DNS label (lowercase letters, digits, "-")`,
    );
  }
  return { kind: kind as Kind, name };
}
