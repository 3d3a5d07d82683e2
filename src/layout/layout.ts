// Where every managed thing lives, per profile. Pure data and path functions, so that render/ and
// plan/ can use them: the one place that derives a pool's socket path lives here.
import { DEFAULT_WEB_BASES } from '../model/tenancy.js';
export type Profile = 'embedded' | 'system';

export interface NginxLayout {
  /** The vhost file tend writes for a Site. */
  siteFile(site: string): string;
  /** system profile: the sites-enabled symlink pointing at siteFile; embedded: undefined. */
  siteLink(site: string): string | undefined;
  /** Directory the main config includes vhosts from (embedded: tend owns it; system: sites-enabled). */
  includeDir: string;
  /** nginx -c: the main config. Embedded: rendered by tend. System: the distribution's. */
  mainConfig: string;
  /** nginx -p prefix. */
  prefix: string;
  pidFile: string;
  errorLog: string;
  /** Per-site access or error log: vhosts log apart so one site's noise never hides another's. */
  siteLog(site: string, stream: 'access' | 'error'): string;
  listenAddress: string;
  listenPort: number;
  tlsPort: number;
  /**
   * Whether tend writes the main config's http block (embedded), so vhosts can rely on what it sets
   * there: the FastCGI params (render/fastcgi-params.ts) and the $tend_hidden map of dotfile paths.
   */
  ownsHttpBlock: boolean;
}

export interface PhpLayout {
  poolFile(version: string, pool: string): string;
  poolDir(version: string): string;
  socket(version: string, pool: string): string;
  slowlog(version: string, pool: string): string;
  /** The pool's access log (php-fpm's master opens it as root: in a root-owned dir). */
  accessLog(version: string, pool: string): string;
  /**
   * PHP's error_log of the pool: its workers (the pool's user) open it, so it sits alone in a dir the
   * pool's user owns, under a root-owned parent; nothing root writes lives beside it.
   */
  poolErrorLog(version: string, pool: string): string;
  mainConfig(version: string): string;
  pidFile(version: string): string;
  errorLog(version: string): string;
  /** The php-fpm binary for a version, e.g. /usr/sbin/php-fpm8.2. */
  binary(version: string): string;
  /** The pool's own directory: its tmp and sessions subdirectories are owned by the pool's user. */
  poolDataDir(pool: string): string;
}

export interface SupervisordLayout {
  includeDir: string;
  programFile(program: string): string;
  mainConfig: string;
  socket: string;
  logDir: string;
}

export interface Layout {
  profile: Profile;
  /** Root every path is under: the embedded root, or "/" (relocatable for tests) for system. */
  root: string;
  stateDir: string;
  nginx: NginxLayout;
  php: PhpLayout;
  supervisord: SupervisordLayout;
  programs: { runDir: string; logDir: string };
  terminals: { runDir: string };
  /** Where tenants' document roots may lie (tend's --web-base flag; never the desired state). */
  webBases: readonly string[];
  /**
   * The host's ceiling for every log tend writes, when `tend serve --log-max-size/--log-keep` set
   * one: a Program's or Job's own `logs` limits apply up to it. Absent: their own (decision 0044).
   */
  logLimits?: { maxBytes: number; keep: number };
}

export interface LayoutOptions {
  /** Embedded: port the sites listen on (default 8080). */
  httpPort?: number;
  httpsPort?: number;
  /** Where Debian's binaries live (default /usr/sbin); tests keep the default. */
  sbin?: string;
  /** Where Sites' roots may lie (default DEFAULT_WEB_BASES). */
  webBases?: readonly string[];
  /** The log ceiling (Layout.logLimits). */
  logLimits?: { maxBytes: number; keep: number };
}

const join = (...parts: string[]) => parts.join('/').replace(/\/{2,}/g, '/');

export function embeddedLayout(root: string, opts: LayoutOptions = {}): Layout {
  const sbin = opts.sbin ?? '/usr/sbin';
  return {
    profile: 'embedded',
    root,
    stateDir: join(root, 'state'),
    nginx: {
      siteFile: (site) => join(root, 'nginx/sites', `${site}.conf`),
      siteLink: () => undefined,
      includeDir: join(root, 'nginx/sites'),
      mainConfig: join(root, 'nginx/nginx.conf'),
      prefix: join(root, 'nginx'),
      pidFile: join(root, 'run/nginx.pid'),
      errorLog: join(root, 'log/nginx-error.log'),
      siteLog: (site, stream) => join(root, 'log/nginx', `${site}.${stream}.log`),
      listenAddress: '127.0.0.1',
      listenPort: opts.httpPort ?? 8080,
      tlsPort: opts.httpsPort ?? 8443,
      ownsHttpBlock: true,
    },
    php: {
      poolFile: (v, pool) => join(root, 'php', v, 'pool.d', `${pool}.conf`),
      poolDir: (v) => join(root, 'php', v, 'pool.d'),
      socket: (v, pool) => join(root, 'run/php', `${v}-${pool}.sock`),
      slowlog: (v, pool) => join(root, 'log/php', `${v}-${pool}.slow.log`),
      accessLog: (v, pool) => join(root, 'log/php', `${v}-${pool}.access.log`),
      poolErrorLog: (v, pool) => join(root, 'log/php/tenants', `${v}-${pool}`, 'error.log'),
      mainConfig: (v) => join(root, 'php', v, 'php-fpm.conf'),
      pidFile: (v) => join(root, `run/php-fpm${v}.pid`),
      errorLog: (v) => join(root, `log/php-fpm${v}.log`),
      binary: (v) => join(sbin, `php-fpm${v}`),
      poolDataDir: (pool) => join(root, 'pools', pool),
    },
    supervisord: {
      includeDir: join(root, 'supervisor/conf.d'),
      programFile: (p) => join(root, 'supervisor/conf.d', `${p}.conf`),
      mainConfig: join(root, 'supervisor/supervisord.conf'),
      socket: join(root, 'run/supervisor.sock'),
      logDir: join(root, 'log/supervisor'),
    },
    programs: { runDir: join(root, 'run/programs'), logDir: join(root, 'log/programs') },
    terminals: { runDir: join(root, 'run/terminals') },
    webBases: opts.webBases ?? DEFAULT_WEB_BASES,
    ...(opts.logLimits ? { logLimits: opts.logLimits } : {}),
  };
}

/** Debian/Ubuntu paths. `root` relocates everything (tests use a temp dir); production uses "/". */
export function systemLayout(root = '/', opts: LayoutOptions = {}): Layout {
  const sbin = opts.sbin ?? '/usr/sbin';
  const at = (p: string) => join(root, p);
  return {
    profile: 'system',
    root,
    stateDir: at('/var/lib/tend'),
    nginx: {
      siteFile: (site) => at(`/etc/nginx/sites-available/${site}.conf`),
      siteLink: (site) => at(`/etc/nginx/sites-enabled/${site}.conf`),
      includeDir: at('/etc/nginx/sites-enabled'),
      mainConfig: at('/etc/nginx/nginx.conf'),
      prefix: at('/etc/nginx'),
      pidFile: at('/run/nginx.pid'),
      errorLog: at('/var/log/nginx/error.log'),
      siteLog: (site, stream) => at(`/var/log/nginx/${site}.${stream}.log`),
      listenAddress: '0.0.0.0',
      listenPort: opts.httpPort ?? 80,
      tlsPort: opts.httpsPort ?? 443,
      ownsHttpBlock: false,
    },
    php: {
      poolFile: (v, pool) => at(`/etc/php/${v}/fpm/pool.d/${pool}.conf`),
      poolDir: (v) => at(`/etc/php/${v}/fpm/pool.d`),
      socket: (v, pool) => at(`/run/php/php${v}-fpm-${pool}.sock`),
      slowlog: (v, pool) => at(`/var/log/php${v}-fpm/${pool}.slow.log`),
      accessLog: (v, pool) => at(`/var/log/php${v}-fpm/${pool}.access.log`),
      poolErrorLog: (v, pool) => at(`/var/log/php${v}-fpm/tenants/${pool}/error.log`),
      mainConfig: (v) => at(`/etc/php/${v}/fpm/php-fpm.conf`),
      pidFile: (v) => at(`/run/php/php${v}-fpm.pid`),
      errorLog: (v) => at(`/var/log/php${v}-fpm.log`),
      binary: (v) => join(sbin, `php-fpm${v}`),
      poolDataDir: (pool) => at(`/var/lib/php/tend/${pool}`),
    },
    supervisord: {
      includeDir: at('/etc/supervisor/conf.d'),
      programFile: (p) => at(`/etc/supervisor/conf.d/${p}.conf`),
      mainConfig: at('/etc/supervisor/supervisord.conf'),
      socket: at('/run/supervisor.sock'),
      logDir: at('/var/log/supervisor'),
    },
    programs: { runDir: at('/run/tend/programs'), logDir: at('/var/log/tend/programs') },
    terminals: { runDir: at('/run/tend/terminals') },
    webBases: opts.webBases ?? DEFAULT_WEB_BASES,
    ...(opts.logLimits ? { logLimits: opts.logLimits } : {}),
  };
}

export function layoutFor(profile: Profile, root: string, opts: LayoutOptions = {}): Layout {
  return profile === 'embedded' ? embeddedLayout(root, opts) : systemLayout(root, opts);
}
