// Port allocation as a pure step: from the leases on record, the keys that need one, the range and
// the ports observed taken, which port each key holds. No I/O here: the lease store (port-leases.ts)
// reads and writes ports.json and proves each new candidate free by binding it.
import { TendError } from '../errors/catalogue.js';
import type { Resource } from '../model/index.js';

export interface PortRange {
  from: number;
  to: number;
}

export interface AllocationInput {
  /** The leases on record, key → port. Never mutated. */
  leases: ReadonlyMap<string, number>;
  /** Keys that must hold a lease after this step, in the order they are served. */
  want: readonly string[];
  range: PortRange;
  /** Ports observed bound by someone else: never handed out as a new lease. */
  unavailable?: ReadonlySet<number>;
  /** Keys whose current lease must move (its port was found bound by a stranger). */
  move?: ReadonlySet<string>;
}

export interface Allocation {
  /** Every lease after the step: those on record plus the new ones. */
  leases: Map<string, number>;
  /** Keys given a new port by this step (fresh, or moved). */
  added: string[];
  /** Keys no port was left for: see exhaustedError. */
  exhausted: string[];
}

/**
 * Keeps every lease a wanted key already holds (a lease is stable for its key), and gives each key
 * without one the lowest port of the range that no other key holds and nobody was seen binding.
 */
export function allocatePorts(input: AllocationInput): Allocation {
  const leases = new Map(input.leases);
  const added: string[] = [];
  const exhausted: string[] = [];
  const unavailable = input.unavailable ?? new Set<number>();
  for (const key of input.want) {
    const current = leases.get(key);
    const moving = input.move?.has(key) === true;
    if (current !== undefined && !moving) continue;
    const taken = new Set<number>();
    for (const [k, p] of leases) if (k !== key) taken.add(p);
    let chosen: number | undefined;
    for (let port = input.range.from; port <= input.range.to && chosen === undefined; port++)
      if (!taken.has(port) && !unavailable.has(port) && port !== current) chosen = port;
    if (chosen === undefined) {
      exhausted.push(key);
      continue;
    }
    leases.set(key, chosen);
    added.push(key);
  }
  return { leases, added, exhausted };
}

/** Drops one key, or every key starting with `prefix` when it ends with "#" (a Program's instances). */
export function releaseLeases(
  leases: ReadonlyMap<string, number>,
  keyOrPrefix: string,
): { leases: Map<string, number>; released: string[] } {
  const out = new Map(leases);
  const released: string[] = [];
  for (const key of leases.keys()) {
    const match = keyOrPrefix.endsWith('#') ? key.startsWith(keyOrPrefix) : key === keyOrPrefix;
    if (match && out.delete(key)) released.push(key);
  }
  return { leases: out, released };
}

export function exhaustedError(key: string, range: PortRange, leased: number): TendError {
  return new TendError(
    'TEND_ERR_PORT_EXHAUSTED',
    `expected a free port in ${range.from}-${range.to} for ${key}, got none (${leased} leased, the rest bound by other processes)`,
    { key, range },
  );
}

/** The lease keys the desired Programs need before planning: `Program/x#i` per instance of a `port: auto` Program. */
export function wantedProgramLeases(resources: Iterable<Resource>): string[] {
  const keys: string[] = [];
  for (const r of resources)
    if (r.kind === 'Program' && r.spec.port === 'auto')
      for (let i = 0; i < r.spec.instances; i++) keys.push(`Program/${r.metadata.name}#${i}`);
  return keys;
}

/**
 * Program name → the port leased to each instance (`Program/x#i` is instance i); a list stops at the
 * first instance without a lease, so a Site never proxies to a partial set.
 */
export function programPortsOf(leases: ReadonlyMap<string, number>): Map<string, number[]> {
  const byInstance = new Map<string, Map<number, number>>();
  for (const [key, port] of leases) {
    const m = /^Program\/([a-z0-9-]+)#(0|[1-9][0-9]*)$/.exec(key);
    if (!m || !Number.isInteger(port) || port < 1 || port > 65535) continue;
    const slots = byInstance.get(m[1]!) ?? new Map<number, number>();
    slots.set(Number(m[2]), port);
    byInstance.set(m[1]!, slots);
  }
  const ports = new Map<string, number[]>();
  for (const [name, slots] of byInstance) {
    const list: number[] = [];
    for (let i = 0; slots.has(i); i++) list.push(slots.get(i)!);
    if (list.length > 0) ports.set(name, list);
  }
  return ports;
}
