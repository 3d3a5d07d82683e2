// Site → nginx vhost: builds a view of already-escaped values and lays it out with
// templates/nginx/site.conf.mustache (one server per scheme, locations per preset).
import { TendError } from '../errors/catalogue.js';
import { keyOf, PHP_PRESETS, type Site } from '../model/index.js';
import { poolEndpoint, programPorts, referencedPool, type RenderContext } from './context.js';
import { FASTCGI_PARAMS, setsFastcgiParam } from './fastcgi-params.js';
import {
  hostPort,
  iniSeconds,
  nginxDirective,
  nginxHeaderName,
  nginxPath,
  nginxProxyUrl,
  nginxQuoted,
  nginxRedirectTarget,
  nginxServerName,
  nginxSize,
  nginxUrlPath,
  nginxToken,
  portNumber,
} from './escape.js';
import { managedHeader, type Rendered, type RenderedLink } from './types.js';

const DEFAULT_INDEX: Record<Site['spec']['preset'], string[]> = {
  php: ['index.php', 'index.html'],
  laravel: ['index.php'],
  wordpress: ['index.php', 'index.html'],
  static: ['index.html', 'index.htm'],
  spa: ['index.html'],
  proxy: [],
};

/** Exact-match locations a preset defines itself; a redirect of the same path replaces them. */
const PRESET_EXACT = { wordpress: '/xmlrpc.php' } as const;

function redirectsOf(site: Site) {
  const seen = new Set<string>();
  return site.spec.redirects.map((r) => {
    const from = nginxUrlPath(r.from, 'redirect from');
    if (seen.has(from))
      throw new TendError(
        'TEND_ERR_DUPLICATE',
        `Site/${site.metadata.name}: redirect from ${from} is listed twice`,
        {
          key: keyOf(site),
          path: ['spec', 'redirects'],
        },
      );
    seen.add(from);
    if (![301, 302, 307, 308].includes(r.status))
      throw new TendError(
        'TEND_ERR_UNSAFE_VALUE',
        `redirect status: expected 301, 302, 307 or 308, got ${r.status}`,
      );
    return { from, status: r.status, to: nginxRedirectTarget(r.to) };
  });
}

function fastcgiOf(site: Site, ctx: RenderContext) {
  const pool = referencedPool(site, ctx);
  const endpoint = poolEndpoint(pool, ctx.layout);
  const pass =
    endpoint.type === 'socket'
      ? `unix:${nginxPath(endpoint.path, 'pool socket')}`
      : hostPort(endpoint.address, endpoint.port, 'pool listen');
  // nginx would otherwise cut a request at 60 s that the pool is still allowed to finish.
  const readTimeout = pool.spec.requestTimeout ? iniSeconds(pool.spec.requestTimeout) : undefined;
  // A server-level fastcgi_param (an escape hatch) would stop the location inheriting the list.
  const inheritsParams = ctx.layout.nginx.ownsHttpBlock && !site.spec.extraDirectives.some(setsFastcgiParam);
  return {
    pass,
    passVariable: endpoint.type === 'socket',
    readTimeout,
    inheritsParams,
    params: FASTCGI_PARAMS,
  };
}

function proxyOf(site: Site, ctx: RenderContext) {
  const proxy = site.spec.proxy;
  if (!proxy) throw new TendError('TEND_ERR_SCHEMA', `Site/${site.metadata.name}: preset proxy needs proxy`);
  if (proxy.url !== undefined) return { pass: nginxProxyUrl(proxy.url), websockets: proxy.websockets };
  const ports = programPorts(site, proxy.program ?? '', ctx);
  const servers = ports.map((p) => hostPort('127.0.0.1', p, 'program port'));
  if (servers.length === 1) return { pass: `http://${servers[0]}`, websockets: proxy.websockets };
  const name = nginxToken(`tend-site-${site.metadata.name}`, 'upstream name');
  return { pass: `http://${name}`, websockets: proxy.websockets, upstream: { name, servers } };
}

function hstsOf(site: Site): string | undefined {
  const hsts = site.spec.tls?.hsts;
  if (!hsts) return undefined;
  return nginxQuoted(`max-age=${hsts.maxAge}${hsts.includeSubdomains ? '; includeSubDomains' : ''}`);
}

/**
 * The vhost marker (docs/decisions/0032): the server block names its Site in X-Tend-Site only for
 * a request carrying the host's probe secret, so the probe knows which server block answered.
 * Variable names take no '-': a Site name's '-' becomes '_', which a name itself cannot hold.
 */
function probeMarkerOf(site: Site, ctx: RenderContext) {
  if (ctx.probeSecret === undefined || !/^[0-9a-f]{32}$/.test(ctx.probeSecret)) return undefined;
  return {
    variable: `$tend_probe_${site.metadata.name.replaceAll('-', '_')}`,
    secret: ctx.probeSecret,
    name: site.metadata.name,
  };
}

export function renderSite(site: Site, ctx: RenderContext): Rendered {
  const { layout } = ctx;
  const name = site.metadata.name;
  const key = keyOf(site);
  const spec = site.spec;
  const listenPort = portNumber(spec.listenPort ?? layout.nginx.listenPort, 'listenPort');
  const tlsPort = portNumber(layout.nginx.tlsPort, 'tlsPort');
  const serverNames = spec.domains.map(nginxServerName);
  const root = spec.root === undefined ? undefined : nginxPath(spec.root, 'root');
  const index = (spec.index ?? DEFAULT_INDEX[spec.preset]).map((f) => nginxToken(f, 'index'));
  const redirects = redirectsOf(site);
  const proxy = spec.preset === 'proxy' ? proxyOf(site, ctx) : undefined;
  const files = tlsFilesOf(site, ctx);
  const tls = spec.tls &&
    files && {
      tlsListen: hostPort(layout.nginx.listenAddress, tlsPort, 'listen address'),
      certificate: nginxPath(files.certificate, 'tls.certificate'),
      key: nginxPath(files.key, 'tls.key'),
      hsts: hstsOf(site),
      // The system profile lives inside the distribution's nginx.conf, whose ssl_* defaults are older.
      mozillaIntermediate: layout.profile === 'system',
    };
  const acme = spec.tls?.acme !== undefined;
  const view = {
    upstream: proxy?.upstream,
    listen: hostPort(layout.nginx.listenAddress, listenPort, 'listen address'),
    serverNames: [...new Set(serverNames)].join(' '),
    redirectToTls:
      spec.tls?.redirect === true && tls
        ? { target: `https://$host${tlsPort === 443 ? '' : `:${tlsPort}`}$request_uri` }
        : undefined,
    acmeRoot: acme ? undefined : root,
    acmeChallenge: acme ? { dir: nginxPath(acmeChallengeDirOf(site, ctx), 'acme challenge dir') } : undefined,
    tls,
    root,
    index: index.length > 0 ? index.join(' ') : undefined,
    clientMaxBodySize: nginxSize(spec.clientMaxBodySize, 'clientMaxBodySize'),
    accessLog: nginxPath(layout.nginx.siteLog(name, 'access'), 'access log'),
    errorLog: nginxPath(layout.nginx.siteLog(name, 'error'), 'error log'),
    headers: Object.entries(spec.headers).map(([h, v]) => ({
      name: nginxHeaderName(h),
      value: nginxQuoted(v),
    })),
    extraDirectives: spec.extraDirectives.map((d) => ({ text: nginxDirective(d) })),
    redirects,
    preset: { [spec.preset]: true },
    hiddenByMap: layout.nginx.ownsHttpBlock,
    fastcgi: PHP_PRESETS.includes(spec.preset) ? fastcgiOf(site, ctx) : undefined,
    proxy,
    denyXmlrpc: !redirects.some((r) => r.from === PRESET_EXACT.wordpress),
    probeMarker: probeMarkerOf(site, ctx),
  };
  const path = layout.nginx.siteFile(name);
  // One body serves both the HTTP and the HTTPS server: rendered once, embedded twice.
  const body = ctx.templates.block('nginx/partials/server-body', view, '    ');
  const content = managedHeader('#', key) + ctx.templates.render('nginx/site.conf', { ...view, body });
  const linkPath = layout.nginx.siteLink(name);
  const links: RenderedLink[] = linkPath ? [{ path: linkPath, target: path, service: 'nginx' }] : [];
  const scheme = tls ? 'https' : 'http';
  const port = tls ? tlsPort : listenPort;
  const defaultPort = tls ? 443 : 80;
  const host = serverNames.find((d) => !d.startsWith('*.')) ?? serverNames[0]?.slice(2);
  return {
    key,
    files: [{ path, content, mode: 0o644, service: 'nginx', secrets: [] }],
    links,
    outputs: { url: `${scheme}://${host}${port === defaultPort ? '' : `:${port}`}/` },
    directories: [dirname(layout.nginx.siteLog(name, 'access'))],
  };
}

/** File-based TLS names its files; an ACME Site has files once tend has issued them (else plain HTTP). */
function tlsFilesOf(site: Site, ctx: RenderContext): { certificate: string; key: string } | undefined {
  const tls = site.spec.tls;
  if (!tls) return undefined;
  if (tls.acme) return ctx.acmeCertificates?.get(site.metadata.name);
  if (tls.certificate === undefined || tls.key === undefined) return undefined;
  return ctx.tlsFileCopies?.get(site.metadata.name) ?? { certificate: tls.certificate, key: tls.key };
}

function acmeChallengeDirOf(site: Site, ctx: RenderContext): string {
  if (ctx.acmeChallengeDir === undefined)
    throw new TendError('TEND_ERR_SCHEMA', `Site/${site.metadata.name}: tls.acme needs tend's ACME room`);
  return ctx.acmeChallengeDir;
}

const dirname = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';
