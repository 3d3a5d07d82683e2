// `tend schema`: print the JSON Schema of tend/v1 resources, generated from the zod schemas.
import { resourceJsonSchema } from '../model/index.js';
import type { Command } from './io.js';

export const schemaCommand: Command = async (_args, io) => {
  io.stdout(`${JSON.stringify(resourceJsonSchema(), null, 2)}\n`);
  return 0;
};
