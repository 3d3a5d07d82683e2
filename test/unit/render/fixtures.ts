// Render cases shared by the golden test and the real nginx/php-fpm validation: one per preset and
// per pool variant, parameterised by the paths that must exist when a real validator reads them.
import type { Layout } from '../../../src/layout/index.js';
import { SCHEMAS, type Kind, type Resource, type ResourceKey } from '../../../src/model/index.js';

export interface FixturePaths {
  /** Parent of every document root and pool chdir. */
  www: string;
  cert: string;
  key: string;
  /** Ports of TCP pools and proxied programs (must be distinct; free when validated for real). */
  ports: readonly [number, number, number];
}

export const GOLDEN_PATHS: FixturePaths = {
  www: '/srv/www',
  cert: '/etc/ssl/tend/example.crt',
  key: '/etc/ssl/tend/example.key',
  ports: [9001, 3000, 4000],
};

export interface RenderCase {
  /** Golden file name without .conf, e.g. nginx-php or pool-ondemand. */
  golden: string;
  /** The resource whose file is compared. */
  target: ResourceKey;
  /** Every resource the target needs in the render context. */
  resources: Resource[];
  profile: Layout['profile'];
  /** Leased ports of each instance of `port: auto` Programs. */
  programPorts?: Record<string, number[]>;
  tls?: boolean;
}

export function resource(kind: Kind, name: string, spec: unknown): Resource {
  return SCHEMAS[kind].parse({ apiVersion: 'tend/v1', kind, metadata: { name }, spec });
}

export function renderCases(p: FixturePaths): RenderCase[] {
  const [tcpPort, programPort, autoPort] = p.ports;
  const pool = resource('Pool', 'app', { php: '8.2' });
  const tcpPool = resource('Pool', 'tcp', {
    php: '8.2',
    listen: { port: tcpPort, unsafe: true },
    requestTimeout: '2m',
  });
  const program = resource('Program', 'web', { command: ['node', 'server.js'], port: programPort });
  const scaled = resource('Program', 'api', { command: ['node', 'api.js'], port: 'auto', instances: 3 });
  const site = (name: string, spec: Record<string, unknown>) =>
    resource('Site', name, { domains: [`${name}.example.com`], ...spec });
  const php = (name: string, preset: string, extra: Record<string, unknown> = {}) =>
    site(name, { preset, root: `${p.www}/${name}`, php: { pool: 'app' }, ...extra });
  const c = (golden: string, target: Resource, deps: Resource[] = [], extra: Partial<RenderCase> = {}) => ({
    golden,
    target: `${target.kind}/${target.metadata.name}` as ResourceKey,
    resources: [target, ...deps],
    profile: 'embedded' as const,
    ...extra,
  });
  const tls = { certificate: p.cert, key: p.key };
  return [
    c('nginx-php', php('blog', 'php'), [pool]),
    c(
      'nginx-php-tcp-pool',
      site('legacy', { preset: 'php', root: `${p.www}/legacy`, php: { pool: 'tcp' } }),
      [tcpPool],
    ),
    c('nginx-laravel', php('shop', 'laravel', { domains: ['Shop.Example.com', 'www.shop.example.com'] }), [
      pool,
    ]),
    c('nginx-wordpress', php('news', 'wordpress', { clientMaxBodySize: '64m' }), [pool]),
    c('nginx-static', site('docs', { preset: 'static', root: `${p.www}/docs` })),
    c('nginx-spa', site('dash', { preset: 'spa', root: `${p.www}/dash`, index: ['index.html'] })),
    c('nginx-proxy-program', site('app', { preset: 'proxy', proxy: { program: 'web' } }), [program]),
    c(
      'nginx-proxy-url',
      site('ext', {
        preset: 'proxy',
        proxy: { url: `http://127.0.0.1:${programPort}/base`, websockets: false },
      }),
    ),
    c('nginx-proxy-instances', site('api', { preset: 'proxy', proxy: { program: 'api' } }), [scaled], {
      programPorts: { api: [autoPort, autoPort + 1, autoPort + 2] },
    }),
    c(
      'nginx-static-tls-hsts-redirect',
      site('secure', {
        preset: 'static',
        root: `${p.www}/secure`,
        domains: ['secure.example.com', '*.secure.example.com'],
        tls: { ...tls, hsts: { maxAge: 63072000, includeSubdomains: true } },
      }),
      [],
      { tls: true },
    ),
    c(
      'nginx-spa-tls-both',
      site('both', { preset: 'spa', root: `${p.www}/both`, tls: { ...tls, redirect: false } }),
      [],
      {
        tls: true,
      },
    ),
    c(
      'nginx-php-headers-redirects-extra',
      php('extras', 'php', {
        listenPort: 8081,
        headers: {
          'X-Frame-Options': 'SAMEORIGIN',
          'Content-Security-Policy': "default-src 'self'; img-src *",
        },
        redirects: [
          { from: '/old', to: '/new' },
          { from: '/moved', to: 'https://elsewhere.example.com/page', status: 308 },
        ],
        extraDirectives: ['gzip on', 'gzip_types text/css application/javascript', 'add_header X-Host $host'],
      }),
      [pool],
    ),
    c(
      'nginx-wordpress-system',
      php('corp', 'wordpress', { redirects: [{ from: '/xmlrpc.php', to: '/' }] }),
      [pool],
      {
        profile: 'system',
      },
    ),
    c('pool-default', pool),
    c('pool-tcp', tcpPool),
    c(
      'pool-ondemand',
      resource('Pool', 'lazy', {
        php: '8.2',
        pm: { type: 'ondemand', maxChildren: 4, processIdleTimeout: '1500ms' },
      }),
    ),
    c(
      'pool-static',
      resource('Pool', 'fixed', { php: '8.2', pm: { type: 'static', maxChildren: 8 }, maxRequests: 0 }),
    ),
    c(
      'pool-dynamic-start-default',
      resource('Pool', 'mid', {
        php: '8.2',
        pm: { type: 'dynamic', maxChildren: 20, minSpareServers: 2, maxSpareServers: 9 },
      }),
    ),
    c(
      'pool-full',
      resource('Pool', 'full', {
        php: '8.2',
        user: 'www-data',
        group: 'www-data',
        listen: { owner: 'www-data', group: 'www-data', mode: '660' },
        requestTimeout: '60s',
        slowlog: { timeout: '5s' },
        chdir: p.www,
        phpAdminValues: {
          memory_limit: '256M',
          'session.save_path': '/var/lib/php/sessions',
          error_log: 'syslog',
        },
        phpAdminFlags: { display_errors: false, log_errors: true },
        env: {
          APP_ENV: 'production',
          GREETING: 'say "hi"; # not a comment = still text',
          DB_PASSWORD: { value: 'pa$$w0rd"${HOME}\\' },
          PUBLIC_NOTE: { value: 'yes', secret: false },
        },
        health: { ping: '/fpm-ping', response: 'alive' },
      }),
    ),
    c('pool-system', resource('Pool', 'sys', { php: '8.2' }), [], { profile: 'system' }),
  ];
}
