// The secret behind tend's vhost marker (docs/decisions/0032): every Site's server block names its
// Site in an X-Tend-Site response header only when the request carries this secret in X-Tend-Probe,
// so a probe proves which server block answered while visitors' responses never change. It lives in
// the state dir, readable by root only; one per host, created on first apply.
import { randomBytes } from 'node:crypto';
import type { Host } from '../host/host.js';

export const PROBE_SECRET_FILE = 'probe-secret';
export const PROBE_REQUEST_HEADER = 'X-Tend-Probe';
export const PROBE_MARKER_HEADER = 'X-Tend-Site';

const SHAPE = /^[0-9a-f]{32}$/;

/**
 * The host's probe secret. `create` (an apply) makes one when there is none; a read-only plan gets
 * undefined then, and renders no marker (the apply that follows renders it).
 */
export async function probeSecret(
  host: Host,
  stateDir: string,
  create: boolean,
): Promise<string | undefined> {
  const path = `${stateDir}/${PROBE_SECRET_FILE}`;
  const have = (await host.fs.readFile(path))?.trim();
  if (have !== undefined && SHAPE.test(have)) return have;
  if (!create) return undefined;
  const secret = randomBytes(16).toString('hex');
  await host.fs.mkdirp(stateDir, 0o700);
  await host.fs.writeFileAtomic(path, `${secret}\n`, 0o600);
  return secret;
}
