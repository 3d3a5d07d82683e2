// Renders a Program with `backend: supervisord` into a [program:x] file, escaping every value for the
// three parsers it crosses: configparser (inline `;`/`#` comments), `%` expansion, and shlex.
import { TendError } from '../errors/catalogue.js';
import type { Layout } from '../layout/layout.js';
import { withinCeiling } from '../layout/log-ceiling.js';
import { durationMs, envIsSecret, envPlain, resourceKey, sizeBytes, type Program } from '../model/index.js';
import { managedHeader, type Rendered, type RenderedFile } from './types.js';

export interface SupervisordRenderOptions {
  /** The resolved base port (a fixed port or an allocated lease); passed to the program as PORT. */
  port?: number;
}

/** supervisord's linear backoff adds one second per retry; retries beyond this give no extra wait. */
const MAX_START_RETRIES = 100;
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
const SAFE_PATH = /^\/[A-Za-z0-9._/@+=,~-]*$/;

const unsafe = (what: string, why: string, details: Record<string, unknown> = {}) =>
  new TendError('TEND_ERR_UNSAFE_VALUE', `${what}: ${why}`, details);

function refuseUnrepresentable(what: string, value: string): void {
  if (/[\u0000\r\n]/.test(value))
    throw unsafe(what, 'expected no NUL, CR or newline (a supervisord config value is one line)');
  if (LONE_SURROGATE.test(value))
    throw unsafe(what, 'expected well-formed Unicode (a lone surrogate was found)');
}

/**
 * One argv element for command=. supervisord splits with posix shlex, so the element goes in single
 * quotes; `'` becomes `'\''`. Every `%` is doubled for %-expansion, and an empty `''` pair is put
 * before `(` after a `%` and before every `;` and `#`: that keeps configparser from seeing an inline
 * comment and expand_here() from matching `%(here)s`, and shlex removes the pair again.
 */
export function quoteSupervisordArg(arg: string): string {
  refuseUnrepresentable('command argument', arg);
  const body = arg
    .replace(/'/g, `'\\''`)
    .replace(/%/g, '%%')
    .replace(/%\(/g, "%''(")
    .replace(/([;#])/g, "''$1");
  return `'${body}'`;
}

export function supervisordCommand(argv: readonly string[], shell: boolean): string {
  const full = shell ? ['/bin/sh', '-c', argv.join(' ')] : argv;
  return full.map(quoteSupervisordArg).join(' ');
}

// Python's str.isspace() is wider than JS \s (it includes \x1c-\x1f and \x85); either kind of blank
// before `;` or `#` starts an inline comment in configparser.
const COMMENT_AFTER_BLANK = /[\s\x1c-\x1f\x85][;#]/;

/**
 * One value for environment=KEY="v". supervisord splits it with *non*-posix shlex: no escapes, a
 * quoted token ends at its closing quote, and the result is stripped of every leading and trailing
 * quote character. So a value may hold `'` or `"` but not both, may not start or end with a quote,
 * and cannot carry a blank before `;`/`#` (nothing can hide that comment from configparser).
 */
export function quoteSupervisordEnvValue(key: string, value: string): string {
  const what = `env ${key}`;
  refuseUnrepresentable(what, value);
  if (value.includes("'") && value.includes('"'))
    throw unsafe(
      what,
      'supervisord cannot carry a value holding both \' and " (its environment parser has no escapes)',
    );
  if (/^['"]|['"]$/.test(value))
    throw unsafe(what, 'supervisord strips quote characters at the start and end of an environment value');
  if (COMMENT_AFTER_BLANK.test(value))
    throw unsafe(what, 'supervisord reads a blank followed by ";" or "#" as the start of a comment');
  if (value.includes('%(here)s'))
    throw unsafe(what, 'supervisord replaces "%(here)s" before any escaping applies');
  const quote = value.includes('"') ? "'" : '"';
  return `${quote}${value.replace(/%/g, '%%')}${quote}`;
}

function safePath(what: string, path: string): string {
  if (!SAFE_PATH.test(path) || path.split('/').includes('..'))
    throw unsafe(
      what,
      `expected an absolute path of letters, digits and ._/@+=,~- only, got ${JSON.stringify(path)}`,
    );
  return path;
}

const seconds = (duration: string) => Math.ceil(durationMs(duration) / 1000);

/** supervisord restarts are 1, 2, 3 … s apart, so this many retries reach tend's backoff cap. */
export function supervisordStartRetries(program: Program): number {
  if (program.spec.restart === 'never') return 0;
  return Math.min(MAX_START_RETRIES, Math.max(3, seconds(program.spec.backoff.max)));
}

const AUTORESTART = { always: 'true', 'on-failure': 'unexpected', never: 'false' } as const;

export function renderSupervisordProgram(
  program: Program,
  layout: Layout,
  opts: SupervisordRenderOptions = {},
): Rendered {
  const { name } = program.metadata;
  const spec = program.spec;
  const key = resourceKey('Program', name);
  if (spec.user === 'root' && !spec.allowRoot)
    throw new TendError('TEND_ERR_ROOT_REFUSED', `${key}: user root needs allowRoot: true`, { key });
  // supervisord runs a program without user= as itself (root), so user= is always written.
  if (spec.user === undefined && !spec.allowRoot)
    throw new TendError(
      'TEND_ERR_ROOT_REFUSED',
      `${key}: backend supervisord needs spec.user (it would run the program as root), or allowRoot: true`,
      { key },
    );
  const user = spec.user ?? 'root';
  if (spec.group !== undefined)
    throw new TendError(
      'TEND_ERR_UNSUPPORTED',
      `${key}: backend supervisord runs a program with its user's primary group; expected no group, got ${spec.group}`,
      { key },
    );

  const secrets: string[] = [];
  const envPairs: string[] = [];
  const env = { ...spec.env };
  if (opts.port !== undefined && spec.instances > 1)
    throw new TendError(
      'TEND_ERR_UNSUPPORTED',
      `${key}: supervisord gives every instance the same environment, so ${spec.instances} instances cannot each get a PORT; use backend native or one instance`,
      { key },
    );
  if (opts.port !== undefined && env.PORT === undefined) env.PORT = String(opts.port);
  for (const envKey of Object.keys(env).sort()) {
    const value = env[envKey]!;
    const quoted = quoteSupervisordEnvValue(envKey, envPlain(value));
    if (envIsSecret(value)) secrets.push(envPlain(value), quoted.slice(1, -1));
    envPairs.push(`${envKey}=${quoted}`);
  }

  const logs = withinCeiling(
    { maxBytes: sizeBytes(spec.logs.maxSize), keep: spec.logs.keep },
    layout.logLimits,
  );
  const logDir = safePath('supervisord log directory', layout.supervisord.logDir).replace(/%/g, '%%');
  const several = spec.instances > 1;
  const lines = [`[program:${name}]`, `command=${supervisordCommand(spec.command, spec.shell)}`];
  if (several) lines.push(`numprocs=${spec.instances}`, 'process_name=%(program_name)s_%(process_num)02d');
  if (spec.directory) lines.push(`directory=${safePath('directory', spec.directory)}`);
  lines.push(`user=${user}`);
  if (envPairs.length > 0) lines.push(`environment=${envPairs.join(',')}`);
  lines.push(
    'autostart=true',
    `autorestart=${AUTORESTART[spec.restart]}`,
    'exitcodes=0',
    // startsecs=0 makes supervisord restart a crashing program without any delay (#1285).
    `startsecs=${Math.max(1, spec.startSeconds)}`,
    `startretries=${supervisordStartRetries(program)}`,
    `stopsignal=${spec.stop.signal}`,
    `stopwaitsecs=${seconds(spec.stop.timeout)}`,
    'stopasgroup=true',
    'killasgroup=true',
    'redirect_stderr=true',
    `stdout_logfile=${logDir}/${name}${several ? '_%(process_num)02d' : ''}.log`,
    // supervisord rotates its own logs (rename, then reopen): the same limits as a native Program's.
    `stdout_logfile_maxbytes=${logs.maxBytes}`,
    `stdout_logfile_backups=${logs.keep}`,
  );

  const file: RenderedFile = {
    path: layout.supervisord.programFile(name),
    content: `${managedHeader(';', key)}${lines.join('\n')}\n`,
    // The file carries env values (secrets among them) by necessity: only its owner may read it.
    mode: secrets.length > 0 ? 0o600 : 0o644,
    service: 'supervisord',
    secrets: [...new Set(secrets.filter((s) => s.length > 0))],
  };
  const outputs: Record<string, string | number> = { backend: 'supervisord', group: name };
  if (opts.port !== undefined) outputs.port = opts.port;
  return { key, files: [file], links: [], outputs };
}
