// Wires a git source into `tend serve`: builds it with a validator that loads a checkout the way a
// pass does, exposes it to the API, and applies each switched revision through the controller.
import type { Logger } from 'pino';
import type { SourceApi } from '../api/deps.js';
import type { GitArgs } from '../cli/serve-git-args.js';
import { hostRuleContext } from '../observe/rule-context.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import { loadDesiredState } from '../source/load.js';
import type { HostSlice } from '../source/host-slice.js';
import type { EventLog } from '../state/events.js';
import { GitSource } from './source.js';

export interface GitServeHook {
  source: GitSource;
  api: SourceApi;
  /** Call once the controller runs: from then on a switched revision is applied at once. */
  attach(reconcile: () => Promise<unknown>): void;
}

export function gitServeHook(
  args: GitArgs,
  deps: { host: Host; layout: Layout; events: EventLog; log: Logger; hostSlice?: HostSlice },
): GitServeHook {
  const { host, layout, events } = deps;
  let reconcile: (() => Promise<unknown>) | undefined;
  const source = new GitSource({
    stateDir: layout.stateDir,
    url: args.url,
    branch: args.branch,
    path: args.path,
    intervalMs: args.intervalMs,
    ...(args.sshKey ? { sshKey: args.sshKey } : {}),
    maxBytes: args.maxBytes,
    ...(args.verifyKeyring ? { verifyKeyring: args.verifyKeyring } : {}),
    partialApply: args.partialApply,
    // The same rule context as a pass (compute-plan.ts), so a revision that validates here loads there.
    // This host's slice only: a revision broken for another host alone is not held here.
    validate: async (dir) =>
      loadDesiredState(dir, {
        ruleContext: await hostRuleContext(host, layout),
        ...(deps.hostSlice ? { hostSlice: deps.hostSlice } : {}),
        // The daemon starts no worker (pipeline/compute-plan.ts says why).
        parallel: 'never',
      }),
    onSwitch: async () => {
      await reconcile?.();
    },
    record: (type, reason, message) => events.record({ type, reason, message }),
    log: deps.log.child({ component: 'git' }),
  });
  return {
    source,
    api: {
      status: () => source.status(),
      refresh: () => source.refresh({ retryHeld: true }),
      pin: (revision) => source.pin(revision),
      unpin: () => source.unpin(),
    },
    attach(fn) {
      reconcile = fn;
    },
  };
}
