// `tend terminal token <name>`: prints a Terminal's token, the one explicit way to see it (status,
// events, logs and the API never show it). Reading it needs access to the state dir, i.e. root.
import { parseArgs } from 'node:util';
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { NAME_PATTERN } from '../model/index.js';
import { readTerminalToken } from '../terminal/index.js';
import type { CliIO } from './io.js';
import { resolveStateDir } from './status.js';

const USAGE =
  'usage: tend terminal token <name> [--root DIR] [--profile embedded|system] [--desired-state DIR]\n' +
  '  prints the token a browser must send to open Terminal/<name>\n';

export async function terminalCommand(args: string[], io: CliIO): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        root: { type: 'string' },
        profile: { type: 'string' },
        'desired-state': { type: 'string', short: 'd' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    io.stderr(`tend terminal: ${(err as Error).message}\n${USAGE}`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  if (sub !== 'token' || name === undefined || extra.length > 0) {
    io.stderr(`tend terminal: expected "token <name>", got "${positionals.join(' ')}"\n${USAGE}`);
    return 1;
  }
  if (!NAME_PATTERN.test(name))
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected a Terminal name (a DNS label), got ${JSON.stringify(name)}`,
    );
  const stateDir = resolveStateDir(values, io.cwd);
  io.stdout(`${await readTerminalToken(createRealHost(), stateDir, name)}\n`);
  return 0;
}
