// `tend schema`: print the JSON Schema of tend/v1 resources, generated from the zod schemas.
import { resourceJsonSchema } from '../model/index.js';
import type { Command } from './io.js';

const USAGE =
  'usage: tend schema\n  prints the JSON Schema of tend/v1 resources (Site, Pool, Program, Job, Terminal…) to stdout,\n' +
  '  for editors and CI: e.g. `tend schema > tend.schema.json`\n';

export const schemaCommand: Command = async (args, io) => {
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.length > 0) {
    io.stderr(`tend schema: takes no arguments, got "${args.join(' ')}"\n${USAGE}`);
    return 1;
  }
  io.stdout(`${JSON.stringify(resourceJsonSchema(), null, 2)}\n`);
  return 0;
};
