// The rule context of a load: what validation knows of this host (installed PHP versions, accounts,
// nginx's port) and of tend's own policy (web bases, protected paths). A pass (pipeline/) and a git
// revision checked before it goes live (gitsource/) both build it here, so they never disagree.
import { readAccounts } from '../host/accounts.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { RuleContext } from '../model/index.js';
import { detectPhpVersions } from './observe.js';
import { liveVhosts } from '../drivers/nginx/live-vhosts.js';
import { rootTraversal } from './root-traversal.js';

/**
 * What validation knows of this host and of tend's own policy. Every loader that decides what may
 * be applied (a pass, a git revision before it goes live) uses this one, so they never disagree.
 */
export async function hostRuleContext(
  host: Host,
  layout: Layout,
  opts: { webUser?: string } = {},
): Promise<RuleContext> {
  const [installedPhp, accounts, live] = await Promise.all([
    detectPhpVersions(host, layout),
    readAccounts(host),
    liveVhosts(host, layout),
  ]);
  // As root, nginx's workers run as www-data: a Site root they cannot reach is refused (0042). A
  // fresh instance per call, so a directory opened since the last pass is judged again.
  const traversal = host.isRoot() ? rootTraversal(host, accounts, opts.webUser ?? 'www-data') : undefined;
  return {
    installedPhp,
    reservedPorts: new Map([[layout.nginx.listenPort, `nginx (${layout.profile} listen port)`]]),
    accounts,
    webBases: layout.webBases,
    // The system profile's root is "/": there, the state dir is what no Site may serve.
    protectedPaths: [layout.profile === 'embedded' ? layout.root : layout.stateDir],
    // What nginx really loads: foreign vhosts' domains and which Site serves a domain now (0032).
    ...(live ? { liveVhosts: live } : {}),
    ...(traversal ? { traversal } : {}),
  };
}
