// nginx server blocks → Site documents for `tend import`. Each directive either maps to a Site
// field, goes to spec.extraDirectives when the Site schema's allowlist takes it, or gets a reason
// the round trip (verify.ts) reports beside it. Nothing here is trusted: the loader validates it all.
import { HOSTNAME_PATTERN } from '../model/primitives.js';
import { siteSpec } from '../model/site.js';
import { directiveText, flattenWithLines, type NginxDirective } from '../directives/nginx-config.js';
import { oneLine, type Finding, type ImportedResource } from './types.js';

export interface SiteImportContext {
  /** The host file the server blocks come from. */
  file: string;
  /** Its file name without `.conf`, the base of the Site names. */
  baseName: string;
  /** The port tend's layout listens on when a Site names none. */
  listenPort: number;
  /** A pool's listen address as its pool file writes it (socket path or host:port) → the Pool's name. */
  poolsByListen: ReadonlyMap<string, string>;
}

/** A DNS label from a file name: `example.com.conf` → `example-com`. */
export function resourceName(base: string, index = 0): string {
  const label =
    base
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 58) || 'imported';
  return index === 0 ? label : `${label}-${index + 1}`;
}

const TRY_FILES_PRESET: Record<string, 'laravel' | 'wordpress' | 'php'> = {
  '$uri $uri/ /index.php?$query_string': 'laravel',
  '$uri $uri/ /index.php?$args': 'wordpress',
  '$uri $uri/ /index.php$is_args$args': 'php',
};

/** Server-level directives a preset writes itself: kept in extraDirectives they would be doubled. */
const PRESET_DIRECTIVES: Record<string, string[]> = { laravel: ['error_page 404 /index.php'] };

function walk(list: readonly NginxDirective[], visit: (d: NginxDirective) => void): void {
  for (const d of list) {
    visit(d);
    if (d.block) walk(d.block, visit);
  }
}

/** The ports of `listen` arguments such as 80, *:80, 0.0.0.0:8080 or [::]:80. */
function listenPort(arg: string): { port: number; ipv6: boolean } | undefined {
  const m = /^(?:(\[[0-9a-fA-F:.]+\])|[^:]*):(\d{1,5})$|^(\d{1,5})$/.exec(arg);
  if (!m) return undefined;
  return { port: Number(m[2] ?? m[3]), ipv6: m[1] !== undefined };
}

function extraDirectiveIssue(text: string): string | undefined {
  const parsed = siteSpec.shape.extraDirectives.safeParse([text]);
  return parsed.success ? undefined : parsed.error.issues.map((i) => i.message).join('; ');
}

type Mapped = { resource: ImportedResource } | { refused: Finding };

function mapServer(server: NginxDirective, ctx: SiteImportContext, name: string): Mapped {
  const reasons = new Map<number, string>();
  const steps: string[] = [];
  const spec: Record<string, unknown> = { adopt: true };
  const domains: string[] = [];
  const headers: Record<string, string> = {};
  const extra: string[] = [];
  const ports = new Set<number>();
  const tlsFiles: { certificate?: string; key?: string } = {};
  let sslListen = false;
  let rootLocation: NginxDirective | undefined;
  const refuse = (why: string): Mapped => ({
    refused: { file: ctx.file, line: server.line, text: 'server', why },
  });

  for (const d of server.block ?? []) {
    switch (d.name) {
      case 'server_name':
        domains.push(...d.args);
        break;
      case 'listen': {
        const at = d.args[0] === undefined ? undefined : listenPort(d.args[0]);
        if (!at) {
          reasons.set(d.line, 'a listen address other than a port (a unix socket or a named host)');
          break;
        }
        if (d.args.includes('ssl')) sslListen = true;
        else ports.add(at.port);
        if (at.ipv6) reasons.set(d.line, 'tend listens on its layout address (0.0.0.0), not on IPv6');
        else if (d.args.length > 1)
          reasons.set(d.line, `listen flags (${oneLine(d.args.slice(1).join(' '))}) are tend's to choose`);
        break;
      }
      case 'root':
        spec.root = d.args[0];
        break;
      case 'index':
        spec.index = d.args;
        break;
      case 'client_max_body_size':
        spec.clientMaxBodySize = d.args[0] ?? '';
        break;
      case 'add_header':
        if (d.args.length === 3 && d.args[2] === 'always') headers[d.args[0]!] = d.args[1]!;
        else {
          headers[d.args[0] ?? ''] = d.args[1] ?? '';
          reasons.set(d.line, 'tend writes every header with "always"');
        }
        break;
      case 'ssl_certificate':
        tlsFiles.certificate = d.args[0];
        break;
      case 'ssl_certificate_key':
        tlsFiles.key = d.args[0];
        break;
      case 'access_log':
      case 'error_log':
        reasons.set(d.line, "tend writes each Site's logs to files of its own layout");
        break;
      case 'include':
        reasons.set(d.line, 'tend does not read included files; it writes what its preset needs itself');
        break;
      case 'location':
        if (d.args.length === 1 && d.args[0] === '/') rootLocation = d;
        break;
      default: {
        if (d.block) {
          reasons.set(d.line, `a Site has no field for a "${d.name}" block`);
          break;
        }
        const text = directiveText(d);
        const issue = extraDirectiveIssue(text);
        if (issue === undefined) extra.push(text);
        else reasons.set(d.line, `not kept in spec.extraDirectives: ${issue}`);
      }
    }
  }

  if (domains.length === 0)
    return refuse('a server block without server_name: a Site is found by its domains');
  const bad = domains.find((x) => !HOSTNAME_PATTERN.test(x) || x.length > 253);
  if (bad !== undefined)
    return refuse(
      `server_name ${oneLine(bad)} is not a domain name (a catch-all "_", a regex or an empty name); a Site answers for named domains only`,
    );
  spec.domains = [...new Set(domains.map((x) => x.toLowerCase()))];

  // The preset follows from `location /` and whether PHP is passed anywhere.
  let fastcgiPass: string | undefined;
  walk(server.block ?? [], (d) => {
    if (d.name === 'fastcgi_pass') fastcgiPass ??= d.args[0];
  });
  const rootDirectives = rootLocation?.block ?? [];
  const tryFiles = rootDirectives.find((d) => d.name === 'try_files')?.args.join(' ');
  const proxyPass = rootDirectives.find((d) => d.name === 'proxy_pass')?.args[0];
  let preset: string;
  if (proxyPass !== undefined) {
    preset = 'proxy';
    const upgrade = rootDirectives.some(
      (d) => d.name === 'proxy_set_header' && d.args[0]?.toLowerCase() === 'upgrade',
    );
    spec.proxy = { url: proxyPass, websockets: upgrade };
  } else if (tryFiles !== undefined && TRY_FILES_PRESET[tryFiles]) preset = TRY_FILES_PRESET[tryFiles];
  else if (fastcgiPass !== undefined) preset = 'php';
  else if (tryFiles !== undefined && /\/index\.html$/.test(tryFiles)) preset = 'spa';
  else if (spec.root === undefined)
    return refuse('a server block with neither a root nor a proxied location /');
  else preset = 'static';
  spec.preset = preset;
  if (preset === 'laravel' || preset === 'wordpress' || preset === 'php') {
    const address = fastcgiPass?.replace(/^unix:/, '');
    const pool = address === undefined ? undefined : ctx.poolsByListen.get(address);
    if (pool === undefined)
      return refuse(
        `runs PHP through ${oneLine(fastcgiPass ?? 'no fastcgi_pass')}, which is no pool import read from pool.d; import the pool with it`,
      );
    spec.php = { pool };
  }
  for (const d of server.block ?? [])
    if (d.name === 'location')
      walk([d], (inner) => {
        if (!inner.block)
          reasons.set(
            inner.line,
            `tend's ${preset} preset writes its own locations; this line is not one of them`,
          );
      });

  if (Object.keys(headers).length > 0) spec.headers = headers;
  const own = PRESET_DIRECTIVES[preset] ?? [];
  const kept = extra.filter((x) => !own.includes(x));
  if (kept.length > 0) spec.extraDirectives = kept;
  const plain = [...ports];
  if (sslListen) {
    spec.tls = { ...tlsFiles, redirect: false };
    if (plain.length === 0)
      steps.push('tend also serves the Site over plain HTTP (tls.redirect: false keeps it serving)');
  }
  if (plain.length > 1) return refuse(`listens on several ports (${plain.join(', ')}); a Site has one`);
  if (plain.length === 1 && plain[0] !== ctx.listenPort) spec.listenPort = plain[0];

  return {
    resource: {
      kind: 'Site',
      name,
      file: ctx.file,
      line: server.line,
      document: { apiVersion: 'tend/v1', kind: 'Site', metadata: { name }, spec },
      original: flattenWithLines([server]),
      reasons,
      steps,
      lost: [],
      added: [],
    },
  };
}

/**
 * The first server block of one vhost file that maps becomes the Site that takes the file over; it
 * is compared with the whole file, so every other block and top-level line is listed under it as
 * not carried over (and refused here, with why), never dropped unseen.
 */
export function sitesFromConfig(
  tree: readonly NginxDirective[],
  ctx: SiteImportContext,
): { resources: ImportedResource[]; refused: Finding[] } {
  const refused: Finding[] = [];
  let site: ImportedResource | undefined;
  for (const d of tree) {
    if (d.name !== 'server' || !d.block) {
      refused.push({
        file: ctx.file,
        line: d.line,
        text: directiveText(d),
        why: 'outside a server block: a Site renders only its own server blocks',
      });
      continue;
    }
    if (site) {
      refused.push({
        file: ctx.file,
        line: d.line,
        text: 'server',
        why: `a second server block: Site/${site.name} takes over this file with one server block, so this one is listed under it; move it to a file of its own and import again`,
      });
      continue;
    }
    const mapped = mapServer(d, ctx, resourceName(ctx.baseName));
    if ('refused' in mapped) refused.push(mapped.refused);
    else site = { ...mapped.resource, original: flattenWithLines(tree) };
  }
  return { resources: site ? [site] : [], refused };
}
