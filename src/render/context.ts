// What a renderer knows beyond its own resource: the layout, the other resources it references,
// allocated ports and the templates; plus the lookups both sides of a reference must share.
import { TendError } from '../errors/catalogue.js';
import type { Layout } from '../layout/index.js';
import type { Pool, Program, Resource, ResourceKey, Site } from '../model/index.js';
import type { TemplateSet } from './template-set.js';

export interface RenderContext {
  layout: Layout;
  /** Every desired resource by key: resolves a Site's `php.pool` and `proxy.program`. */
  resources: ReadonlyMap<ResourceKey, Resource>;
  /**
   * Program name → the port leased to each instance of a `port: auto` Program (index i is instance i,
   * the lease `Program/x#i`). Leases are taken one by one, so they need not be contiguous.
   */
  programPorts?: ReadonlyMap<string, readonly number[]>;
  templates: TemplateSet;
  /** The user nginx workers run as, when tend runs as root: pool sockets default to it. */
  webUser?: string;
  /** The host's probe secret (state/probe-secret.ts): Sites render the vhost marker with it. */
  probeSecret?: string;
  /** ACME Sites: site name → the issued certificate's files; a Site without one serves plain HTTP. */
  acmeCertificates?: ReadonlyMap<string, { certificate: string; key: string }>;
  /** tend's HTTP-01 directory (src/acme/paths.ts), served to every ACME Site. */
  acmeChallengeDir?: string;
  /** File-based TLS: site name → tend's checked copy of the pair (src/acme/file-certs.ts). */
  tlsFileCopies?: ReadonlyMap<string, { certificate: string; key: string }>;
}

export type PoolEndpoint = { type: 'socket'; path: string } | { type: 'tcp'; address: string; port: number };

/** Where a pool listens. The pool renderer and the site renderer both call this, so they cannot disagree. */
export function poolEndpoint(pool: Pool, layout: Layout): PoolEndpoint {
  const listen = pool.spec.listen;
  if ('port' in listen) return { type: 'tcp', address: listen.address, port: listen.port };
  return { type: 'socket', path: layout.php.socket(pool.spec.php, pool.metadata.name) };
}

export function referencedPool(site: Site, ctx: RenderContext): Pool {
  const name = site.spec.php?.pool;
  const pool = name === undefined ? undefined : ctx.resources.get(`Pool/${name}`);
  if (!pool || pool.kind !== 'Pool')
    throw new TendError(
      'TEND_ERR_REFERENCE',
      `Site/${site.metadata.name} uses php.pool ${name ?? '(none)'}, expected Pool/${name ?? '?'} among the desired resources, got nothing`,
      { key: `Site/${site.metadata.name}`, related: `Pool/${name ?? ''}` },
    );
  return pool;
}

/** The loopback ports of every instance of the Program a proxy Site points at. */
export function programPorts(site: Site, programName: string, ctx: RenderContext): number[] {
  const program = ctx.resources.get(`Program/${programName}`);
  const where = { key: `Site/${site.metadata.name}`, related: `Program/${programName}` };
  if (!program || program.kind !== 'Program')
    throw new TendError(
      'TEND_ERR_REFERENCE',
      `Site/${site.metadata.name} proxies to Program/${programName}, which is not among the desired resources`,
      where,
    );
  const ports = instancePorts(program, ctx);
  if (ports === undefined)
    throw new TendError(
      'TEND_ERR_REFERENCE',
      program.spec.port === undefined
        ? `Site/${site.metadata.name} proxies to Program/${programName}, which has no port; give it port: auto or a number`
        : `Site/${site.metadata.name} proxies to Program/${programName} (port: auto), but no port has been allocated to every instance yet`,
      where,
    );
  return ports;
}

/**
 * The port each instance listens on, as the supervisor passes it in PORT: a fixed port p gives
 * instance i p + i; `auto` gives instance i its own lease. Undefined while any instance lacks one.
 */
export function instancePorts(
  program: Program,
  ctx: Pick<RenderContext, 'programPorts'>,
): number[] | undefined {
  const { port, instances } = program.spec;
  if (typeof port === 'number') return Array.from({ length: instances }, (_, i) => port + i);
  if (port !== 'auto') return undefined;
  const leased = ctx.programPorts?.get(program.metadata.name) ?? [];
  const ports = leased.slice(0, instances);
  return ports.length === instances && ports.every((p) => Number.isInteger(p)) ? ports : undefined;
}
