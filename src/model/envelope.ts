// The Kubernetes-style envelope every resource shares: apiVersion, kind, metadata and spec.
import { z } from 'zod';
import { name } from './primitives.js';

export const API_VERSION = 'tend/v1';
export const KINDS = ['Site', 'Pool', 'Program', 'Terminal', 'Job', 'Issuer'] as const;
export type Kind = (typeof KINDS)[number];

const labelKey = z.string().regex(/^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/, {
  message: 'expected a label key: lowercase letters, digits and ._/-',
});
const labelValue = z.string().regex(/^[A-Za-z0-9._-]{0,63}$/, {
  message: 'expected a label value: letters, digits and ._-, at most 63 characters',
});

/** A host's name in a fleet (`--host-name`, `hosts/<name>/`): a lowercase hostname, dots allowed. */
export const HOST_NAME_PATTERN = /^[a-z0-9]([a-z0-9.-]{0,61}[a-z0-9])?$/;
const hostName = z.string().regex(HOST_NAME_PATTERN, {
  message: 'expected a host name: lowercase letters, digits, "." and "-", 1-63 characters',
});
export { labelKey, labelValue };

export const metadata = z.strictObject({
  name: name(),
  labels: z.record(labelKey, labelValue).default({}),
  /** Host slices (docs/decisions/0037): the hosts this resource applies to, by name… */
  hosts: z
    .array(hostName)
    .min(1, { message: 'expected at least one host name (omit hosts to use --host-default)' })
    .refine((h) => new Set(h).size === h.length, { message: 'expected each host name once' })
    .optional(),
  /** …or by labels: every key must equal the host's --host-label of that key. */
  hostSelector: z
    .record(labelKey, labelValue)
    .refine((s) => Object.keys(s).length > 0, {
      message: 'expected at least one label in hostSelector (an empty selector would match every host)',
    })
    .optional(),
});

/** `meta`: a kind that reserves some names passes metadata with a stricter name (see pool.ts). */
export function envelope<K extends Kind, S extends z.ZodType, M extends z.ZodType = typeof metadata>(
  kind: K,
  spec: S,
  meta: M = metadata as unknown as M,
) {
  return z.strictObject({
    apiVersion: z.literal(API_VERSION, { message: `expected apiVersion: ${API_VERSION}` }),
    kind: z.literal(kind),
    metadata: meta,
    spec,
  });
}

/** `Site/shop`: how a resource is named everywhere (plans, status, inventory, API). */
export type ResourceKey = `${Kind}/${string}`;
export function resourceKey(kind: Kind, resourceName: string): ResourceKey {
  return `${kind}/${resourceName}`;
}
export function parseResourceKey(key: string): { kind: Kind; name: string } | undefined {
  const [kind, resourceName, ...rest] = key.split('/');
  if (rest.length > 0 || !resourceName || !KINDS.includes(kind as Kind)) return undefined;
  return { kind: kind as Kind, name: resourceName };
}
