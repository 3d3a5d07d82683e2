// The embedded profile's php-fpm.conf for one PHP version, built in code: pid, error log and the
// pool include all under the root; daemonize so a start returns only once the master is ready.
import { dirname } from 'node:path';
import { TendError } from '../../errors/catalogue.js';
import type { Layout } from '../../layout/index.js';
import { isSafePath } from '../health/manager.js';

/** php-fpm's -p prefix: the directory of its main config (relative paths resolve there). */
export function phpFpmPrefix(layout: Layout, version: string): string {
  return dirname(layout.php.mainConfig(version));
}

/** Directories that must exist before php-fpm -t or a start. */
export function phpFpmDirectories(layout: Layout, version: string): string[] {
  const p = layout.php;
  return [
    phpFpmPrefix(layout, version),
    p.poolDir(version),
    dirname(p.pidFile(version)),
    dirname(p.errorLog(version)),
    dirname(p.socket(version, 'x')),
    dirname(p.slowlog(version, 'x')),
  ];
}

export function renderPhpFpmMainConfig(layout: Layout, version: string): string {
  const p = layout.php;
  const paths = [p.pidFile(version), p.errorLog(version), p.poolDir(version)];
  const unsafe = paths.find((path) => !isSafePath(path));
  if (unsafe !== undefined || !/^\d+\.\d+$/.test(version)) {
    throw new TendError(
      'TEND_ERR_UNSAFE_VALUE',
      `expected a PHP version like 8.2 and paths of letters, digits and ._/@+,=:- only, got ${JSON.stringify(unsafe ?? version)}`,
    );
  }
  return [
    `; managed by tend: php-fpm ${version} main config (do not edit: tend rewrites it)`,
    '[global]',
    `pid = ${p.pidFile(version)}`,
    `error_log = ${p.errorLog(version)}`,
    'log_level = notice',
    // The parent exits only after the master reports ready (or 78 on failure): a synchronous start.
    'daemonize = yes',
    // A master whose children keep crashing restarts itself instead of serving nothing.
    'emergency_restart_threshold = 10',
    'emergency_restart_interval = 1m',
    'process_control_timeout = 10s',
    `include = ${p.poolDir(version)}/*.conf`,
    '',
  ].join('\n');
}
