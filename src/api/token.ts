// API tokens: generated with a CSPRNG, kept in a file only its owner can read, compared in constant time.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { TendError } from '../errors/catalogue.js';

const MIN_LENGTH = 16;
/** Printable ASCII without spaces: what survives an HTTP header unchanged. */
const TOKEN_CHARS = /^[\x21-\x7e]+$/;

/** 256 random bits, URL-safe. */
export function generateToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Reads the token from `path`. Refuses a file other users can read or write, an empty file and a
 * token too short to resist guessing. The token itself never appears in an error message.
 */
export async function readTokenFile(path: string): Promise<string> {
  let mode: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new TendError('TEND_ERR_AUTH', `token file ${path} is not a regular file`);
    mode = info.mode & 0o777;
  } catch (err) {
    if (err instanceof TendError) throw err;
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new TendError('TEND_ERR_AUTH', `cannot read the token file ${path}: ${reason}`, { path });
  }
  if ((mode & 0o006) !== 0) {
    throw new TendError(
      'TEND_ERR_AUTH',
      `token file ${path} is readable or writable by every user (mode ${mode.toString(8).padStart(4, '0')}); ` +
        `expected mode 0600: run chmod 600 ${path}`,
      { path, mode },
    );
  }
  const token = (await readFile(path, 'utf8')).trim();
  if (token.length < MIN_LENGTH || !TOKEN_CHARS.test(token)) {
    throw new TendError(
      'TEND_ERR_AUTH',
      `token file ${path} must hold one token of at least ${MIN_LENGTH} printable characters without spaces ` +
        `(got ${token.length} characters)`,
      { path },
    );
  }
  return token;
}

/** Creates a token file with mode 0600; refuses to overwrite an existing file. */
export async function writeTokenFile(path: string, token: string = generateToken()): Promise<string> {
  try {
    await writeFile(path, `${token}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    // A write that failed half way (a full disk) must not leave an empty token behind; EEXIST is
    // someone else's file and stays.
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') await rm(path, { force: true });
    throw err;
  }
  return token;
}

/** Constant-time comparison: both sides are hashed first so that lengths match and leak nothing. */
export function tokensEqual(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b);
}
