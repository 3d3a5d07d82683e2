// The resource union, the schema per kind, and the generation hash that says "this spec was applied".
import * as crypto from 'node:crypto';
import { z } from 'zod';
import { type Kind, type ResourceKey, resourceKey } from './envelope.js';
import { poolResource, type Pool } from './pool.js';
import { programResource, type Program } from './program.js';
import { siteResource, type Site } from './site.js';
import { terminalResource, type Terminal } from './terminal.js';
import { jobResource, type Job } from './job.js';
import { issuerResource, type Issuer } from './issuer.js';
import { frozenMemo } from './frozen-memo.js';

export type Resource = Site | Pool | Program | Terminal | Job | Issuer;
export type ResourceOf<K extends Kind> = Extract<Resource, { kind: K }>;

export const SCHEMAS: Record<Kind, z.ZodType<Resource>> = {
  Site: siteResource as z.ZodType<Resource>,
  Pool: poolResource as z.ZodType<Resource>,
  Program: programResource as z.ZodType<Resource>,
  Terminal: terminalResource as z.ZodType<Resource>,
  Job: jobResource as z.ZodType<Resource>,
  Issuer: issuerResource as z.ZodType<Resource>,
};

export function keyOf(resource: Resource): ResourceKey {
  return resourceKey(resource.kind, resource.metadata.name);
}

/**
 * Canonical JSON (sorted keys) so that the hash ignores key order in the YAML. Built by plain
 * concatenation: this runs for every resource on every plan, and entries/filter/map/join per object
 * cost several times more. An undefined array element prints as nothing, as join() would print it.
 */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += `${i ? ',' : ''}${canonical(value[i]) ?? ''}`;
    return `${out}]`;
  }
  if (value && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    // Default sort compares UTF-16 code units, the same order as comparing keys with < and >.
    const keys = Object.keys(obj).sort();
    let out = '{';
    for (const k of keys) {
      const v = obj[k];
      if (v === undefined) continue;
      out += `${out.length > 1 ? ',' : ''}${JSON.stringify(k)}:${canonical(v)}`;
    }
    return `${out}}`;
  }
  return JSON.stringify(value);
}

/**
 * observedGeneration: a short hash of the defaulted spec and labels. Every field takes part. A daemon
 * asks for it several times a pass (plan, supervisor, status): a loaded resource is hashed once.
 */
export const generationOf: (resource: Resource) => string = frozenMemo(hashGeneration);

function hashGeneration(resource: Resource): string {
  const text = canonical({ spec: resource.spec, labels: resource.metadata.labels });
  // crypto.hash (node ≥ 20.12) is the one-shot form, a few times cheaper than a Hash object per call.
  const hex =
    typeof crypto.hash === 'function'
      ? crypto.hash('sha256', text, 'hex')
      : crypto.createHash('sha256').update(text).digest('hex');
  return hex.slice(0, 16);
}
