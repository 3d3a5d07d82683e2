// `tend serve` options: where the desired state and root are, where the API listens, the token
// file, the resync interval and what to do with programs on exit.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { TendError } from '../errors/catalogue.js';
import type { Profile } from '../layout/layout.js';
import { durationMs } from '../model/primitives.js';
import { parseWebBases, WEB_BASE_USAGE } from './web-base.js';
import { GIT_FLAGS, parseGitArgs, type GitArgs } from './serve-git-args.js';
import { serveConfigPath, withServeConfig } from './serve-config.js';
import { HOST_FLAGS, HOST_USAGE, parseHostArgs } from './host-args.js';
import type { HostSlice } from '../source/host-slice.js';
import { optionHint } from './suggest.js';
import { portNumber, portOption } from './port-option.js';

export const SERVE_USAGE = `usage: tend serve [options]

  -d, --desired-state DIR   directory of YAML resources (default: ./desired-state)
  --profile embedded|system where managed files live (default: embedded)
  --root DIR                root of the layout (embedded: <desired-state>/../.tend; system: /)
  --http-port N             embedded nginx listen port (default 8080)
  --https-port N            embedded nginx TLS port (default 8443)
${WEB_BASE_USAGE.trimEnd()}
  --listen HOST:PORT|unix:PATH  where the API listens (default 127.0.0.1:7080)
  --token-file PATH         bearer token for the API (mode 0600); default: generated in the state dir
  --allow-remote-api        accept a non-loopback --listen (the token then travels in clear over HTTP)
  --require-read-token      every read needs the token too (multi-user hosts; always so when remote)
  --max-event-streams N     concurrent GET /v1/events streams; more get 429 (default 32)
  --resync DURATION         re-observe the host and heal drift this often (default 30s, ±10% jitter)
  --probe-max-age DURATION  re-probe a healthy, unchanged Site or Pool at least this often (default 10m)
  --log-max-size SIZE       rotate a log tend's nginx/php-fpm write past this size (default 100M; 64K–100G)
  --log-keep N              rotated generations kept per log (default 5; 1–100)
  --log-max-age DURATION    also rotate a non-empty log this old (default: size only; 1h–365d)
  --log-check DURATION      check the logs' sizes (system: logrotate's rules) this often (default 1m; 1s–1h)
  --keep-programs           leave native programs running on exit (the next tend adopts them)
  --allow-mass-delete       allow a pass that deletes more than half of the managed resources
  --notify-webhook URL      POST a JSON batch per pass on phase changes, crash loops, held changes and
                            source failures (repeatable; retried with backoff; never delays a pass)
  --paused                  start paused: plan and report, apply nothing until \`tend resume\`
  --log-level LEVEL         trace, debug, info, warn, error (default info)
${HOST_USAGE.trimEnd()}

Git source (the desired state comes from a repository instead of -d; -d then only places the root):
  --git URL                 fetch this repository (https, ssh, git, file or a path; no credentials in it)
  --git-branch NAME         the branch to follow (default main)
  --git-path DIR            the desired state's sub-directory in the repository (default: its root)
  --git-interval DURATION   fetch this often (default 1m, ±20% jitter); also POST /v1/source/refresh
  --git-ssh-key FILE        private key for ssh remotes (the only way to pass credentials)
  --git-max-size BYTES      refuse a repository bigger than this after a fetch (default 1073741824)
  --git-verify KEYRING      apply only commits signed by a key of this OpenPGP keyring file
                            (gpg --export KEY > FILE); others are held with SourceReady=False
  --partial-apply           apply the valid resources of a revision that does not fully validate
  The same settings may live in tend.yaml (embedded: <root>/tend.yaml; system: /etc/tend/tend.yaml):
    git: { url: URL, branch: main, path: deploy, interval: 1m, sshKey: FILE, maxSize: BYTES, verify: FILE }
    partialApply: false

The first SIGTERM or SIGINT drains (the running pass finishes, the API closes, programs stop
gracefully); a second one exits at once.
`;

export interface ServeOptions {
  desiredDir: string;
  profile: Profile;
  root: string;
  httpPort?: number;
  httpsPort?: number;
  listen: string;
  tokenFile?: string;
  allowRemoteApi: boolean;
  requireReadToken: boolean;
  maxEventStreams: number;
  resyncMs: number;
  probeMaxAgeMs: number;
  /** Embedded log rotation limits (src/runtime/log-rotate.ts). */
  logRotation: { maxBytes: number; keep: number; maxAgeMs?: number };
  /** Set when --log-max-size or --log-keep was given: the ceiling for Program and Job logs too. */
  logCeiling?: { maxBytes: number; keep: number };
  /** --log-check: how often the logs are checked (default serve-logs.ts LOG_CHECK_MS). */
  logCheckMs?: number;
  keepPrograms: boolean;
  allowMassDelete: boolean;
  /** --paused: apply nothing until `tend resume` (the plan stays previewable). */
  paused?: boolean;
  /** --notify-webhook, repeatable (http or https URLs). */
  notifyWebhooks: string[];
  logLevel: string;
  webBases: readonly string[];
  /** Set by --git: the desired state comes from this repository (src/gitsource/). */
  git?: GitArgs;
  /** This host's slice of a fleet tree (--host-name, --host-label, --host-default). */
  hostSlice: HostSlice;
}

/** An http(s) URL with a host; anything else is refused with what was given. */
function webhookUrl(text: string): string {
  let u: URL | undefined;
  try {
    u = new URL(text);
  } catch {
    u = undefined;
  }
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '')
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --notify-webhook as an http:// or https:// URL, got "${text.slice(0, 200)}"`,
    );
  return u.toString();
}

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

export function parseServeArgs(args: string[], cwd: string): ServeOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        'desired-state': { type: 'string', short: 'd' },
        profile: { type: 'string' },
        root: { type: 'string' },
        'http-port': { type: 'string' },
        'https-port': { type: 'string' },
        listen: { type: 'string' },
        'token-file': { type: 'string' },
        'allow-remote-api': { type: 'boolean' },
        'require-read-token': { type: 'boolean' },
        'max-event-streams': { type: 'string' },
        resync: { type: 'string' },
        'probe-max-age': { type: 'string' },
        'log-max-size': { type: 'string' },
        'log-keep': { type: 'string' },
        'log-max-age': { type: 'string' },
        'log-check': { type: 'string' },
        'keep-programs': { type: 'boolean' },
        'allow-mass-delete': { type: 'boolean' },
        paused: { type: 'boolean' },
        'notify-webhook': { type: 'string', multiple: true },
        'log-level': { type: 'string' },
        'web-base': { type: 'string', multiple: true },
        ...GIT_FLAGS,
        ...HOST_FLAGS,
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    const message = (err as Error).message;
    throw new TendError('TEND_ERR_USAGE', `${message}${optionHint(message, SERVE_USAGE)}\n${SERVE_USAGE}`);
  }
  if (values.help) return 'help';
  const profile = values.profile ?? 'embedded';
  if (profile !== 'embedded' && profile !== 'system')
    throw new TendError('TEND_ERR_USAGE', `expected --profile embedded or system, got "${profile}"`);
  const httpPort = portOption(values['http-port'], '--http-port');
  let httpsPort: number | undefined;
  if (values['https-port'] !== undefined) {
    httpsPort = portNumber(values['https-port']);
    if (httpsPort === undefined || httpsPort === httpPort)
      throw new TendError(
        'TEND_ERR_USAGE',
        `expected --https-port between 1 and 65535, other than --http-port, got "${values['https-port']}"`,
      );
  }
  const resyncMs = durationMs(values.resync ?? '30s');
  if (!Number.isFinite(resyncMs) || resyncMs < 1000)
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --resync as a duration of at least 1s (e.g. 30s, 5m), got "${values.resync}"`,
    );
  const probeMaxAgeMs = durationMs(values['probe-max-age'] ?? '10m');
  if (!Number.isFinite(probeMaxAgeMs) || probeMaxAgeMs < 1000)
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --probe-max-age as a duration of at least 1s (e.g. 10m, 1h), got "${values['probe-max-age']}"`,
    );
  const logRotation = parseLogRotation(values['log-max-size'], values['log-keep'], values['log-max-age']);
  const logCheckMs = values['log-check'] === undefined ? undefined : durationMs(values['log-check']);
  if (logCheckMs !== undefined && !(logCheckMs >= 1000 && logCheckMs <= 3_600_000))
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --log-check as a duration between 1s and 1h (e.g. 1m), got "${values['log-check']}"`,
    );
  const streams = values['max-event-streams'] ?? '32';
  const maxEventStreams = Number(streams);
  if (!/^\d{1,5}$/.test(streams) || maxEventStreams < 1 || maxEventStreams > 10_000)
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --max-event-streams between 1 and 10000, got "${values['max-event-streams']}"`,
    );
  const level = values['log-level'] ?? 'info';
  if (!LEVELS.includes(level))
    throw new TendError('TEND_ERR_USAGE', `expected --log-level one of ${LEVELS.join(', ')}, got "${level}"`);
  const bases = parseWebBases(values['web-base'], cwd);
  if (!bases.ok) throw new TendError('TEND_ERR_USAGE', bases.message);
  const desiredDir = resolve(cwd, values['desired-state'] ?? 'desired-state');
  const root = values.root
    ? resolve(cwd, values.root)
    : profile === 'embedded'
      ? resolve(dirname(desiredDir), '.tend')
      : '/';
  return {
    desiredDir,
    profile,
    root,
    ...(httpPort !== undefined ? { httpPort } : {}),
    ...(httpsPort !== undefined ? { httpsPort } : {}),
    listen: values.listen ?? '127.0.0.1:7080',
    ...(values['token-file'] ? { tokenFile: resolve(cwd, values['token-file']) } : {}),
    allowRemoteApi: values['allow-remote-api'] === true,
    requireReadToken: values['require-read-token'] === true,
    maxEventStreams,
    resyncMs,
    probeMaxAgeMs,
    logRotation,
    ...(values['log-max-size'] !== undefined || values['log-keep'] !== undefined
      ? { logCeiling: { maxBytes: logRotation.maxBytes, keep: logRotation.keep } }
      : {}),
    ...(logCheckMs !== undefined ? { logCheckMs } : {}),
    keepPrograms: values['keep-programs'] === true,
    allowMassDelete: values['allow-mass-delete'] === true,
    ...(values.paused ? { paused: true } : {}),
    notifyWebhooks: (values['notify-webhook'] ?? []).map(webhookUrl),
    logLevel: level,
    webBases: bases.webBases,
    hostSlice: parseHostArgs(values),
    ...parseGitArgs(withServeConfig(values, serveConfigPath(profile, root)), cwd),
  };
}

const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** --log-max-size / --log-keep / --log-max-age, each refused with its flag and value when out of bounds. */
export function parseLogRotation(
  size: string | undefined,
  keep: string | undefined,
  age: string | undefined,
): ServeOptions['logRotation'] {
  const m = /^(\d{1,12})([KMG]?)$/i.exec(size ?? '100M');
  const maxBytes = m ? Number(m[1]) * SIZE_UNITS[m[2]!.toUpperCase()]! : NaN;
  if (!(maxBytes >= 64 * 1024 && maxBytes <= 100 * 1024 ** 3))
    throw new TendError(
      'TEND_ERR_USAGE',
      `expected --log-max-size between 64K and 100G (a number with K, M or G), got "${size}"`,
    );
  const keepN = Number(keep ?? '5');
  if (!/^\d{1,3}$/.test(keep ?? '5') || keepN < 1 || keepN > 100)
    throw new TendError('TEND_ERR_USAGE', `expected --log-keep between 1 and 100, got "${keep}"`);
  if (age === undefined) return { maxBytes, keep: keepN };
  const maxAgeMs = durationMs(age);
  if (!(maxAgeMs >= 3_600_000 && maxAgeMs <= 365 * 86_400_000))
    throw new TendError('TEND_ERR_USAGE', `expected --log-max-age between 1h and 365d, got "${age}"`);
  return { maxBytes, keep: keepN, maxAgeMs };
}
