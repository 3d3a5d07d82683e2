// A Program's change as an operator reads it, like a file diff for a vhost: which spec fields change,
// and what happens to its running instances. Pure: the fields come from the desired resource and
// from the inventory entry recorded when the Program was last applied.
import { createHash } from 'node:crypto';
import type { Resource } from '../model/index.js';

/** Spec field path (`spec.env.DB_PASS`) → its value as JSON; a secret's value never appears, only a digest. */
export type RuntimeFields = Record<string, string>;

export interface FieldChange {
  field: string;
  /** The value as shown (secrets as "(secret)"); null when the field is new. */
  before: string | null;
  /** Null when the field was removed. */
  after: string | null;
}

/**
 * What the change does to running instances: `start` (created), `stop` (deleted), `rolling`
 * (each instance is replaced, one at a time, once the previous one is ready), `restart` (supervisord
 * restarts the program's processes), `scale` (instances are added or removed; the others keep
 * running), `none` (nothing that runs changes), `unknown` (the applied spec was never recorded).
 */
export type RestartVerdict = 'start' | 'stop' | 'rolling' | 'restart' | 'scale' | 'none' | 'unknown';

export interface RuntimeChange {
  fields: FieldChange[];
  restart: RestartVerdict;
  /** One line: "instances restart one at a time (rolling)". */
  summary: string;
}

const SECRET_PREFIX = 'secret:';

function digest(value: string): string {
  return `${SECRET_PREFIX}${createHash('sha256').update(value).digest('hex').slice(0, 16)}`;
}

function flatten(prefix: string, value: unknown, out: RuntimeFields): void {
  if (value === undefined) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const key of Object.keys(value).sort())
      flatten(`${prefix}.${key}`, (value as Record<string, unknown>)[key], out);
    return;
  }
  out[prefix] = JSON.stringify(value);
}

/**
 * The fields recorded for a runtime resource (a Program): every leaf of its spec, arrays whole. A
 * secret env value is kept only as a digest, so a change is seen and the value never shown or stored.
 */
export function runtimeFieldsOf(resource: Resource): RuntimeFields | undefined {
  if (resource.kind !== 'Program') return undefined;
  const { env, ...rest } = resource.spec;
  const out: RuntimeFields = {};
  flatten('spec', rest, out);
  for (const name of Object.keys(env).sort()) {
    const v = env[name]!;
    out[`spec.env.${name}`] =
      typeof v === 'string' ? JSON.stringify(v) : v.secret ? digest(v.value) : JSON.stringify(v.value);
  }
  return out;
}

const shown = (v: string | undefined): string | null =>
  v === undefined ? null : v.startsWith(SECRET_PREFIX) ? '(secret)' : v;

export function fieldChanges(before: RuntimeFields, after: RuntimeFields): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields
    .filter((f) => before[f] !== after[f])
    .map((field) => {
      const was = shown(before[field]);
      const now = shown(after[field]);
      // Two digests that differ: say it changed, without any part of either value.
      return {
        field,
        before: was,
        after: was === '(secret)' && now === '(secret)' ? '(secret, changed)' : now,
      };
    });
}

const instancesOf = (f: RuntimeFields | undefined) => Number(f?.['spec.instances'] ?? '1');

/** The field a `restartOn: revision` Program carries the desired state's revision in. */
export const REVISION_FIELD = 'spec.env.TEND_REVISION';

/**
 * The runtime part of a Program's change. Native Programs roll on any change but the instance
 * count (the supervisor's instanceGeneration leaves it out); supervisord restarts the program's
 * processes whenever its file changes.
 */
export function runtimeChange(
  action: 'create' | 'update' | 'delete' | 'no-op',
  after: RuntimeFields | undefined,
  before: RuntimeFields | undefined,
  writesFiles = false,
): RuntimeChange | undefined {
  if (action === 'create' && after) {
    const n = instancesOf(after);
    return { fields: fieldChanges({}, after), restart: 'start', summary: `starts ${n} instance(s)` };
  }
  if (action === 'delete') return { fields: [], restart: 'stop', summary: 'every instance stops' };
  if (action !== 'update' || !after) return undefined;
  if (!before)
    return {
      fields: [],
      restart: 'unknown',
      summary:
        'the spec applied before was not recorded (an older tend): instances restart if anything but instances changed',
    };
  const fields = fieldChanges(before, after);
  const supervisord = after['spec.backend'] === '"supervisord"';
  if (fields.length === 0)
    return supervisord && writesFiles
      ? {
          fields,
          restart: 'restart',
          summary: "supervisord restarts the program's processes (its file is rewritten)",
        }
      : { fields, restart: 'none', summary: 'no running instance restarts' };
  // Only the revision a `restartOn: revision` Program runs at (issue 11): the graceful roll.
  if (fields.every((f) => f.field === REVISION_FIELD)) {
    if (fields[0]!.before === null && fields[0]!.after !== null)
      return {
        fields,
        restart: 'unknown',
        summary:
          'the revision applied before was not recorded (an older tend): instances restart one at a time (restartOn: revision) if it changed',
      };
    return {
      fields,
      restart: 'rolling',
      summary:
        'instances restart one at a time (rolling, restartOn: revision: the revision changed), each once the one before is ready',
    };
  }
  if (fields.every((f) => f.field === 'spec.instances')) {
    const from = instancesOf(before);
    const to = instancesOf(after);
    const summary = supervisord
      ? `supervisord restarts the program's processes (instances ${from} → ${to})`
      : `no running instance restarts: instances ${from} → ${to} (${to > from ? 'started' : 'stopped, highest first'})`;
    return { fields, restart: supervisord ? 'restart' : 'scale', summary };
  }
  return supervisord
    ? { fields, restart: 'restart', summary: "supervisord restarts the program's processes" }
    : {
        fields,
        restart: 'rolling',
        summary: 'instances restart one at a time (rolling), each once the one before is ready',
      };
}
