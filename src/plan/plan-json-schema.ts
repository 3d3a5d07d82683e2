// The documented plan format (docs/plan-json.md, formatVersion 1) as a schema: `tend reconcile
// --plan --json` and `GET /v1/plan` are both checked against it, so the two cannot drift apart.
import { z } from 'zod';

const action = z.enum(['create', 'update', 'delete', 'no-op']);

export const jsonFileSchema = z.strictObject({
  path: z.string(),
  op: z.enum(['write', 'remove', 'link', 'unlink']),
  diff: z.string(),
  target: z.string().nullable(),
  /** An adopting write, compared directive by directive with the host file; null otherwise. */
  adoption: z
    .strictObject({
      sameDirectives: z.boolean(),
      hostOnly: z.array(z.string()),
      tendAdds: z.array(z.string()),
    })
    .nullable(),
});

export const jsonChangeSchema = z.strictObject({
  key: z.string().regex(/^[A-Z][A-Za-z]+\/[a-z0-9-]+$/),
  kind: z.string(),
  name: z.string(),
  actions: z.tuple([action]),
  reason: z.string(),
  generation: z.string().nullable(),
  blocked: z.strictObject({ code: z.string(), message: z.string() }).nullable(),
  services: z.array(z.string()),
  files: z.array(jsonFileSchema),
  /** A Program's field diff and what happens to its instances; null for other kinds. */
  runtime: z
    .strictObject({
      fields: z.array(
        z.strictObject({ field: z.string(), before: z.string().nullable(), after: z.string().nullable() }),
      ),
      restart: z.string(),
      summary: z.string(),
    })
    .nullable(),
});

export const planJsonSchema = z.strictObject({
  formatVersion: z.literal(1),
  revision: z.string().nullable(),
  summary: z.strictObject({
    create: z.number().int(),
    update: z.number().int(),
    delete: z.number().int(),
    noop: z.number().int(),
    blocked: z.number().int(),
  }),
  pruneHeld: z
    .strictObject({ reason: z.string(), keys: z.array(z.string()), code: z.string().nullable() })
    .nullable(),
  changes: z.array(jsonChangeSchema),
  warnings: z.array(z.strictObject({ key: z.string(), message: z.string() })),
});

/** GET /v1/plan: the same document plus when the daemon computed it. */
export const servedPlanJsonSchema = planJsonSchema.extend({ computedAt: z.string().optional() });
