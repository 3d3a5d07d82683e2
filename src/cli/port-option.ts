// Port options on the command line (--http-port, --https-port): digits only, 1-65535, and a usage
// error that names the option. One rule for every command that takes one.
import { TendError } from '../errors/catalogue.js';

/** A TCP port as given on the command line (digits, 1-65535), or undefined when it is not one. */
export function portNumber(text: string): number | undefined {
  const port = Number(text);
  return /^\d{1,5}$/.test(text) && port >= 1 && port <= 65535 ? port : undefined;
}

/** What is wrong with an optional port option (--http-port), or undefined when absent or valid. */
export function portOptionProblem(text: string | undefined, flag: string): string | undefined {
  if (text === undefined || portNumber(text) !== undefined) return undefined;
  return `expected ${flag} between 1 and 65535, got "${text}"`;
}

/** An optional port option (--http-port): undefined when absent, a usage error naming it when invalid. */
export function portOption(text: string | undefined, flag: string): number | undefined {
  const problem = portOptionProblem(text, flag);
  if (problem !== undefined) throw new TendError('TEND_ERR_USAGE', problem);
  return text === undefined ? undefined : portNumber(text);
}
