// Typed escapers for every value interpolated into nginx and php-fpm configs: each quotes where the
// format allows and refuses (TEND_ERR_UNSAFE_VALUE) whatever could leave its token, line or block.
import { TendError } from '../errors/catalogue.js';
import { durationMs, extraDirectiveProblem } from '../model/index.js';

const CONTROL = /[\u0000-\u001f\u007f]/;

export interface EscapeOptions {
  /** Redacts the value from the error message (secret env values). */
  secret?: boolean;
}

function refuse(what: string, value: unknown, expected: string, opts: EscapeOptions = {}): never {
  const shown =
    opts.secret && typeof value === 'string'
      ? `a secret of ${value.length} characters`
      : JSON.stringify(value);
  throw new TendError('TEND_ERR_UNSAFE_VALUE', `${what}: expected ${expected}, got ${shown}`, {
    what,
    ...(opts.secret ? {} : { value }),
  });
}

function matching(what: string, value: unknown, pattern: RegExp, expected: string): string {
  if (typeof value !== 'string' || !pattern.test(value)) refuse(what, value, expected);
  return value;
}

// ---- nginx ----------------------------------------------------------------------------------

/** nginx splits words on blanks, ";", "{", "}", starts quotes at "\"" and "'", comments at "#",
 * expands "$" and escapes with "\": none of those may appear in a bare token. */
const NGINX_TOKEN = /^[A-Za-z0-9._~/:@+=,%*!?^()[\]|&<>-]+$/;

export function nginxToken(value: string, what = 'nginx token'): string {
  matching(what, value, NGINX_TOKEN, 'a single nginx word without blanks, quotes, ";{}#$\\"');
  // Tokens name files and upstreams relative to somewhere; none of them may climb out of it.
  if (value.includes('..')) refuse(what, value, 'a word without ".."');
  return value;
}

/** A double-quoted nginx string: `\` and `"` are escaped; `$` cannot be made literal, so it is refused. */
export function nginxQuoted(value: string, what = 'nginx string'): string {
  if (typeof value !== 'string' || CONTROL.test(value) || value.includes('$'))
    refuse(what, value, 'text without control characters or "$"');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

const PATH = /^\/[A-Za-z0-9._/@+=,~-]*$/;
function pathSafe(value: string, what: string): string {
  matching(what, value, PATH, 'an absolute path of letters, digits and ._/@+=,~- only');
  if (value.split('/').some((seg) => seg === '..' || seg === '.'))
    refuse(what, value, 'a normalised path without "." or ".." segments');
  return value;
}

export function nginxPath(value: string, what = 'nginx path'): string {
  return pathSafe(value, what);
}

const SERVER_NAME = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
export function nginxServerName(value: string): string {
  const lower = typeof value === 'string' ? value.toLowerCase() : value;
  return matching('server_name', lower, SERVER_NAME, 'a hostname such as shop.example.com or *.example.com');
}

export function nginxSize(value: string, what = 'nginx size'): string {
  return matching(what, value, /^\d{1,10}[kKmMgG]?$/, 'a size such as 512k, 10m or 1g');
}

export function nginxUrlPath(value: string, what = 'URL path'): string {
  matching(what, value, /^\/[A-Za-z0-9._~/%-]*$/, 'a URL path of letters, digits and ._~/%- only');
  if (value.split('/').includes('..')) refuse(what, value, 'a URL path without ".." segments');
  return value;
}

/** A redirect target: a local path or an absolute http(s) URL, written as a bare word. */
export function nginxRedirectTarget(value: string, what = 'redirect target'): string {
  return matching(
    what,
    value,
    /^(https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?)?\/[A-Za-z0-9._~/%?=&-]*$/,
    'a path or an http(s) URL of letters, digits and ._~/%?=&- only',
  );
}

export function nginxHeaderName(value: string): string {
  return matching('header name', value, /^[A-Za-z0-9-]{1,64}$/, 'an HTTP header name (letters, digits, "-")');
}

/** An upstream URL for proxy_pass: scheme, host, optional port and path; nothing nginx would expand. */
export function nginxProxyUrl(value: string): string {
  return matching(
    'proxy URL',
    value,
    /^https?:\/\/([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\])(:\d{1,5})?(\/[A-Za-z0-9._~/%-]*)?$/,
    'an http(s) URL such as http://127.0.0.1:3000',
  );
}

export function portNumber(value: number, what = 'port'): number {
  if (!Number.isInteger(value) || value < 1 || value > 65535) refuse(what, value, 'a port from 1 to 65535');
  return value;
}

/** `address:port` for listen, fastcgi_pass and upstream servers; IPv6 addresses get their brackets. */
export function hostPort(address: string, port: number, what = 'address'): string {
  const v4 = /^\d{1,3}(\.\d{1,3}){3}$/;
  const v6 = /^[0-9a-fA-F:]+$/;
  if (typeof address !== 'string' || !(v4.test(address) || (v6.test(address) && address.includes(':'))))
    refuse(what, address, 'an IPv4 or IPv6 address');
  const host = address.includes(':') ? `[${address}]` : address;
  return `${host}:${portNumber(port, what)}`;
}

/** One extra directive written as `directive;`: its arguments may use variables, but nothing that
 * ends the statement, opens or closes a block, starts a quote or comment, or escapes any of those. */
export function nginxDirective(value: string): string {
  const expected =
    'one nginx directive without ";", "{", "}", quotes, "#", control characters or a dangling "\\"';
  if (typeof value !== 'string' || !/^[a-z_][a-z0-9_]*( [^\s;{}"'#]*)*$/.test(value))
    refuse('extra directive', value, expected);
  if (CONTROL.test(value) || /\\([^A-Za-z0-9.^$()|*+?[\]/-]|$)/.test(value))
    refuse('extra directive', value, expected);
  const problem = extraDirectiveProblem(value);
  if (problem) refuse('extra directive', value, `an allowed directive (${problem})`);
  return value;
}

// ---- php-fpm (the Zend ini scanner, one line at a time) ---------------------------------------

/** A pool section name. `[global]` would switch php-fpm to its global options, so it is refused. */
export function iniSection(value: string): string {
  matching('pool name', value, /^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits and _.- only');
  if (value.toLowerCase() === 'global')
    refuse('pool name', value, 'any name but "global" (php-fpm reserves it)');
  return value;
}

/** The key inside `php_admin_value[…]` or `env[…]`. */
export function iniKey(value: string, what = 'ini key'): string {
  return matching(what, value, /^[A-Za-z0-9_.]{1,128}$/, 'letters, digits, "_" and "." only');
}

/** A double-quoted ini string. Inside quotes the scanner unescapes `\\`, `\"` and `\$` (so `${…}` is
 * never expanded) and treats `;`, `#` and `=` as text; control characters have no safe spelling. */
export function iniQuoted(value: string, what = 'ini value', opts: EscapeOptions = {}): string {
  if (typeof value !== 'string' || CONTROL.test(value))
    refuse(what, value, 'text without newlines, NUL or other control characters', opts);
  return `"${value.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

export function iniPath(value: string, what = 'path'): string {
  return iniQuoted(pathSafe(value, what), what);
}

export function iniInt(value: number, what = 'number'): string {
  if (!Number.isSafeInteger(value) || value < 0) refuse(what, value, 'a whole number ≥ 0');
  return String(value);
}

export function iniName(value: string, what = 'user or group'): string {
  return matching(what, value, /^[a-z_][a-z0-9_-]{0,31}$/, 'a system user or group name');
}

export function iniMode(value: string): string {
  matching('listen.mode', value, /^0?[0-7]{3}$/, 'an octal mode such as 0660');
  return value.length === 3 ? `0${value}` : value;
}

/** php-fpm time values take s/m/h/d, not ms: round sub-second durations up to whole seconds. */
export function iniSeconds(value: string, what = 'duration'): string {
  const ms = durationMs(value);
  if (!Number.isFinite(ms) || ms < 0) refuse(what, value, 'a duration such as 30s or 5m');
  return `${Math.ceil(ms / 1000)}s`;
}

/** The last line of defence, run by the template engine on every interpolated value: nothing with a
 * line break or control character reaches a config, whatever a view builder forgot. */
export function guardInterpolation(value: unknown): string {
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value !== 'string')
    throw new TendError(
      'TEND_ERR_INTERNAL',
      `template value must be a string or number, got ${typeof value}`,
    );
  // A value that got this far unescaped may be a secret: its text stays out of the error.
  if (CONTROL.test(value))
    refuse('template value', value, 'a value without control characters', { secret: true });
  return value;
}
