// Who may serve a domain, judged against what nginx really loads (`nginx -T`), not only tend's
// files: a Site may not take a domain that a vhost tend does not manage already serves on the same
// listen socket (nginx would keep the first and log "conflicting server name … ignored"), and
// between tend's own Sites the one that already serves a domain keeps it. See decision 0032.
import type { ResourceKey } from './envelope.js';
import { keyOf, type Resource } from './resource.js';
import type { RuleContext, RuleIssue } from './rules.js';
import type { Site } from './site.js';

export interface LiveListen {
  address: string;
  port: number;
}

/** One HTTP server block nginx loads: where it is declared, its names and sockets, its Site if tend's. */
export interface LiveServerBlock {
  file: string;
  line: number;
  names: readonly string[];
  listens: readonly LiveListen[];
  site?: string;
  /**
   * Not tend's, but at the very path the Site of this name renders to (sites-available/<name>.conf
   * or its sites-enabled link): a Site with `adopt: true` takes this block over instead of clashing.
   */
  adoptableBy?: string;
}

export interface LiveVhosts {
  /** Changes whenever the blocks do (the load cache keys on it). */
  stamp: string;
  blocks: readonly LiveServerBlock[];
  /** Where tend's Sites listen: the profile's address, default port and TLS port. */
  listen: { address: string; port: number; tlsPort: number };
}

export interface DomainClaimIssue {
  key: ResourceKey;
  path: (string | number)[];
  code: 'TEND_ERR_DOMAIN_CONFLICT';
  message: string;
}

function overlap(a: LiveListen, b: LiveListen): boolean {
  if (a.port !== b.port) return false;
  if (a.address === b.address) return true;
  const v4 = (s: LiveListen) => !s.address.startsWith('[');
  return v4(a) && v4(b) && (a.address === '0.0.0.0' || b.address === '0.0.0.0');
}

function siteListens(site: Site, live: LiveVhosts): LiveListen[] {
  const address = live.listen.address === '*' ? '0.0.0.0' : live.listen.address;
  const out = [{ address, port: site.spec.listenPort ?? live.listen.port }];
  if (site.spec.tls) out.push({ address, port: live.listen.tlsPort });
  return out;
}

/** Domain → the tend Site whose live server block serves it now. */
export function liveDomainHolders(live: LiveVhosts | undefined): Map<string, string> {
  const out = new Map<string, string>();
  for (const b of live?.blocks ?? [])
    if (b.site) for (const name of b.names) if (!out.has(name)) out.set(name, b.site);
  return out;
}

/** A Site's domain that a vhost tend does not manage serves on one of the Site's sockets. */
export function foreignDomainClaims(
  all: readonly Resource[],
  live: LiveVhosts | undefined,
): DomainClaimIssue[] {
  if (!live) return [];
  const foreign = live.blocks.filter((b) => b.site === undefined);
  const issues: DomainClaimIssue[] = [];
  for (const r of all) {
    if (r.kind !== 'Site') continue;
    const listens = siteListens(r, live);
    const adopting = (b: LiveServerBlock) => r.spec.adopt && b.adoptableBy === r.metadata.name;
    r.spec.domains.forEach((domain, i) => {
      const d = domain.toLowerCase();
      const other = foreign.find(
        (b) =>
          !adopting(b) && b.names.includes(d) && b.listens.some((l) => listens.some((m) => overlap(l, m))),
      );
      if (!other) return;
      const socket = other.listens.find((l) => listens.some((m) => overlap(l, m)))!;
      issues.push({
        key: `Site/${r.metadata.name}`,
        path: ['spec', 'domains', i],
        code: 'TEND_ERR_DOMAIN_CONFLICT',
        message: `domain ${d} is already served on ${socket.address}:${socket.port} by a vhost tend does not manage (${other.file}:${other.line}); nginx would keep that one and ignore this Site's, so tend does not take the domain over: remove it there or here`,
      });
    });
  }
  return issues;
}

/** Each domain has one Site; on a clash the Site that serves it now keeps it. */
export function uniqueDomains(all: readonly Resource[], ctx: RuleContext = {}): RuleIssue[] {
  const owner = new Map<string, ResourceKey>();
  const issues: RuleIssue[] = [];
  const sites = all.filter((r): r is Site => r.kind === 'Site');
  // The Site that serves a domain now keeps it: the clash is pinned on the edit that caused it.
  const holders = liveDomainHolders(ctx.liveVhosts);
  for (const site of sites)
    for (const d of site.spec.domains.map((x) => x.toLowerCase()))
      if (holders.get(d) === site.metadata.name) owner.set(d, keyOf(site));
  for (const site of sites) {
    const own = new Set<string>();
    site.spec.domains.forEach((domain, i) => {
      const d = domain.toLowerCase();
      const first = owner.get(d);
      const again = own.has(d);
      own.add(d);
      if (first === keyOf(site) && !again) return;
      if (first && first !== keyOf(site))
        issues.push({
          key: keyOf(site),
          path: ['spec', 'domains', i],
          code: 'TEND_ERR_DUPLICATE',
          message: `domain ${d} is already served by ${first}`,
          related: first,
        });
      else if (first)
        issues.push({
          key: keyOf(site),
          path: ['spec', 'domains', i],
          code: 'TEND_ERR_DUPLICATE',
          message: `domain ${d} is listed twice`,
        });
      else owner.set(d, keyOf(site));
    });
  }
  return issues;
}
