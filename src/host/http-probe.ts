// The one HTTP probe client: a GET to an address and port (with a Host header when given: which
// server block nginx picks), judged by status code. Sites' health checks (observe/assess.ts) and
// Programs' http probes (supervisor/probe.ts) both use it, with one timeout meaning: timeoutMs is a
// deadline for the whole exchange, from connect to the end of the body. A server that trickles
// bytes cannot stretch it (a socket idle timeout would reset on every byte), and a late answer is
// a failure however much of it arrived. A fresh connection per probe (no keep-alive pool) so a
// probe sees the listener as it is now.
import { request } from 'node:http';

export interface HttpProbe {
  address: string;
  port: number;
  /** The Host header: which server block nginx picks (default: address:port). */
  host?: string;
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

export function httpProbe(probe: HttpProbe): Promise<ProbeResult> {
  const started = Date.now();
  const hostHeader = probe.host ?? `${probe.address}:${probe.port}`;
  // The port said too: a Site answering on the wrong port is the first thing to rule out.
  const target = probe.host
    ? `http://${probe.host}:${probe.port}${probe.path}`
    : `http://${hostHeader}${probe.path}`;
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
      headers: { ...probe.headers, Host: hostHeader, 'User-Agent': 'tend-health', Connection: 'close' },
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
