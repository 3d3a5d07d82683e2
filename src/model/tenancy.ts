// Where tenants' files may live: the configured web bases (set by tend's flags, never by the desired
// state), the system directories no Site or Pool may point into, and the lexical checks both use.

/** Where Sites' document roots may lie unless tend is started with --web-base. */
export const DEFAULT_WEB_BASES: readonly string[] = ['/var/www', '/srv'];

/** Directories that hold the system itself: no web base, root, home or open_basedir entry inside them. */
export const SYSTEM_DIRS: readonly string[] = [
  '/bin',
  '/boot',
  '/dev',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc',
  '/root',
  '/run',
  '/sbin',
  '/sys',
  '/usr',
  '/var/backups',
  '/var/cache',
  '/var/lib',
  '/var/log',
  '/var/mail',
  '/var/run',
  '/var/spool',
];

const trimSlash = (p: string) => (p.length > 1 ? p.replace(/\/+$/, '') : p);

/** Lexically: path is base or below it. Both absolute and normalised (no "." or ".." segments). */
export function isWithin(path: string, base: string): boolean {
  const p = trimSlash(path);
  const b = trimSlash(base);
  return b === '/' || p === b || p.startsWith(`${b}/`);
}

/** The system directory a path lies in (or is), if any; "/" itself counts as the whole system. */
export function systemDirOf(path: string): string | undefined {
  if (trimSlash(path) === '/') return '/';
  return SYSTEM_DIRS.find((d) => isWithin(path, d));
}

/** Why a directory cannot be a web base (a --web-base flag), or undefined when it can. */
export function webBaseProblem(base: string): string | undefined {
  if (!base.startsWith('/') || base.split('/').some((s) => s === '.' || s === '..'))
    return `expected an absolute, normalised directory, got "${base}"`;
  const sys = systemDirOf(base);
  if (sys)
    return `"${base}" is ${sys === '/' ? 'the whole file system' : `inside the system directory ${sys}`}`;
  return undefined;
}

export interface TenancyPolicy {
  webBases: readonly string[];
  /** tend's own root and state: never a tenant's (embedded roots may lie under a web base). */
  protectedPaths?: readonly string[];
}

/**
 * Why `path` (a Site root, a Pool's chdir, home or open_basedir entry) cannot belong to a tenant, or
 * undefined when it lies strictly below a web base and outside system and tend's own directories.
 */
export function tenantPathProblem(path: string, policy: TenancyPolicy): string | undefined {
  const sys = systemDirOf(path);
  if (sys)
    return sys === '/' ? `${path} is the whole file system` : `${path} is inside the system directory ${sys}`;
  const bases = policy.webBases;
  if (bases.some((b) => trimSlash(path) === trimSlash(b)))
    return `${path} is a web base itself; give each tenant its own directory below it`;
  const guarded = (policy.protectedPaths ?? []).find((p) => isWithin(path, p) || isWithin(p, path));
  if (guarded) return `${path} overlaps tend's own directory ${guarded}`;
  if (!bases.some((b) => isWithin(path, b)))
    return `${path} is outside the web bases (${bases.join(', ')}); tend's --web-base flag sets them`;
  return undefined;
}

/** Where certificates and keys conventionally live; nginx's master (root) reads them at each reload. */
export const TLS_DIRS: readonly string[] = ['/etc/ssl', '/etc/letsencrypt'];

/**
 * Why a Site's tls.certificate or tls.key path is refused: outside TLS_DIRS and the web bases (root
 * would read any file for the tenant), or inside a document root (nginx would serve the key).
 */
export function tlsPathProblem(
  path: string,
  policy: TenancyPolicy,
  servedRoots: readonly string[],
): string | undefined {
  const served = servedRoots.find((r) => isWithin(path, r));
  if (served) return `${path} lies inside the document root ${served}, where nginx would serve it`;
  if (TLS_DIRS.some((d) => isWithin(path, d))) return undefined;
  if (!systemDirOf(path) && policy.webBases.some((b) => isWithin(path, b))) return undefined;
  return `${path} is outside ${[...TLS_DIRS, ...policy.webBases].join(', ')}: nginx's master (root) reads it`;
}
