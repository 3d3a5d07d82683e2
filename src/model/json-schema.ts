// JSON Schema for editors, generated from the zod schemas so it can never drift from validation.
import { z } from 'zod';
import { KINDS } from './envelope.js';
import { SCHEMAS } from './resource.js';

export function resourceJsonSchema(): Record<string, unknown> {
  const variants = KINDS.map((kind) =>
    z.toJSONSchema(SCHEMAS[kind], { io: 'input', unrepresentable: 'any' }),
  );
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://tend.dev/schema/tend-v1.json',
    title: 'tend/v1 resource',
    oneOf: variants.map((v) => {
      const { $schema: _drop, ...rest } = v as Record<string, unknown>;
      return rest;
    }),
  };
}
