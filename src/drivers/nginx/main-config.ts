// nginx configuration: the embedded profile's nginx.conf built in code (everything under the root
// so the master runs unprivileged, vhosts from the layout, a 404 default server), and reading what
// nginx says about a config: the files `nginx -t` blames and the log lines that mean "not applied".
import { dirname } from 'node:path';
import { TendError } from '../../errors/catalogue.js';
import type { Layout } from '../../layout/index.js';
import { FASTCGI_PARAMS } from '../../render/fastcgi-params.js';
import { isSafePath } from '../health/manager.js';

export interface NginxMainOptions {
  workerProcesses?: 1 | 2;
  /** Write an access log under the root (default) or none at all. */
  accessLog?: boolean;
  /** Worker user when the master runs as root; pool sockets are owned by www-data, so workers must be too. */
  user?: string;
}

export const NGINX_TEMP_KINDS = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'] as const;

/** Directories that must exist before nginx -t or a start: nginx creates only the last level. */
export function nginxDirectories(layout: Layout): string[] {
  const n = layout.nginx;
  return [n.prefix, `${n.prefix}/tmp`, n.includeDir, dirname(n.pidFile), dirname(n.errorLog)];
}

export function nginxAccessLog(layout: Layout): string {
  return `${dirname(layout.nginx.errorLog)}/nginx-access.log`;
}

/**
 * Dotfiles (.git, .env, .htpasswd) are never served; /.well-known is. One regex compiled here, read
 * by an `if` in each vhost, instead of a regex location per vhost: nginx parses (`nginx -t`, and
 * again on every reload) 1,000 vhosts about a quarter faster.
 */
export const HIDDEN_PATHS_MAP = [
  '    map $uri $tend_hidden {',
  '        default 0;',
  '        "~/\\.(?!well-known(/|$))" 1;',
  '    }',
];

export function renderNginxMainConfig(layout: Layout, opts: NginxMainOptions = {}): string {
  const n = layout.nginx;
  const paths = [n.prefix, n.includeDir, n.pidFile, n.errorLog];
  const unsafe = paths.find((p) => !isSafePath(p));
  if (unsafe !== undefined) {
    throw new TendError(
      'TEND_ERR_UNSAFE_VALUE',
      `expected a root path of letters, digits and ._/@+,=:- only, got ${JSON.stringify(unsafe)}`,
      { path: unsafe },
    );
  }
  if (!/^[0-9a-fA-F.:]+$/.test(n.listenAddress) || !Number.isInteger(n.listenPort)) {
    throw new TendError('TEND_ERR_UNSAFE_VALUE', `expected an IP address and port, got ${n.listenAddress}`);
  }
  const listen = n.listenAddress.includes(':') ? `[${n.listenAddress}]` : n.listenAddress;
  const temp = NGINX_TEMP_KINDS.map((kind) => `    ${kind}_temp_path ${n.prefix}/tmp/${kind};`);
  return [
    '# managed by tend: nginx main config (do not edit: tend rewrites it)',
    ...(opts.user ? [`user ${opts.user};`] : []),
    `pid ${n.pidFile};`,
    `error_log ${n.errorLog} warn;`,
    `lock_file ${n.prefix}/nginx.lock;`,
    `worker_processes ${opts.workerProcesses ?? 1};`,
    // Bounds how long old workers drain after a reload, so long-lived connections cannot pin them.
    'worker_shutdown_timeout 30s;',
    '',
    'events {',
    '    worker_connections 1024;',
    '}',
    '',
    'http {',
    '    include /etc/nginx/mime.types;',
    '    default_type application/octet-stream;',
    opts.accessLog === false ? '    access_log off;' : `    access_log ${nginxAccessLog(layout)};`,
    '    sendfile on;',
    '    server_tokens off;',
    '    server_names_hash_bucket_size 128;',
    '    server_names_hash_max_size 4096;',
    ...temp,
    ...(n.ownsHttpBlock
      ? ['', ...FASTCGI_PARAMS.map((p) => `    fastcgi_param ${p};`), '', ...HIDDEN_PATHS_MAP]
      : []),
    '',
    `    include ${n.includeDir}/*.conf;`,
    '',
    '    server {',
    `        listen ${listen}:${n.listenPort} default_server;`,
    '        server_name _;',
    '        return 404;',
    '    }',
    '}',
    '',
  ].join('\n');
}
export const NGINX_FATAL_TAGS = ['[emerg]', '[alert]', '[crit]'] as const;

/** Files named by fatal lines, e.g. `nginx: [emerg] unknown directive "x" in /a/b.conf:12`. */
export function nginxFailingFiles(output: string): string[] {
  const files = new Set<string>();
  for (const line of output.split('\n')) {
    if (!NGINX_FATAL_TAGS.some((tag) => line.includes(tag))) continue;
    const m = / in (\/\S+?):\d+\s*$/.exec(line);
    if (m?.[1]) files.add(m[1]);
  }
  return [...files];
}

/** The validator's message without the boilerplate success lines. */
export function nginxValidationMessage(output: string): string {
  return output
    .split('\n')
    .filter(
      (line) => !/the configuration file .* syntax is ok|configuration file .* test is successful/.test(line),
    )
    .join('\n')
    .trim();
}
