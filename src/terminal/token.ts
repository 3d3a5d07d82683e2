// Terminal tokens: 32 random bytes as hex, one per Terminal, in <stateDir>/terminals/<name>.token
// with mode 0600. They are shown only by an explicit command, never in status, events or logs.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { TendError } from '../errors/catalogue.js';
import type { Host } from '../host/index.js';

const TOKEN_PATTERN = /^[0-9a-f]{64}$/;

export const terminalTokenPath = (stateDir: string, name: string) => `${stateDir}/terminals/${name}.token`;

export function generateTerminalToken(): string {
  return randomBytes(32).toString('hex');
}

/** Constant time: both sides are hashed first, so neither content nor length leaks through timing. */
export function terminalTokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}

async function readChecked(host: Host, path: string, name: string): Promise<string | undefined> {
  const stat = await host.fs.stat(path);
  if (!stat) return undefined;
  // Owned by us too: a token someone else planted is never adopted.
  const uid = process.geteuid?.() ?? 0;
  if (!stat.isFile || (stat.mode & 0o077) !== 0 || stat.uid !== uid)
    throw new TendError(
      'TEND_ERR_AUTH',
      `Terminal/${name}: expected the token file ${path} to be a regular file of mode 0600 owned by uid ${uid}, ` +
        `got mode ${stat.mode.toString(8).padStart(4, '0')} owned by uid ${stat.uid}; remove it and tend writes a new one`,
      { path },
    );
  const token = ((await host.fs.readFile(path)) ?? '').trim();
  if (!TOKEN_PATTERN.test(token))
    throw new TendError(
      'TEND_ERR_AUTH',
      `Terminal/${name}: expected 64 hex characters in ${path}, got ${token.length} characters of something else; ` +
        'remove it and tend writes a new one',
      { path },
    );
  return token;
}

/** The Terminal's token, created on first use. Removing the file and restarting rotates it. */
export async function ensureTerminalToken(host: Host, stateDir: string, name: string): Promise<string> {
  const path = terminalTokenPath(stateDir, name);
  const existing = await readChecked(host, path, name);
  if (existing !== undefined) return existing;
  await host.fs.mkdirp(`${stateDir}/terminals`, 0o700);
  const token = generateTerminalToken();
  await host.fs.writeFileAtomic(path, `${token}\n`, 0o600);
  return token;
}

/** For `tend terminal token <name>`: the token of an existing Terminal; never creates one. */
export async function readTerminalToken(host: Host, stateDir: string, name: string): Promise<string> {
  const token = await readChecked(host, terminalTokenPath(stateDir, name), name);
  if (token === undefined)
    throw new TendError(
      'TEND_ERR_NOT_FOUND',
      `Terminal/${name}: expected a token at ${terminalTokenPath(stateDir, name)}, found none; ` +
        'tend writes it when it starts the terminal',
    );
  return token;
}

/** When a Terminal is deleted its token goes too, so a later Terminal of the same name gets a new one. */
export async function removeTerminalToken(host: Host, stateDir: string, name: string): Promise<void> {
  await host.fs.remove(terminalTokenPath(stateDir, name));
}
