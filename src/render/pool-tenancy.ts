// What keeps one Pool's PHP inside its own tenant: open_basedir over its Sites' roots and its own tmp
// and session dirs, and PHP's temp and session paths pointed at those dirs (tend creates them,
// owned by the pool's user).
import { isWithin, PHP_PRESETS, poolUserName, type Pool, type Resource, type Site } from '../model/index.js';
import type { RenderContext } from './context.js';

export interface PoolDirs {
  /** The pool's own directory (root-owned, traversable); tmp and sessions live inside. */
  dataDir: string;
  tmp: string;
  sessions: string;
}

export function poolDirs(pool: Pool, ctx: Pick<RenderContext, 'layout'>): PoolDirs {
  const dataDir = ctx.layout.php.poolDataDir(pool.metadata.name);
  return { dataDir, tmp: `${dataDir}/tmp`, sessions: `${dataDir}/sessions` };
}

const parentOf = (p: string) => p.slice(0, p.lastIndexOf('/')) || '/';

/**
 * The directory a Site's PHP needs: its root, except for Laravel, whose root is the app's public/
 * directory while the app itself lives one level up (unless that would be a whole web base).
 */
function phpDirOf(site: Site, webBases: readonly string[]): string | undefined {
  const root = site.spec.root;
  if (root === undefined) return undefined;
  if (site.spec.preset !== 'laravel') return root;
  const parent = parentOf(root);
  const isBaseOrAbove = webBases.some((b) => isWithin(b, parent));
  return isBaseOrAbove ? root : parent;
}

/** The pool a PHP Site routes to (undefined for any other resource). */
const phpPoolOf = (r: Resource): string | undefined =>
  r.kind === 'Site' && PHP_PRESETS.includes(r.spec.preset) ? r.spec.php?.pool : undefined;
const byName = (a: Site, b: Site) => (a.metadata.name < b.metadata.name ? -1 : 1);

/** The PHP Sites that route to this pool, by name: their roots are its default open_basedir. */
export function sitesUsing(pool: Pool, ctx: Pick<RenderContext, 'resources'>): Site[] {
  const sites: Site[] = [];
  for (const r of ctx.resources.values()) if (phpPoolOf(r) === pool.metadata.name) sites.push(r as Site);
  return sites.sort(byName);
}

/** `sitesUsing` for every pool name at once, in one walk of the resources. */
export function sitesByPool(resources: Iterable<Resource>): Map<string, Site[]> {
  const out = new Map<string, Site[]>();
  for (const r of resources) {
    const pool = phpPoolOf(r);
    if (pool === undefined) continue;
    const list = out.get(pool);
    if (list) list.push(r as Site);
    else out.set(pool, [r as Site]);
  }
  for (const list of out.values()) list.sort(byName);
  return out;
}

/**
 * open_basedir entries, each ending in "/" so that /var/www/shop does not also admit /var/www/shop2,
 * plus the admin values that move PHP's temp and session files into the pool's own dirs. A key the
 * spec sets itself in phpAdminValues wins over these defaults (open_basedir cannot be set there).
 */
export function tenancyAdminValues(pool: Pool, ctx: RenderContext): [string, string][] {
  const dirs = poolDirs(pool, ctx);
  const allowed =
    pool.spec.openBasedir ?? sitesUsing(pool, ctx).flatMap((s) => phpDirOf(s, ctx.layout.webBases) ?? []);
  const entries = [...new Set([...allowed, dirs.tmp, dirs.sessions])].map((p) => `${p.replace(/\/+$/, '')}/`);
  const defaults: [string, string][] = [
    ['open_basedir', entries.join(':')],
    ['upload_tmp_dir', dirs.tmp],
    ['sys_temp_dir', dirs.tmp],
    ['session.save_path', dirs.sessions],
    // The pool's own PHP error log, which its workers write as the pool's user.
    ['error_log', ctx.layout.php.poolErrorLog(pool.spec.php, pool.metadata.name)],
    ['log_errors', '1'],
  ];
  return defaults.filter(([k]) => k === 'open_basedir' || !(k in pool.spec.phpAdminValues));
}

/** The account a Pool asks tend to create, with the home it gets: the first Site's root, or none. */
export function accountToCreate(pool: Pool, ctx: RenderContext): { name: string; home: string } | undefined {
  const user = pool.spec.user;
  if (typeof user === 'string' || !user.create) return undefined;
  const home = user.home ?? sitesUsing(pool, ctx)[0]?.spec.root ?? '/nonexistent';
  return { name: poolUserName(user), home };
}
