// --host-name / --host-label / --host-default: which slice of a fleet tree this host loads (decision 0037).
import { TendError } from '../errors/catalogue.js';
import { HOST_NAME_PATTERN, labelKey, labelValue } from '../model/envelope.js';
import { defaultHostName, type HostSlice } from '../source/host-slice.js';

export { defaultHostName };

export const HOST_FLAGS = {
  'host-name': { type: 'string' },
  'host-label': { type: 'string', multiple: true },
  'host-default': { type: 'string' },
} as const;

export const HOST_USAGE = `  --host-name NAME          this host's name in a fleet: hosts/NAME/ and metadata.hosts (default: hostname)
  --host-label KEY=VALUE    this host's labels, matched by metadata.hostSelector (repeatable)
  --host-default all|none   whether resources naming no host apply here (default all)
`;

/** `flag`: what the name was passed as (`--host` for `tend reconcile`), for the error. */
export function parseHostArgs(
  values: { 'host-name'?: string; 'host-label'?: string[]; 'host-default'?: string },
  flag = '--host-name',
): HostSlice {
  const name = values['host-name'] ?? defaultHostName();
  if (!HOST_NAME_PATTERN.test(name))
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected ${flag} as lowercase letters, digits, "." and "-" (1-63 characters), got "${name}"`,
    );
  const labels: Record<string, string> = {};
  for (const kv of values['host-label'] ?? []) {
    const eq = kv.indexOf('=');
    const [k, v] = eq < 0 ? [kv, undefined] : [kv.slice(0, eq), kv.slice(eq + 1)];
    if (v === undefined || !labelKey.safeParse(k).success || !labelValue.safeParse(v).success)
      throw new TendError(
        'TEND_ERR_USAGE',
        `expected --host-label KEY=VALUE (key: lowercase letters, digits and ._/-; value: letters, digits and ._-), got "${kv}"`,
      );
    labels[k] = v;
  }
  const dflt = values['host-default'] ?? 'all';
  if (dflt !== 'all' && dflt !== 'none')
    throw new TendError('TEND_ERR_USAGE', `expected --host-default all or none, got "${dflt}"`);
  return { name, labels, default: dflt };
}
