// Pool → php-fpm pool file: builds a view of already-escaped ini values and lays it out with
// templates/php-fpm/pool.conf.mustache. Comments are ";" because php-fpm's ini scanner rejects "#".
import { TendError } from '../errors/catalogue.js';
import { envIsSecret, envPlain, keyOf, modeWiderThan0660, poolUserName, type Pool } from '../model/index.js';
import { poolEndpoint, type RenderContext } from './context.js';
import {
  hostPort,
  iniInt,
  iniKey,
  iniMode,
  iniName,
  iniPath,
  iniQuoted,
  iniSection,
  iniSeconds,
  nginxUrlPath as urlPath,
} from './escape.js';
import { accountToCreate, poolDirs, tenancyAdminValues } from './pool-tenancy.js';
import { managedHeader, type Rendered } from './types.js';

/**
 * php-fpm's access.format: ISO time, method, URI with query, status, duration (ms), peak memory (KB)
 * and CPU% of the request, one line each, the fields a slow or heavy request is found by.
 */
export const ACCESS_FORMAT = '%{%Y-%m-%dT%H:%M:%S%z}t %m %r%Q%q %s %{mili}dms %{kilo}MKB %C%%';

/** The nginx user on Debian: in the system profile the socket must be reachable by it. */
const DEBIAN_WEB_USER = 'www-data';

function pmView(pm: Pool['spec']['pm']) {
  const base = { type: pm.type, maxChildren: iniInt(pm.maxChildren, 'pm.max_children') };
  if (pm.type === 'dynamic') {
    // php-fpm's own default, written out so the file says what will run.
    const start =
      pm.startServers ?? pm.minSpareServers + Math.floor((pm.maxSpareServers - pm.minSpareServers) / 2);
    return {
      ...base,
      dynamic: {
        startServers: iniInt(start, 'pm.start_servers'),
        minSpareServers: iniInt(pm.minSpareServers, 'pm.min_spare_servers'),
        maxSpareServers: iniInt(pm.maxSpareServers, 'pm.max_spare_servers'),
      },
    };
  }
  if (pm.type === 'ondemand')
    return {
      ...base,
      ondemand: { processIdleTimeout: iniSeconds(pm.processIdleTimeout, 'pm.process_idle_timeout') },
    };
  return base;
}

/**
 * Who a unix-socket pool's socket belongs to and its mode, as php-fpm is told to create it (owner
 * and group undefined: php-fpm's own user). The health pass compares the live socket with this.
 */
export function socketOwnership(
  pool: Pool,
  ctx: Pick<RenderContext, 'layout' | 'webUser'>,
): { owner: string | undefined; group: string | undefined; mode: string } {
  const listen = pool.spec.listen;
  const spec = 'mode' in listen ? listen : { owner: undefined, group: undefined, mode: '0660' };
  // Shared with nginx's group only: the pool's user owns the socket, nginx's workers reach it by group.
  const webGroup = ctx.webUser ?? (ctx.layout.profile === 'system' ? DEBIAN_WEB_USER : undefined);
  const owner = spec.owner ?? (webGroup === undefined ? undefined : poolUserName(pool.spec.user));
  return { owner, group: spec.group ?? webGroup, mode: spec.mode };
}

function listenView(pool: Pool, ctx: RenderContext) {
  const endpoint = poolEndpoint(pool, ctx.layout);
  if (endpoint.type === 'tcp') return { listen: hostPort(endpoint.address, endpoint.port, 'listen') };
  const { owner, group, mode } = socketOwnership(pool, ctx);
  return {
    listen: iniPath(endpoint.path, 'listen'),
    listenOwner: owner === undefined ? undefined : iniName(owner, 'listen.owner'),
    listenGroup: group === undefined ? undefined : iniName(group, 'listen.group'),
    listenMode: iniMode(mode),
  };
}

export function renderPool(pool: Pool, ctx: RenderContext): Rendered {
  const { layout } = ctx;
  const spec = pool.spec;
  const name = pool.metadata.name;
  const key = keyOf(pool);
  const endpoint = poolEndpoint(pool, layout);
  // php-fpm's master (root) writes the slow log: a chosen name stays in tend's log dir, prefixed by the pool.
  const slowlogPath = slowlogPathOf(pool, layout);
  const secrets: string[] = [];
  const env = Object.entries(spec.env).map(([k, v]) => {
    const secret = envIsSecret(v);
    if (envPlain(v) === '')
      throw new TendError(
        'TEND_ERR_UNSAFE_VALUE',
        `env[${k}]: expected a non-empty value (php-fpm rejects env[…] = "" with "empty value"), got ""; remove the variable or give it a value`,
        { path: ['spec', 'env', k] },
      );
    const value = iniQuoted(envPlain(v), `env[${k}]`, { secret });
    if (secret) secrets.push(envPlain(v));
    return { key: iniKey(k, 'env name'), value };
  });
  const phpAdminValues = [...tenancyAdminValues(pool, ctx), ...Object.entries(spec.phpAdminValues)].map(
    ([k, v]) => ({
      key: iniKey(k, 'php_admin_value'),
      value: iniQuoted(v, `php_admin_value[${k}]`),
    }),
  );
  const phpAdminFlags = Object.entries(spec.phpAdminFlags).map(([k, v]) => ({
    key: iniKey(k, 'php_admin_flag'),
    value: v ? 'on' : 'off',
  }));
  const view = {
    section: iniSection(name),
    user: iniName(poolUserName(spec.user), 'user'),
    group: spec.group === undefined ? undefined : iniName(spec.group, 'group'),
    ...listenView(pool, ctx),
    pm: pmView(spec.pm),
    maxRequests: iniInt(spec.maxRequests, 'pm.max_requests'),
    requestTimeout: spec.requestTimeout ? iniSeconds(spec.requestTimeout, 'requestTimeout') : undefined,
    slowlog:
      spec.slowlog && slowlogPath
        ? {
            path: iniPath(slowlogPath, 'slowlog'),
            timeout: iniSeconds(spec.slowlog.timeout, 'slowlog.timeout'),
          }
        : undefined,
    accessLog: spec.accessLog
      ? {
          path: iniPath(layout.php.accessLog(spec.php, name), 'access.log'),
          format: iniQuoted(ACCESS_FORMAT, 'access.format'),
        }
      : undefined,
    chdir: spec.chdir === undefined ? undefined : iniPath(spec.chdir, 'chdir'),
    pingPath: iniQuoted(urlPath(spec.health.ping, 'ping.path'), 'ping.path'),
    statusPath: iniQuoted(urlPath(spec.health.statusPath, 'pm.status_path'), 'pm.status_path'),
    statusListen: iniPath(statusSocketPath(pool, layout), 'pm.status_listen'),
    pingResponse: iniQuoted(spec.health.response, 'ping.response'),
    hasAdmin: phpAdminValues.length + phpAdminFlags.length > 0,
    phpAdminValues,
    phpAdminFlags,
    hasEnv: env.length > 0,
    env,
  };
  const content = managedHeader(';', key) + ctx.templates.render('php-fpm/pool.conf', view);
  const dirs = poolDirs(pool, ctx);
  const account = accountToCreate(pool, ctx);
  const warnings = unsafeListenWarnings(pool);
  const directories = [
    endpoint.type === 'socket' ? dirname(endpoint.path) : undefined,
    dirname(statusSocketPath(pool, layout)),
    slowlogPath && dirname(slowlogPath),
    spec.accessLog ? dirname(layout.php.accessLog(spec.php, name)) : undefined,
  ];
  const errorLogDir = dirname(layout.php.poolErrorLog(spec.php, name));
  return {
    key,
    files: [
      {
        path: layout.php.poolFile(spec.php, name),
        content,
        // Pool files may hold secret env values: readable by root (the php-fpm master) only.
        mode: secrets.length > 0 ? 0o600 : 0o644,
        service: `php-fpm@${spec.php}`,
        secrets,
      },
    ],
    links: [],
    outputs:
      endpoint.type === 'socket'
        ? { socket: endpoint.path }
        : { listen: hostPort(endpoint.address, endpoint.port, 'listen') },
    directories: [...new Set(directories.filter((d): d is string => typeof d === 'string'))],
    tenantDirs: [
      ...[dirs.tmp, dirs.sessions].map((path) => ({
        path,
        owner: poolUserName(spec.user),
        mode: 0o700,
        parent: dirs.dataDir,
      })),
      // Readable by the pool's group too (0750): root reads it for `tend logs`.
      { path: errorLogDir, owner: poolUserName(spec.user), mode: 0o750, parent: dirname(errorLogDir) },
    ],
    ...(account ? { account } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

/**
 * The socket of php-fpm's status pool (pm.status_listen): a separate listener that answers the status
 * page while every worker of the pool is busy, so saturation is observed, not queued behind. No Site
 * ever points nginx at it. Beside the pool's own socket path, for TCP pools too.
 */
export function statusSocketPath(pool: Pool, layout: RenderContext['layout']): string {
  return layout.php.socket(pool.spec.php, pool.metadata.name).replace(/\.sock$/, '') + '.status.sock';
}

/** The slowlog php-fpm writes for this pool, or undefined when spec.slowlog is off. */
export function slowlogPathOf(pool: Pool, layout: RenderContext['layout']): string | undefined {
  const spec = pool.spec;
  if (!spec.slowlog) return undefined;
  const defaultSlowlog = layout.php.slowlog(spec.php, pool.metadata.name);
  return spec.slowlog.path === undefined
    ? defaultSlowlog
    : `${dirname(defaultSlowlog)}/${spec.php}-${pool.metadata.name}.${spec.slowlog.path}`;
}

/** What listen.unsafe accepted, said on every plan so that nobody forgets it is on. */
function unsafeListenWarnings(pool: Pool): string[] {
  const listen = pool.spec.listen;
  const who = `any local user can run PHP as ${poolUserName(pool.spec.user)}`;
  if ('port' in listen) return [`listens on TCP ${listen.address}:${listen.port} (listen.unsafe): ${who}`];
  if (modeWiderThan0660(listen.mode))
    return [`socket mode ${listen.mode} is wider than 0660 (listen.unsafe): ${who}`];
  return [];
}

const dirname = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
