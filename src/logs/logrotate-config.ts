// The system profile's logrotate rules for the logs tend owns (decision 0044): each Site's nginx
// logs, each Pool's slowlog, access log and PHP error log, every Program log and Job run log. Each
// rule rotates by size (the same --log-max-size/--log-keep as embedded), renames and never copies,
// and its postrotate tells the writer to reopen: nginx's master (USR1), the Pool's php-fpm master
// (USR1), `tend serve` (USR2) for the logs its supervisor writes. Pure: paths come from the layout.
import { dirname } from 'node:path';
import { TendError } from '../errors/catalogue.js';
import type { Layout } from '../layout/layout.js';
import type { Pool, Resource } from '../model/index.js';
import { slowlogPathOf } from '../render/php-pool.js';

export interface LogrotateLimits {
  maxBytes: number;
  keep: number;
  /** Also rotate on logrotate's period nearest this age (daily, weekly, monthly). */
  maxAgeMs?: number;
}

export interface LogrotateInput {
  layout: Layout;
  limits: LogrotateLimits;
  /** The desired Sites and Pools (other kinds are ignored). */
  resources: readonly Resource[];
  /** The distribution's nginx rule when it already matches the Sites' log dir (Debian's `*.log`). */
  nginxRuleBy?: string;
}

/** Where tend's rules live: logrotate's drop-in dir under the system root. */
export const logrotateConfigPath = (layout: Layout) =>
  `${layout.root.replace(/\/$/, '')}/etc/logrotate.d/tend`;

/** The pid file `tend serve` writes (system profile), for the USR2 that reopens its logs. */
export const servePidFile = (layout: Layout) => `${layout.stateDir}/serve.pid`;

// A path logrotate reads literally: no blanks, quotes, globs or braces a hostile name could bring in.
const SAFE = /^\/[A-Za-z0-9._/@+=,~-]+$/;

function literal(path: string): string {
  if (!SAFE.test(path) || path.split('/').includes('..'))
    throw new TendError(
      'TEND_ERR_UNSAFE_VALUE',
      `logrotate rule: expected an absolute path of letters, digits and ._/@+=,~- only, got ${JSON.stringify(path)}`,
    );
  return path;
}

const DAY = 86_400_000;

function when(limits: LogrotateLimits): string[] {
  if (limits.maxAgeMs === undefined) return [`size ${limits.maxBytes}`];
  const period = limits.maxAgeMs < 7 * DAY ? 'daily' : limits.maxAgeMs < 30 * DAY ? 'weekly' : 'monthly';
  return [period, `maxsize ${limits.maxBytes}`];
}

/**
 * Signals the master whose pid file this is, only if the process it names is still that master
 * (start-stop-daemon checks the name): a stale pid file never signals an unrelated process.
 */
const signalMaster = (pidFile: string, name: string, signal: string) =>
  `start-stop-daemon --stop --signal ${signal} --quiet --oknodo --pidfile ${literal(pidFile)} --name ${name}`;

/**
 * tend serve runs under node: its command line (`…/tend serve …`), not its name, says it is tend
 * serve. A stale pid file thus never sends USR2 (whose default action is exit) to another process.
 */
const signalServe = (pidFile: string) =>
  `pid=$(cat ${literal(pidFile)} 2>/dev/null) && tr '\\0' ' ' < "/proc/$pid/cmdline" | grep -q 'tend[^ ]* serve ' && kill -USR2 "$pid" || true`;

function rule(paths: string[], limits: LogrotateLimits, keep: number, postrotate?: string): string {
  const lines = [
    // A glob only as tend writes it (`<dir>/*/…`, `<dir>/*.log`), every other character literal.
    `${paths.map((p) => (literal(p.replaceAll('/*/', '/x/').replace(/\/\*\.log$/, '/x.log')), p)).join(' ')} {`,
    ...when(limits),
    `rotate ${keep}`,
    'missingok',
    'notifempty',
    'nocompress',
    // The writer makes the new file when it reopens (nginx and php-fpm as root, PHP's workers as the
    // pool's user): logrotate never creates or chowns one, least of all in a tenant's dir.
    'nocreate',
    ...(postrotate ? ['sharedscripts', 'postrotate', `\t${postrotate}`, 'endscript'] : []),
  ];
  return `${lines[0]}\n${lines
    .slice(1)
    .map((l) => `\t${l}`)
    .join('\n')}\n}\n`;
}

export function renderLogrotateConfig(input: LogrotateInput): string {
  const { layout, limits } = input;
  const out = [
    '# managed by tend: the logs it owns (do not edit: tend rewrites this file)\n',
    `# size ${limits.maxBytes} bytes, ${limits.keep} kept (tend serve --log-max-size/--log-keep)\n`,
  ];
  const sites = input.resources
    .filter((r) => r.kind === 'Site')
    .map((r) => r.metadata.name)
    .sort();
  if (input.nginxRuleBy)
    out.push(
      `\n# The Sites' nginx logs: ${input.nginxRuleBy} already rotates ${dirname(layout.nginx.siteLog('x', 'access'))}/*.log (a second rule would be an error).\n`,
    );
  else if (sites.length > 0)
    out.push(
      '\n',
      rule(
        sites.flatMap((s) => [layout.nginx.siteLog(s, 'access'), layout.nginx.siteLog(s, 'error')]),
        limits,
        limits.keep,
        signalMaster(layout.nginx.pidFile, 'nginx', 'USR1'),
      ),
    );
  const pools = input.resources
    .filter((r): r is Pool => r.kind === 'Pool')
    .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  for (const v of [...new Set(pools.map((p) => p.spec.php))].sort()) {
    const mine = pools.filter((p) => p.spec.php === v);
    const byMaster = mine.flatMap((p) => [
      ...(slowlogPathOf(p, layout) ? [slowlogPathOf(p, layout)!] : []),
      ...(p.spec.accessLog ? [layout.php.accessLog(v, p.metadata.name)] : []),
    ]);
    if (byMaster.length > 0)
      out.push(
        '\n',
        rule(byMaster, limits, limits.keep, signalMaster(layout.php.pidFile(v), `php-fpm${v}`, 'USR1')),
      );
    // PHP's error log: its workers open the path at each write, so a rename is all it takes. It sits
    // in the pool user's dir; logrotate refuses a symlink there and, with nocreate, makes nothing.
    const errorLogs = mine
      .filter((p) => !('error_log' in p.spec.phpAdminValues))
      .map((p) => layout.php.poolErrorLog(v, p.metadata.name));
    if (errorLogs.length > 0) out.push('\n', rule(errorLogs, limits, limits.keep));
  }
  // tend's own dirs: every Program log, and each Job run's log (one rotation: history.ts prunes it).
  const serve = signalServe(servePidFile(layout));
  out.push('\n', rule([`${layout.programs.logDir}/*.log`], limits, limits.keep, serve));
  out.push('\n', rule([`${layout.stateDir}/jobs/*/runs/*.log`], limits, 1, serve));
  return out.join('');
}
