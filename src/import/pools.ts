// php-fpm pool files (pool.d/*.conf, read with the `ini` package) → Pool documents for `tend import`.
// Keys with a Pool field map to it; the rest get a reason the round trip reports (verify.ts). php-fpm's
// own defaults are written out where tend's differ (pm.max_requests), so the pool keeps behaving.
import { iniSections, type IniSection } from '../directives/ini-sections.js';
import { lineOf, sectionLine, sectionLines } from '../directives/ini-lines.js';
import { oneLine, type Finding, type ImportedResource } from './types.js';
import { resourceName } from './sites.js';

export interface PoolFileContext {
  file: string;
  /** The PHP version of the pool.d directory (/etc/php/<v>/fpm/pool.d). */
  php: string;
}

const INDEXED = /^(php_admin_value|php_admin_flag|php_value|php_flag|env)\[([^\]]*)\]$/;

/** php-fpm times: a number of seconds, or with an s/m/h/d suffix; 0 means off. */
function seconds(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([smhd]?)$/.exec(value.trim());
  if (!m || m[1] === '0') return undefined;
  return `${m[1]}${m[2] || 's'}`;
}

const int = (value: string | undefined) => (value === undefined ? undefined : Number(value.trim()));

function flag(value: string): boolean | undefined {
  const v = value.trim().toLowerCase();
  if (['on', 'yes', 'true', '1'].includes(v)) return true;
  if (['off', 'no', 'false', '0', ''].includes(v)) return false;
  return undefined;
}

function mapPool(name: string, s: IniSection, text: string, ctx: PoolFileContext): ImportedResource {
  const reasons = new Map<number, string>();
  const why = (key: string, reason: string) => reasons.set(lineOf(text, name, key), reason);
  const spec: Record<string, unknown> = { php: ctx.php, adopt: true };
  if (s.user !== undefined) spec.user = s.user;
  if (s.group !== undefined) spec.group = s.group;

  const listen = s.listen ?? '';
  const tcp = /^(?:(127\.0\.0\.1|\[::1\]|localhost):)?(\d{1,5})$/.exec(listen);
  if (tcp) spec.listen = { address: tcp[1] === '[::1]' ? '::1' : '127.0.0.1', port: Number(tcp[2]) };
  else {
    const socket: Record<string, unknown> = { socket: true };
    if (s['listen.owner'] !== undefined) socket.owner = s['listen.owner'];
    if (s['listen.group'] !== undefined) socket.group = s['listen.group'];
    if (s['listen.mode'] !== undefined) socket.mode = s['listen.mode'];
    spec.listen = socket;
    why('listen', "tend derives every pool's socket path (the Sites that use it follow)");
  }

  const type = s.pm ?? 'dynamic';
  const maxChildren = int(s['pm.max_children']);
  if (type === 'static') spec.pm = { type, maxChildren };
  else if (type === 'ondemand')
    spec.pm = {
      type,
      maxChildren,
      ...(seconds(s['pm.process_idle_timeout'])
        ? { processIdleTimeout: seconds(s['pm.process_idle_timeout']) }
        : {}),
    };
  else
    spec.pm = {
      type,
      maxChildren,
      ...(s['pm.start_servers'] !== undefined ? { startServers: int(s['pm.start_servers']) } : {}),
      minSpareServers: int(s['pm.min_spare_servers']),
      maxSpareServers: int(s['pm.max_spare_servers']),
    };
  // php-fpm's default is 0 (never recycle); tend's is 500, so the host's behaviour is written out.
  spec.maxRequests = int(s['pm.max_requests']) ?? 0;
  const timeout = seconds(s.request_terminate_timeout);
  if (timeout) spec.requestTimeout = timeout;
  const slow = seconds(s.request_slowlog_timeout);
  if (slow && s.slowlog !== undefined) {
    spec.slowlog = { timeout: slow };
    why('slowlog', "php-fpm's root master writes the slow log, so tend keeps it in its own log dir");
  }
  if (s['access.log'] !== undefined) {
    spec.accessLog = true;
    why('access.log', 'tend writes the access log to its own log dir, in its own format');
    why('access.format', 'tend writes the access log to its own log dir, in its own format');
  }
  if (s.chdir !== undefined) spec.chdir = s.chdir;
  const health: Record<string, string> = {};
  if (s['ping.path'] !== undefined) health.ping = s['ping.path'];
  if (s['ping.response'] !== undefined) health.response = s['ping.response'];
  if (s['pm.status_path'] !== undefined) health.statusPath = s['pm.status_path'];
  if (Object.keys(health).length > 0) spec.health = health;

  const adminValues: Record<string, string> = {};
  const adminFlags: Record<string, boolean> = {};
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(s)) {
    const m = INDEXED.exec(key);
    if (!m) continue;
    const [, kind, name] = m as unknown as [string, string, string];
    if (kind === 'env') env[name] = value;
    else if (kind === 'php_admin_value' && name === 'open_basedir') spec.openBasedir = value.split(':');
    else if (kind === 'php_admin_value') adminValues[name] = value;
    else if (kind === 'php_admin_flag') {
      const on = flag(value);
      if (on === undefined) why(key, `expected on or off, got ${oneLine(value)}`);
      else adminFlags[name] = on;
    } else
      why(key, `a Pool sets PHP only through phpAdminValues/phpAdminFlags, which the app cannot override`);
  }
  if (Object.keys(adminValues).length > 0) spec.phpAdminValues = adminValues;
  if (Object.keys(adminFlags).length > 0) spec.phpAdminFlags = adminFlags;
  if (Object.keys(env).length > 0) spec.env = env;

  const resource = resourceName(name);
  return {
    kind: 'Pool',
    name: resource,
    file: ctx.file,
    line: sectionLine(text, name) || 1,
    document: { apiVersion: 'tend/v1', kind: 'Pool', metadata: { name: resource }, spec },
    original: sectionLines(name, s, text),
    reasons,
    steps: [],
    lost: [],
    added: [],
  };
}

/** Every [pool] section of one pool file; [global] and the like are not pools. */
export function poolsFromFile(
  text: string,
  ctx: PoolFileContext,
): { resources: ImportedResource[]; refused: Finding[] } {
  const resources: ImportedResource[] = [];
  const refused: Finding[] = [];
  for (const [section, body] of iniSections(text)) {
    if (section === 'global') {
      refused.push({ file: ctx.file, text: oneLine(section), why: 'outside a pool section' });
      continue;
    }
    if (!/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(section)) {
      refused.push({
        file: ctx.file,
        line: sectionLine(text, section),
        text: `[${oneLine(section)}]`,
        why: 'a pool name must be a DNS label (lowercase letters, digits and "-") to be a Pool',
      });
      continue;
    }
    resources.push(mapPool(section, body, text, ctx));
  }
  return { resources, refused };
}

/** A pool section's listen address as nginx's fastcgi_pass names it (path, or host:port). */
export function poolListens(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const [section, body] of iniSections(text)) {
    const listen = body.listen;
    if (listen === undefined) continue;
    out.set(listen, section);
    if (/^\d+$/.test(listen)) out.set(`127.0.0.1:${listen}`, section);
  }
  return out;
}
