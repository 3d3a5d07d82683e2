// Cross-resource rules for ACME: every acme Site resolves to exactly one Issuer, and a public CA is
// never asked for a name it cannot issue (it would refuse it anyway, after a round trip and a rate limit).
import type { Issuer } from './issuer.js';
import { issuerIsPublic, nonPublicNameProblem } from './issuer.js';
import { keyOf, type Resource } from './resource.js';
import type { RuleIssue } from './rules.js';
import type { Site } from './site.js';

const issuersOf = (all: readonly Resource[]) => all.filter((r): r is Issuer => r.kind === 'Issuer');
const acmeSitesOf = (all: readonly Resource[]) =>
  all.filter((r): r is Site => r.kind === 'Site' && r.spec.tls?.acme !== undefined);

/** The Issuer an acme Site uses: the one it names, else the single default; undefined when none. */
export function issuerFor(site: Site, all: readonly Resource[]): Issuer | undefined {
  const named = site.spec.tls?.acme?.issuer;
  const issuers = issuersOf(all);
  if (named !== undefined) return issuers.find((i) => i.metadata.name === named);
  const defaults = issuers.filter((i) => i.spec.default);
  return defaults.length === 1 ? defaults[0] : undefined;
}

export function acmeIssuersResolve(all: readonly Resource[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const issuers = issuersOf(all);
  const defaults = issuers.filter((i) => i.spec.default);
  for (const extra of defaults.slice(1))
    issues.push({
      key: keyOf(extra),
      path: ['spec', 'default'],
      code: 'TEND_ERR_DUPLICATE',
      message: `only one Issuer may be the default; ${keyOf(defaults[0]!)} already is`,
      related: keyOf(defaults[0]!),
    });
  for (const site of acmeSitesOf(all)) {
    const named = site.spec.tls?.acme?.issuer;
    if (named !== undefined && !issuers.some((i) => i.metadata.name === named))
      issues.push({
        key: keyOf(site),
        path: ['spec', 'tls', 'acme', 'issuer'],
        code: 'TEND_ERR_REFERENCE',
        message: `Issuer/${named} does not exist`,
        related: `Issuer/${named}`,
      });
    if (named === undefined && defaults.length === 0)
      issues.push({
        key: keyOf(site),
        path: ['spec', 'tls', 'acme'],
        code: 'TEND_ERR_REFERENCE',
        message:
          issuers.length === 0
            ? 'tls.acme needs an Issuer: declare a kind: Issuer (default: true), or name one in tls.acme.issuer'
            : `no Issuer is the default; name one in tls.acme.issuer (${issuers.map((i) => i.metadata.name).join(', ')}) or mark one default: true`,
      });
  }
  return issues;
}

export function acmeNamesPublic(all: readonly Resource[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const site of acmeSitesOf(all)) {
    const issuer = issuerFor(site, all);
    if (!issuer || !issuerIsPublic(issuer.spec)) continue;
    site.spec.domains.forEach((domain, i) => {
      const problem = domain.startsWith('*.') ? undefined : nonPublicNameProblem(domain);
      if (problem)
        issues.push({
          key: keyOf(site),
          path: ['spec', 'domains', i],
          code: 'TEND_ERR_SCHEMA',
          message: `${domain} ${problem}; ${keyOf(issuer)} is a public CA and cannot issue it (use certificate files, or an Issuer with public: false)`,
          related: keyOf(issuer),
        });
    });
  }
  return issues;
}
