// Which git remotes tend accepts, and how a URL is shown: credentials never ride in a URL (they come
// from key files), and command-running transports (ext::, fd::) are refused outright.
import { TendError } from '../errors/catalogue.js';

const SCHEMES = new Set(['https:', 'http:', 'ssh:', 'git:', 'file:']);
/** `user@host:path`, git's scp-like ssh syntax; a user name is fine, a password cannot be written here. */
const SCP_LIKE = /^(?:[A-Za-z0-9._-]+@)?[A-Za-z0-9.-]+:(?!\/\/)[^\0\s]*$/;

/**
 * Refuses a URL that embeds a password or token (`https://user:tok@host/…`, `https://tok@host/…`),
 * one that could make git run a command, or one that starts with "-" (it would read as an option).
 * ssh URLs may name a user (`ssh://git@host/…`): that is an account, not a secret.
 */
export function checkGitUrl(url: string): void {
  const refuse = (why: string) =>
    new TendError('TEND_ERR_USAGE', `--git: expected a repository URL without credentials; ${why}`);
  if (url === '' || /[\0\r\n\s]/.test(url)) throw refuse('got an empty URL or one with whitespace');
  if (url.startsWith('-')) throw refuse('got one starting with "-"');
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url))
    throw refuse('transports of the form "name::" (ext::, fd::) can run commands and are refused');
  if (url.startsWith('/')) return;
  let parsed: URL | undefined;
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\//.test(url)) {
    try {
      parsed = new URL(url);
    } catch {
      throw refuse('got a URL that does not parse');
    }
    if (!SCHEMES.has(parsed.protocol))
      throw refuse(`got the scheme "${parsed.protocol}" (expected https, http, ssh, git or file)`);
    if (parsed.password !== '')
      throw refuse('this one embeds a password; put an ssh key in --git-ssh-key instead');
    if (parsed.username !== '' && parsed.protocol !== 'ssh:')
      throw refuse('this one embeds a user or token; put an ssh key in --git-ssh-key instead');
    return;
  }
  if (SCP_LIKE.test(url)) return;
  throw refuse('got something that is neither a URL, an absolute path nor user@host:path');
}

/** The URL with any user info removed, for logs and status (defence in depth: checkGitUrl refuses it). */
export function displayUrl(url: string): string {
  return redactCredentials(url);
}

/** Removes `user:secret@` from every URL in a text (git's own messages can echo the remote). */
export function redactCredentials(text: string): string {
  return text.replace(/([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/@\s]*@/g, '$1***@');
}
