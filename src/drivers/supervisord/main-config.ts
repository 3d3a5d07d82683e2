// The main config of the supervisord that tend runs itself (embedded profile): a private unix socket,
// pid and log files under the root, and an include of the program files tend renders.
import { TendError } from '../../errors/catalogue.js';
import type { Layout } from '../../layout/layout.js';

export const MAIN_CONFIG_MARKER = '; managed by tend: supervisord main config';

const SAFE_PATH = /^\/[A-Za-z0-9._/@+=,~-]*$/;
const dirOf = (path: string) => path.slice(0, path.lastIndexOf('/')) || '/';

export interface EmbeddedSupervisordPaths {
  mainConfig: string;
  socket: string;
  pidFile: string;
  /** tend's record of the daemon's pid and start time, so a reused pid is never taken for it. */
  identityFile: string;
  logFile: string;
  includeDir: string;
  logDir: string;
}

export function embeddedSupervisordPaths(layout: Layout): EmbeddedSupervisordPaths {
  const sv = layout.supervisord;
  const runDir = dirOf(sv.socket);
  return {
    mainConfig: sv.mainConfig,
    socket: sv.socket,
    pidFile: `${runDir}/supervisord.pid`,
    identityFile: `${runDir}/supervisord.identity.json`,
    logFile: `${sv.logDir}/supervisord.log`,
    includeDir: sv.includeDir,
    logDir: sv.logDir,
  };
}

/**
 * nodaemon=false: supervisord binds its socket before it forks, so a second copy for the same root
 * fails with a non-zero exit instead of running twice, and the daemon (in its own session) outlives
 * the Node process that started it.
 */
export function renderSupervisordMainConfig(layout: Layout): string {
  const p = embeddedSupervisordPaths(layout);
  for (const [what, path] of Object.entries(p))
    if (!SAFE_PATH.test(path))
      throw new TendError(
        'TEND_ERR_UNSAFE_VALUE',
        `supervisord ${what}: expected a path of letters, digits and ._/@+=,~- only, got ${JSON.stringify(path)}`,
      );
  return [
    `${MAIN_CONFIG_MARKER} (do not edit: tend reverts manual changes)`,
    '[unix_http_server]',
    `file=${p.socket}`,
    'chmod=0700',
    '',
    '[supervisord]',
    `pidfile=${p.pidFile}`,
    `logfile=${p.logFile}`,
    'logfile_maxbytes=10MB',
    'logfile_backups=3',
    'loglevel=info',
    `childlogdir=${p.logDir}`,
    'nodaemon=false',
    'umask=022',
    '',
    '[rpcinterface:supervisor]',
    'supervisor.rpcinterface_factory=supervisor.rpcinterface:make_main_rpcinterface',
    '',
    '[supervisorctl]',
    `serverurl=unix://${p.socket}`,
    '',
    '[include]',
    `files=${p.includeDir}/*.conf`,
    '',
  ].join('\n');
}
