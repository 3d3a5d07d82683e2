// listen(server, 'HOST:PORT' | 'unix:/path'): binds the API, refusing a network-reachable bind unless
// the operator allowed it and every request needs the token (and warning that the token then travels
// in clear), and keeps a unix socket to its owner (mode 0600).
import { chmod, lstat, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { TendError } from '../errors/catalogue.js';
import { apiSettings } from './server.js';

export type ListenSpec = { type: 'tcp'; host: string; port: number } | { type: 'unix'; path: string };

export function parseListenSpec(spec: string): ListenSpec {
  if (spec.startsWith('unix:')) {
    const path = spec.slice('unix:'.length);
    if (!path.startsWith('/')) {
      throw new TendError('TEND_ERR_USAGE', `listen: expected unix:/absolute/path; got "${spec}"`);
    }
    return { type: 'unix', path };
  }
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(spec);
  const port = match ? Number(match[3]) : NaN;
  if (!match || port > 65535) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `listen: expected HOST:PORT (e.g. 127.0.0.1:7080, [::1]:7080) or unix:/path; got "${spec}"`,
    );
  }
  return { type: 'tcp', host: (match[1] ?? match[2]) as string, port };
}

/** Only names that cannot reach another machine count; 0.0.0.0 and any real host name do not. */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

export function isLoopbackSpec(spec: string): boolean {
  const parsed = parseListenSpec(spec);
  return parsed.type === 'unix' || isLoopbackHost(parsed.host);
}

/** A socket file left by a crashed tend is removed; a live one (someone answers) is an error. */
async function clearStaleSocket(path: string): Promise<void> {
  const info = await lstat(path).catch(() => undefined);
  if (!info) return;
  if (!info.isSocket()) {
    throw new TendError(
      'TEND_ERR_USAGE',
      `listen: ${path} exists and is not a socket; refusing to replace it`,
    );
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => (probe.destroy(), resolve(true)));
    probe.once('error', () => resolve(false));
  });
  if (live) throw new TendError('TEND_ERR_LOCKED', `listen: another process is serving on ${path}`);
  await rm(path, { force: true });
}

export interface ListenOptions {
  /** `--allow-remote-api`: without it a bind other machines can reach is refused. */
  allowRemote?: boolean;
  /** Told once when a remote bind is accepted. */
  warn?: (message: string) => void;
}

export const REMOTE_API_WARNING =
  'the API listens on a non-loopback address over plain HTTP: the bearer token travels in clear ' +
  'and anyone on the path can read and replay it; put a TLS proxy in front or use a unix socket';

export async function listen(
  server: FastifyInstance,
  spec: string,
  opts: ListenOptions = {},
): Promise<{ url: string; close(): Promise<void> }> {
  const parsed = parseListenSpec(spec);
  if (parsed.type === 'unix') {
    await clearStaleSocket(parsed.path);
    await server.listen({ path: parsed.path });
    await chmod(parsed.path, 0o600);
    return {
      url: `unix:${parsed.path}`,
      close: async () => {
        await server.close();
        await rm(parsed.path, { force: true });
      },
    };
  }
  if (!isLoopbackHost(parsed.host)) {
    if (!opts.allowRemote)
      throw new TendError(
        'TEND_ERR_USAGE',
        `listen: ${parsed.host} is reachable from other machines; pass --allow-remote-api to accept that ` +
          '(the token then travels in clear over HTTP), or bind to 127.0.0.1 or a unix socket',
      );
    const settings = apiSettings(server);
    if (!settings?.tokenConfigured || !settings.requireTokenForReads) {
      throw new TendError(
        'TEND_ERR_AUTH',
        `listen: ${parsed.host} is reachable from other machines, so the API needs a token for every request: ` +
          'pass --token-file <path>, or bind to 127.0.0.1 or a unix socket',
      );
    }
  }
  await server.listen({ host: parsed.host, port: parsed.port });
  if (!isLoopbackHost(parsed.host)) opts.warn?.(REMOTE_API_WARNING);
  const address = server.server.address();
  const port = address && typeof address === 'object' ? address.port : parsed.port;
  const host = parsed.host.includes(':') ? `[${parsed.host}]` : parsed.host;
  return { url: `http://${host}:${port}`, close: () => server.close() };
}
