// One parser for the options every command shares (-d, --root, --profile, --http-port, --web-base,
// --json, --help), so that any command accepts what locates a root, and an unknown option is
// refused with the closest known one ("did you mean").
import { parseArgs } from 'node:util';
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { findDaemon, type Daemon } from './client.js';
import { resolveStateDir } from './status.js';
import { didYouMean } from './suggest.js';

type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean };

export const COMMON_OPTIONS = {
  'desired-state': { type: 'string', short: 'd' },
  root: { type: 'string' },
  profile: { type: 'string' },
  'http-port': { type: 'string' },
  'web-base': { type: 'string', multiple: true },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Record<string, OptionSpec>;

export const COMMON_USAGE = '[-d DIR] [--root DIR] [--profile embedded|system] [--json]';

type Values = Record<string, string | boolean | string[] | undefined>;

/** The common options as parsed: a command casts to this plus its own extra options. */
export interface CommonValues {
  'desired-state'?: string;
  root?: string;
  profile?: string;
  'http-port'?: string;
  'web-base'?: string[];
  json?: boolean;
  help?: boolean;
}

/** parseArgs with the common options plus `extra`; a usage error names the nearest option. */
export function parseCommandArgs(
  args: string[],
  extra: Record<string, OptionSpec>,
  usage: string,
): { values: Values; positionals: string[] } {
  const options = { ...COMMON_OPTIONS, ...extra };
  try {
    const { values, positionals } = parseArgs({ args, options, strict: true, allowPositionals: true });
    return { values: values as Values, positionals };
  } catch (err) {
    const message = (err as Error).message;
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(message)?.[1];
    const names = Object.keys(options).map((n) => `--${n}`);
    const hint = unknown ? didYouMean(unknown, names) : '';
    throw new TendError('TEND_ERR_USAGE', `${message.split('. ')[0]}${hint}\n${usage}`);
  }
}

/** The running `tend serve` of the root these options name, or a clear error saying none runs. */
export async function requireDaemon(values: CommonValues, cwd: string, forWhat: string): Promise<Daemon> {
  const stateDir = resolveStateDir(values, cwd);
  const daemon = await findDaemon(createRealHost(), stateDir);
  if (!daemon)
    throw new TendError(
      'TEND_ERR_NOT_FOUND',
      `expected a running \`tend serve\` for ${stateDir} to ${forWhat}, found none`,
    );
  return daemon;
}
