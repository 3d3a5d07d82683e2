// `tend terminal open <name>`: prints a one-time login link (60 s, no token in it); `tend terminal
// token <name>`: prints the long-lived token for the page's form, the one explicit way to see it
// (status, events, logs and the API never show it). Both need access to the state dir, i.e. root.
import { TendError } from '../errors/catalogue.js';
import { createRealHost } from '../host/index.js';
import { NAME_PATTERN } from '../model/index.js';
import { StatusStore } from '../state/status-store.js';
import { loginUrl, mintLoginTicket, readTerminalToken } from '../terminal/index.js';
import { COMMON_USAGE, parseCommandArgs, type CommonValues } from './common-args.js';
import type { CliIO } from './io.js';
import { resolveStateDir } from './status.js';

const USAGE =
  `usage: tend terminal open|token <name> ${COMMON_USAGE}\n` +
  '  open:  prints a login link for Terminal/<name> that works once, within 60 seconds\n' +
  '  token: prints the token to type into the page of Terminal/<name>\n';

export interface TerminalCommandDeps {
  /** The clock the link's expiry is counted from (tests). */
  now?: () => number;
}

export async function terminalCommand(
  args: string[],
  io: CliIO,
  deps: TerminalCommandDeps = {},
): Promise<number> {
  const { values: parsed, positionals } = parseCommandArgs(args, {}, USAGE);
  const values = parsed as CommonValues;
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const [sub, name, ...extra] = positionals;
  if ((sub !== 'token' && sub !== 'open') || name === undefined || extra.length > 0) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected "open <name>" or "token <name>", got "${positionals.join(' ')}"\n${USAGE}`,
    );
  }
  if (!NAME_PATTERN.test(name))
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected a Terminal name (a DNS label), got ${JSON.stringify(name)}`,
    );
  const stateDir = resolveStateDir(values, io.cwd);
  const host = createRealHost();
  const token = await readTerminalToken(host, stateDir, name);
  if (sub === 'token') {
    io.stdout(`${token}\n`);
    return 0;
  }
  const status = (await StatusStore.load(host, stateDir)).get(`Terminal/${name}`);
  const url = status?.outputs?.url;
  if (typeof url !== 'string')
    throw new TendError(
      'TEND_ERR_NOT_FOUND',
      `Terminal/${name}: expected its URL in ${stateDir}/status.json, found none; is \`tend serve\` running it?`,
    );
  const now = deps.now ?? (() => Date.now());
  io.stdout(`${loginUrl(url, mintLoginTicket(token, name, now()))}\n`);
  io.stderr('the link works once, within 60 seconds; it sets a login cookie for this Terminal only\n');
  return 0;
}
