// One pass's health observation of Sites and Pools, in an order where each result can correct the
// cached verdicts behind it: pool sockets are stat'ed first (cheap: no connect, no PHP worker) and
// checked against nginx's worker credential; Sites are probed through nginx; a Site that fails
// invalidates its Pool's cached verdict; then Pools are pinged. A socket whose owner, group or mode
// drifted is healed after the probes saw the outage, and its keys are rechecked soon after.
// See docs/decisions/0009-probe-policy.md and 0021-probe-identity.md.
import type { ChangeOutcome } from '../apply/executor.js';
import { mapLimit } from './observe.js';
import {
  healSocket,
  idOf,
  observeSocket,
  octal,
  workerCredential,
  type DirChain,
  type SocketObservation,
  type SocketWant,
} from '../drivers/php-fpm/socket-access.js';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Pool, ResourceKey, Site } from '../model/index.js';
import { socketOwnership } from '../render/php-pool.js';
import type { LoadedResource } from '../source/index.js';
import type { ResourceStatus } from '../state/conditions.js';
import type { EventLog } from '../state/events.js';
import { assessSite, probeHostOf, type HealthVerdict } from './assess.js';
import { withLoggedCause } from './probe-cause.js';
import { probeSecret } from '../state/probe-secret.js';
import { needsProbe, type ProbeContext } from './probe-policy.js';
import { unixListenQueues } from '../drivers/php-fpm/listen-queues.js';
import { hostMemoryBytes, pidFileTreeMemory } from '../drivers/health/memory.js';
import { slowlogPathOf } from '../render/php-pool.js';
import { defaultMarginBytes } from '../status/capacity.js';
import { observePool, underLoad, worstCaseBytes, type PoolMemoryFacts } from './pool-observe.js';

export interface ProbeRoundInput {
  host?: Host;
  layout: Layout;
  /** The user nginx's workers run as (undefined: tend's own user). */
  webUser?: string;
  resources: readonly LoadedResource[];
  statusOf: (key: ResourceKey) => ResourceStatus;
  outcomes: ReadonlyMap<ResourceKey, ChangeOutcome>;
  ctx: ProbeContext;
  /** Keys probed whatever the policy says (an operator asked, through the API). */
  probeNow?: ReadonlySet<string>;
  events?: EventLog;
  now: () => number;
  /** Memory kept free in capacity advice (default: 10 % of the host, at least 256 MiB). */
  memoryMarginBytes?: number;
}

export interface ProbeRound {
  /** Fresh verdicts; a key absent here keeps its last observation. */
  verdicts: Map<ResourceKey, HealthVerdict>;
  /** Keys whose outage this pass repaired: probe them again shortly to prove the repair. */
  recheck: ResourceKey[];
}

const CONCURRENCY = 32;

interface PoolSocket {
  pool: Pool;
  path: string;
  want: SocketWant;
  seen: SocketObservation;
}

async function observeSockets(input: ProbeRoundInput, pools: Pool[]): Promise<Map<string, PoolSocket>> {
  const out = new Map<string, PoolSocket>();
  const { host, layout } = input;
  if (!host) return out;
  const who = await workerCredential(host, input.webUser);
  if (!who) return out;
  const unix = pools.filter((p) => !('port' in p.spec.listen));
  const ctx = { layout, ...(input.webUser ? { webUser: input.webUser } : {}) };
  const owns = unix.map((pool) => socketOwnership(pool, ctx));
  // The few distinct owners and groups, looked up before the pools: 1,000 pools awaited two
  // lookups each, every resync, for the same one or two names.
  const ids = new Map<string, number | undefined>();
  const names = new Set<string>();
  for (const own of owns) {
    if (own.owner !== undefined) names.add(`passwd\0${own.owner}`);
    if (own.group !== undefined) names.add(`group\0${own.group}`);
  }
  for (const entry of names) {
    const [db, name] = entry.split('\0') as ['passwd' | 'group', string];
    ids.set(entry, await idOf(host, db, name));
  }
  const chains = new Map<string, Promise<DirChain>>();
  await mapLimit(unix, CONCURRENCY, async (pool, i) => {
    const own = owns[i]!;
    const want: SocketWant = {
      uid: own.owner === undefined ? undefined : ids.get(`passwd\0${own.owner}`),
      gid: own.group === undefined ? undefined : ids.get(`group\0${own.group}`),
      mode: Number.parseInt(own.mode, 8),
    };
    const path = layout.php.socket(pool.spec.php, pool.metadata.name);
    const seen = await observeSocket(host, path, want, who, chains);
    out.set(pool.metadata.name, { pool, path, want, seen });
  });
  return out;
}

/** Host memory, nginx's, and every Pool's last measured worst case: the reserve behind capacity advice. */
async function poolMemoryFacts(
  input: ProbeRoundInput,
  pools: LoadedResource[],
): Promise<PoolMemoryFacts | undefined> {
  if (!input.host) return undefined;
  const hostBytes = await hostMemoryBytes(input.host);
  if (hostBytes === undefined) return undefined;
  let allPoolsBytes = 0;
  for (const p of pools) allPoolsBytes += worstCaseBytes(p.resource as Pool, input.statusOf(p.key).health);
  return {
    hostBytes,
    marginBytes: input.memoryMarginBytes ?? defaultMarginBytes(hostBytes),
    nginxBytes: await pidFileTreeMemory(input.host, input.layout.nginx.pidFile),
    allPoolsBytes,
  };
}

const stamp = (v: HealthVerdict, at: number): HealthVerdict => ({
  ...v,
  details: { ...v.details, probedAt: new Date(at).toISOString() },
});

export async function probeRound(input: ProbeRoundInput): Promise<ProbeRound> {
  const verdicts = new Map<ResourceKey, HealthVerdict>();
  const recheck: ResourceKey[] = [];
  const sites = input.resources.filter((r) => r.resource.kind === 'Site');
  const pools = input.resources.filter((r) => r.resource.kind === 'Pool');
  const sockets = await observeSockets(
    input,
    pools.map((p) => p.resource as Pool),
  );
  const suspect = new Set<string>();
  for (const [name, s] of sockets) if (s.seen.unreachable || s.seen.drift) suspect.add(name);
  const wanted = (r: LoadedResource) =>
    input.probeNow?.has(r.key) === true ||
    input.probeNow?.has('*') === true ||
    needsProbe(r.resource, input.statusOf(r.key), input.outcomes.get(r.key), input.ctx);

  const failedBehind = new Set<string>();
  // Read, never created here: only an apply renders the marker it proves (compute-plan.ts).
  const secret =
    input.host && sites.length > 0 ? await probeSecret(input.host, input.layout.stateDir, false) : undefined;
  // Chosen first, synchronously: most passes probe few of 1,000 Sites, and a promise for each of
  // the others was garbage every resync.
  const toProbe = sites.filter((loaded) => {
    const pool = (loaded.resource as Site).spec.php?.pool;
    return wanted(loaded) || (pool !== undefined && suspect.has(pool));
  });
  await mapLimit(toProbe, CONCURRENCY, async (loaded) => {
    const site = loaded.resource as Site;
    const pool = site.spec.php?.pool;
    const v = await withLoggedCause(input.host, input.layout, site, probeHostOf(site), () =>
      assessSite(site, input.layout, 5, secret),
    );
    verdicts.set(loaded.key, stamp(v, input.now()));
    if (!v.ok && pool !== undefined) failedBehind.add(pool);
  });

  // Pools under load are looked at every pass (0026): one `ss` for every socket's queue.
  const queues = input.host && pools.length > 0 ? await unixListenQueues(input.host) : undefined;
  const queuedOf = (pool: Pool) =>
    'port' in pool.spec.listen
      ? undefined
      : queues?.get(input.layout.php.socket(pool.spec.php, pool.metadata.name));
  // Chosen first, synchronously, like the Sites: a Pool whose slowlog may have grown is the only
  // one that needs a stat to decide, and a promise for each of 1,000 idle Pools was garbage.
  const chosen: LoadedResource[] = [];
  const slowlogGrown = async (loaded: LoadedResource) => {
    const pool = loaded.resource as Pool;
    const health = input.statusOf(loaded.key).health;
    const size = (await input.host!.fs.stat(slowlogPathOf(pool, input.layout)!))?.size;
    return underLoad(pool, health, queuedOf(pool), size);
  };
  const undecided: LoadedResource[] = [];
  for (const loaded of pools) {
    const pool = loaded.resource as Pool;
    const name = pool.metadata.name;
    const health = input.statusOf(loaded.key).health;
    if (
      underLoad(pool, health, queuedOf(pool), undefined) ||
      wanted(loaded) ||
      suspect.has(name) ||
      failedBehind.has(name)
    )
      chosen.push(loaded);
    else if (input.host && slowlogPathOf(pool, input.layout) && typeof health?.slowlogOffset === 'number')
      undecided.push(loaded);
  }
  const grown = await mapLimit(undecided, CONCURRENCY, slowlogGrown);
  for (const [i, loaded] of undecided.entries()) if (grown[i]) chosen.push(loaded);

  let memory: Promise<PoolMemoryFacts | undefined> | undefined;
  const memoryFacts = () => (memory ??= poolMemoryFacts(input, pools));
  await mapLimit(chosen, CONCURRENCY, async (loaded) => {
    const pool = loaded.resource as Pool;
    const name = pool.metadata.name;
    const queued = queuedOf(pool);
    const facts = await memoryFacts();
    const seen = await observePool({
      pool,
      layout: input.layout,
      ...(input.host ? { host: input.host } : {}),
      previous: input.statusOf(loaded.key).health,
      ...(queued !== undefined ? { kernelQueued: queued } : {}),
      ...(facts ? { memory: facts } : {}),
    });
    for (const e of seen.events) input.events?.record(e);
    let v = seen.verdict;
    // The ping connects as root, which the socket's mode does not stop: nginx's view decides.
    const unreachable = sockets.get(name)?.seen.unreachable;
    if (unreachable) v = { ok: false, message: unreachable, details: { ...v.details, ping: v.message } };
    verdicts.set(loaded.key, stamp(v, input.now()));
  });

  for (const [name, s] of sockets) {
    if (!s.seen.drift || !input.host) continue;
    const key = `Pool/${name}` as ResourceKey;
    try {
      await healSocket(input.host, s.path, s.want);
      input.events?.record({
        key,
        type: 'Warning',
        reason: 'SocketRepaired',
        message: `${key}: unix:${s.path} had ${s.seen.drift}; restored mode ${octal(s.want.mode)}${s.want.uid !== undefined ? ` owner ${s.want.uid}:${s.want.gid ?? ''}` : ''}`,
      });
      recheck.push(key);
      for (const site of sites) if ((site.resource as Site).spec.php?.pool === name) recheck.push(site.key);
    } catch (err) {
      input.events?.record({
        key,
        type: 'Warning',
        reason: 'SocketRepairFailed',
        message: `${key}: unix:${s.path} has ${s.seen.drift}; could not restore it: ${(err as Error).message}`,
      });
    }
  }
  return { verdicts, recheck };
}
