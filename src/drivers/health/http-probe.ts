// The HTTP health probe through nginx: a request to the listen address with the site's Host
// header, judged by status code, bounded by a timeout.
import { request } from 'node:http';

export interface SiteProbe {
  address: string;
  port: number;
  /** The Host header: which server block nginx picks. */
  host: string;
  path: string;
  expectStatus: number;
  timeoutMs: number;
  /** Extra request headers (tend's probe secret, see state/probe-secret.ts). */
  headers?: Record<string, string>;
  /** A response header to hand back (the vhost marker). */
  readHeader?: string;
}

export interface ProbeResult {
  ok: boolean;
  status?: number;
  message: string;
  durationMs: number;
  /** The value of `readHeader` in the response ('' when absent). */
  header?: string;
}

export function probeSite(probe: SiteProbe): Promise<ProbeResult> {
  const started = Date.now();
  const target = `http://${probe.host}${probe.path}`;
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Omit<ProbeResult, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...result, durationMs: Date.now() - started });
    };
    const req = request({
      host: probe.address,
      port: probe.port,
      path: probe.path,
      method: 'GET',
      headers: { ...probe.headers, Host: probe.host, 'User-Agent': 'tend-health', Connection: 'close' },
      agent: false,
    });
    const timer = setTimeout(
      () => done({ ok: false, message: `${target}: no answer in ${probe.timeoutMs} ms` }),
      probe.timeoutMs,
    );
    req.once('error', (err) => done({ ok: false, message: `${target}: ${err.message}` }));
    req.once('response', (res) => {
      const status = res.statusCode ?? 0;
      const raw = probe.readHeader ? res.headers[probe.readHeader.toLowerCase()] : undefined;
      const header = probe.readHeader ? (Array.isArray(raw) ? raw.join(',') : (raw ?? '')) : undefined;
      // Drain so the socket closes cleanly; the body is not judged.
      res.resume();
      const ok = status === probe.expectStatus;
      const message = ok
        ? `${target}: ${status}`
        : `${target}: expected status ${probe.expectStatus}, got ${status}`;
      const seen = header === undefined ? {} : { header };
      res.once('end', () => done({ ok, status, message, ...seen }));
      res.once('error', () => done({ ok, status, message, ...seen }));
    });
    req.end();
  });
}
