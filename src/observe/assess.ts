// Health after an apply: a Site is Ready when nginx answers its health path with the expected status
// for its Host header; a Pool is Ready when its FastCGI ping answers. Status comes from observation,
// never from memory of what was written.
import { httpProbe } from '../host/http-probe.js';
import { pingPool } from '../drivers/php-fpm/fastcgi.js';
import type { Layout } from '../layout/layout.js';
import type { Pool, Resource, Site } from '../model/index.js';
import { PROBE_MARKER_HEADER, PROBE_REQUEST_HEADER } from '../state/probe-secret.js';

export interface HealthVerdict {
  ok: boolean;
  message: string;
  details: Record<string, unknown>;
  /** Why a failed verdict failed, when more precise than ProbeFailed (e.g. WrongVhost). */
  reason?: string;
}

/** The reason of a Site answered by a server block that is not its own (a default or another vhost). */
export const WRONG_VHOST = 'WrongVhost';

const PROBE_TIMEOUT_MS = 2_000;

/** A freshly reloaded service may need a moment; a few spaced attempts avoid reporting a blip. */
async function withRetries(
  attempts: number,
  gapMs: number,
  fn: () => Promise<HealthVerdict>,
): Promise<HealthVerdict> {
  let last = await fn();
  for (let i = 1; i < attempts && !last.ok; i++) {
    await new Promise((r) => setTimeout(r, gapMs));
    last = await fn();
  }
  return last;
}

export function probeHostOf(site: Site): string {
  const first = site.spec.domains[0]!.toLowerCase();
  return first.startsWith('*.') ? `probe.${first.slice(2)}` : first;
}

/**
 * `secret`: the host's probe secret (state/probe-secret.ts). With it, an answer is Site's own only
 * when its server block named the Site in X-Tend-Site; anything else answered for it.
 */
export async function assessSite(
  site: Site,
  layout: Layout,
  attempts = 5,
  secret?: string,
): Promise<HealthVerdict> {
  const address = layout.nginx.listenAddress === '0.0.0.0' ? '127.0.0.1' : layout.nginx.listenAddress;
  const port = site.spec.listenPort ?? layout.nginx.listenPort;
  const redirectsToTls = site.spec.tls?.redirect === true;
  const expect = site.spec.health.expectStatus;
  return withRetries(attempts, 200, async () => {
    const r = await httpProbe({
      address,
      port,
      host: probeHostOf(site),
      path: site.spec.health.path,
      expectStatus: expect,
      timeoutMs: PROBE_TIMEOUT_MS,
      ...(secret ? { headers: { [PROBE_REQUEST_HEADER]: secret }, readHeader: PROBE_MARKER_HEADER } : {}),
    });
    const url = `http://${probeHostOf(site)}:${port}${site.spec.health.path}`;
    const details = { url, status: r.status, durationMs: r.durationMs };
    const name = site.metadata.name;
    if (secret && r.status !== undefined && r.header !== name) {
      const by = r.header ? `Site/${r.header}'s server block` : 'a server block tend did not render';
      return {
        ok: false,
        reason: WRONG_VHOST,
        message: `${url}: answered (${r.status}) by ${by}, not by Site/${name}'s: another vhost or a default server holds ${probeHostOf(site)}`,
        details: { ...details, answeredBy: r.header || 'unknown' },
      };
    }
    // A TLS site redirects plain HTTP; the redirect itself proves nginx serves this server block.
    if (redirectsToTls && (r.status === 301 || r.status === 308))
      return { ok: true, message: `redirects to https (${r.status})`, details };
    return { ok: r.ok, message: r.message, details };
  });
}

export async function assessPool(pool: Pool, layout: Layout, attempts = 5): Promise<HealthVerdict> {
  const listen =
    'port' in pool.spec.listen
      ? { host: pool.spec.listen.address, port: pool.spec.listen.port }
      : { socketPath: layout.php.socket(pool.spec.php, pool.metadata.name) };
  return withRetries(attempts, 200, async () => {
    const started = Date.now();
    const r = await pingPool(listen, pool.spec.health.ping, pool.spec.health.response, PROBE_TIMEOUT_MS);
    return {
      ok: r.ok,
      message: r.message,
      details: { ping: pool.spec.health.ping, durationMs: Date.now() - started },
    };
  });
}

export async function assess(resource: Resource, layout: Layout): Promise<HealthVerdict | undefined> {
  if (resource.kind === 'Site') return assessSite(resource, layout);
  if (resource.kind === 'Pool') return assessPool(resource, layout);
  return undefined;
}
