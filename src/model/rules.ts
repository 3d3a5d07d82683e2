// Cross-resource rules, each a small named pure function over the whole desired set. Each returns
// issues that name the resource and field, so the loader can point at file:line:col.
import type { ErrorCode } from '../errors/catalogue.js';
import type { ResourceKey } from './envelope.js';
import type { Pool } from './pool.js';
import { noPrivilegedIdentities, type AccountFacts } from './privilege.js';
import type { Program } from './program.js';
import { keyOf, type Resource } from './resource.js';
import type { Site } from './site.js';
import { DEFAULT_WEB_BASES, tenantPathProblem, tlsPathProblem } from './tenancy.js';
import { foreignDomainClaims, uniqueDomains, type LiveVhosts } from './domain-claims.js';
import { accountsExist } from './accounts-exist.js';
import { acmeIssuersResolve, acmeNamesPublic } from './issuer-rules.js';
import { rootsTraversable, type TraversalFacts } from './root-traversal.js';

export interface RuleIssue {
  key: ResourceKey;
  path: (string | number)[];
  code: ErrorCode;
  message: string;
  /** The other end of a duplicate, reference or cycle. */
  related?: ResourceKey;
}

/** Facts about the host that rules need, detected elsewhere and passed in so rules stay pure. */
export interface RuleContext {
  installedPhp?: readonly string[];
  /** Ports the profile itself uses (e.g. the embedded nginx listen port). */
  reservedPorts?: ReadonlyMap<number, string>;
  /** The host's users and groups, for uid-0 aliases and privileged memberships. */
  accounts?: AccountFacts;
  /** Where tenants' directories may lie (tend's --web-base); DEFAULT_WEB_BASES when absent. */
  webBases?: readonly string[];
  /** tend's own root and state dir: no tenant path may overlap them. */
  protectedPaths?: readonly string[];
  /** The server blocks nginx loads now (`nginx -T`): foreign claims and which Site holds a domain. */
  liveVhosts?: LiveVhosts;
  /**
   * What nginx's worker user can enter (set when tend runs as root): a Site root below a directory
   * it cannot search is refused. The loader prepares it with every Site root before the rules run.
   */
  traversal?: TraversalFacts & { prepare(paths: readonly string[]): Promise<string> };
}

const ofKind = <T extends Resource>(all: readonly Resource[], kind: T['kind']) =>
  all.filter((r): r is T => r.kind === kind);

export function uniqueNames(all: readonly Resource[]): RuleIssue[] {
  const seen = new Map<string, Resource>();
  const issues: RuleIssue[] = [];
  for (const r of all) {
    const key = keyOf(r);
    const first = seen.get(key);
    if (first)
      issues.push({
        key,
        path: ['metadata', 'name'],
        code: 'TEND_ERR_DUPLICATE',
        message: `${key} is declared twice`,
        related: key,
      });
    else seen.set(key, r);
  }
  return issues;
}

export function referencesExist(all: readonly Resource[]): RuleIssue[] {
  const names = (kind: Resource['kind']) =>
    new Set(all.filter((r) => r.kind === kind).map((r) => r.metadata.name));
  const pools = names('Pool');
  const programs = names('Program');
  const issues: RuleIssue[] = [];
  for (const site of ofKind<Site>(all, 'Site')) {
    const pool = site.spec.php?.pool;
    if (pool && !pools.has(pool))
      issues.push({
        key: keyOf(site),
        path: ['spec', 'php', 'pool'],
        code: 'TEND_ERR_REFERENCE',
        message: `Pool/${pool} does not exist`,
        related: `Pool/${pool}`,
      });
    const program = site.spec.proxy?.program;
    if (program && !programs.has(program))
      issues.push({
        key: keyOf(site),
        path: ['spec', 'proxy', 'program'],
        code: 'TEND_ERR_REFERENCE',
        message: `Program/${program} does not exist`,
        related: `Program/${program}`,
      });
    if (
      program &&
      !all.some((r) => r.kind === 'Program' && r.metadata.name === program && r.spec.port !== undefined)
    )
      if (programs.has(program))
        issues.push({
          key: keyOf(site),
          path: ['spec', 'proxy', 'program'],
          code: 'TEND_ERR_REFERENCE',
          message: `Program/${program} has no port to proxy to; give it port: auto or a number`,
          related: `Program/${program}`,
        });
  }
  for (const prog of ofKind<Program>(all, 'Program')) {
    prog.spec.dependsOn.forEach((dep, i) => {
      if (!programs.has(dep))
        issues.push({
          key: keyOf(prog),
          path: ['spec', 'dependsOn', i],
          code: 'TEND_ERR_REFERENCE',
          message: `Program/${dep} does not exist`,
          related: `Program/${dep}`,
        });
    });
  }
  return issues;
}

/** dependsOn must be a DAG; each cycle is reported once, naming every member. */
export function noDependencyCycles(all: readonly Resource[]): RuleIssue[] {
  const programs = new Map(ofKind<Program>(all, 'Program').map((p) => [p.metadata.name, p]));
  const state = new Map<string, 'visiting' | 'done'>();
  const issues: RuleIssue[] = [];
  const visit = (nameNow: string, trail: string[]) => {
    if (state.get(nameNow) === 'done') return;
    if (state.get(nameNow) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(nameNow)), nameNow];
      issues.push({
        key: `Program/${nameNow}`,
        path: ['spec', 'dependsOn'],
        code: 'TEND_ERR_CYCLE',
        message: `dependsOn forms a cycle: ${cycle.map((n) => `Program/${n}`).join(' → ')}`,
        related: `Program/${cycle[cycle.length - 2]}`,
      });
      return;
    }
    state.set(nameNow, 'visiting');
    for (const dep of programs.get(nameNow)?.spec.dependsOn ?? [])
      if (programs.has(dep)) visit(dep, [...trail, nameNow]);
    state.set(nameNow, 'done');
  };
  for (const nameNow of programs.keys()) visit(nameNow, []);
  return issues;
}

/** Explicit ports of Programs (one per instance), Terminals and TCP pools must not collide. */
export function explicitPortsDistinct(all: readonly Resource[], ctx: RuleContext = {}): RuleIssue[] {
  const owner = new Map<number, string>(ctx.reservedPorts ?? []);
  const issues: RuleIssue[] = [];
  const claim = (p: number, key: ResourceKey, path: (string | number)[]) => {
    const first = owner.get(p);
    if (first)
      issues.push({
        key,
        path,
        code: 'TEND_ERR_DUPLICATE',
        message: `port ${p} is already used by ${first}`,
        ...(first.includes('/') ? { related: first as ResourceKey } : {}),
      });
    else owner.set(p, key);
  };
  for (const r of all) {
    if (r.kind === 'Program' && typeof r.spec.port === 'number')
      for (let i = 0; i < r.spec.instances; i++) claim(r.spec.port + i, keyOf(r), ['spec', 'port']);
    if (r.kind === 'Terminal' && typeof r.spec.port === 'number')
      claim(r.spec.port, keyOf(r), ['spec', 'port']);
    if (r.kind === 'Pool' && 'port' in r.spec.listen)
      claim(r.spec.listen.port, keyOf(r), ['spec', 'listen', 'port']);
  }
  return issues;
}

export function phpInstalled(all: readonly Resource[], ctx: RuleContext = {}): RuleIssue[] {
  if (!ctx.installedPhp) return [];
  const installed = ctx.installedPhp;
  return ofKind<Pool>(all, 'Pool')
    .filter((p) => !installed.includes(p.spec.php))
    .map((p) => ({
      key: keyOf(p),
      path: ['spec', 'php'],
      code: 'TEND_ERR_PHP_MISSING' as const,
      message: `PHP ${p.spec.php} is not installed; installed: ${installed.length ? installed.join(', ') : 'none'}`,
    }));
}

/**
 * Site roots and every Pool path PHP may use lie strictly below a web base, outside system dirs;
 * TLS files lie in TLS_DIRS or a web base, never inside a served root.
 */
export function tenantPathsUnderWebBase(all: readonly Resource[], ctx: RuleContext = {}): RuleIssue[] {
  const policy = { webBases: ctx.webBases ?? DEFAULT_WEB_BASES, protectedPaths: ctx.protectedPaths ?? [] };
  const issues: RuleIssue[] = [];
  const check = (r: Resource, path: string | undefined, field: (string | number)[], what: string) => {
    const problem = path === undefined ? undefined : tenantPathProblem(path, policy);
    if (problem)
      issues.push({
        key: keyOf(r),
        path: ['spec', ...field],
        code: 'TEND_ERR_OUTSIDE_WEB_BASE',
        message: `${what} ${problem}`,
      });
  };
  const servedRoots = all.flatMap((r) => (r.kind === 'Site' && r.spec.root ? [r.spec.root] : []));
  for (const r of all) {
    if (r.kind === 'Site') check(r, r.spec.root, ['root'], 'document root');
    // Files root reads for a Site's TLS or an Issuer's ACME account: the same places only.
    const tlsFile = (file: string | undefined, field: (string | number)[], what: string) => {
      const problem = file === undefined ? undefined : tlsPathProblem(file, policy, servedRoots);
      if (problem)
        issues.push({
          key: keyOf(r),
          path: ['spec', ...field],
          code: 'TEND_ERR_OUTSIDE_WEB_BASE',
          message: `${what} ${problem}`,
        });
    };
    if (r.kind === 'Site' && r.spec.tls)
      for (const field of ['certificate', 'key'] as const)
        tlsFile(r.spec.tls[field], ['tls', field], `tls.${field}`);
    if (r.kind === 'Issuer') {
      const eab = r.spec.externalAccountBinding;
      tlsFile(
        eab?.hmacKeyFile,
        ['externalAccountBinding', 'hmacKeyFile'],
        'externalAccountBinding.hmacKeyFile',
      );
      r.spec.caRoots.forEach((f, i) => tlsFile(f, ['caRoots', i], `caRoots[${i}]`));
    }
    if (r.kind !== 'Pool') continue;
    check(r, r.spec.chdir, ['chdir'], 'chdir');
    r.spec.openBasedir?.forEach((p, i) => check(r, p, ['openBasedir', i], 'open_basedir entry'));
    if (typeof r.spec.user !== 'string') check(r, r.spec.user.home, ['user', 'home'], 'home');
  }
  return issues;
}

/**
 * A Pool's ping and status paths are tend's to ask on the pool's own sockets; a Site that serves the
 * same path (its health path or a redirect) would either probe php-fpm's internals through nginx or
 * hide its own route behind them. The Site names the clash; the Pool's field is where to fix it.
 */
export function poolPathsClearOfSiteRoutes(all: readonly Resource[]): RuleIssue[] {
  const pools = new Map(ofKind<Pool>(all, 'Pool').map((p) => [p.metadata.name, p]));
  const issues: RuleIssue[] = [];
  for (const site of ofKind<Site>(all, 'Site')) {
    const pool = site.spec.php?.pool === undefined ? undefined : pools.get(site.spec.php.pool);
    if (!pool) continue;
    const internal = [
      { path: pool.spec.health.ping, field: 'ping' },
      { path: pool.spec.health.statusPath, field: 'statusPath' },
    ];
    const routes = [
      { path: site.spec.health.path, what: 'its health path' },
      ...site.spec.redirects.map((r) => ({ path: r.from, what: `a redirect from ${r.from}` })),
    ];
    for (const i of internal)
      for (const r of routes)
        if (r.path.split('?')[0] === i.path)
          issues.push({
            key: keyOf(pool),
            path: ['spec', 'health', i.field],
            code: 'TEND_ERR_DUPLICATE',
            message: `health.${i.field} ${i.path} clashes with ${keyOf(site)}'s route (${r.what}); choose a path no Site serves`,
            related: keyOf(site),
          });
  }
  return issues;
}

export const CROSS_RULES = [
  uniqueNames,
  uniqueDomains,
  referencesExist,
  noDependencyCycles,
  explicitPortsDistinct,
  phpInstalled,
  noPrivilegedIdentities,
  tenantPathsUnderWebBase,
  poolPathsClearOfSiteRoutes,
  (all: readonly Resource[], ctx: RuleContext): RuleIssue[] => foreignDomainClaims(all, ctx.liveVhosts),
  (all: readonly Resource[], ctx: RuleContext): RuleIssue[] => accountsExist(all, ctx.accounts),
  (all: readonly Resource[], ctx: RuleContext): RuleIssue[] => rootsTraversable(all, ctx.traversal),
  acmeIssuersResolve,
  acmeNamesPublic,
] as const;

export { uniqueDomains };

export function checkCrossRules(all: readonly Resource[], ctx: RuleContext = {}): RuleIssue[] {
  return CROSS_RULES.flatMap((rule) => rule(all, ctx));
}
