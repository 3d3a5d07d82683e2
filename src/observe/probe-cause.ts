// Diagnosis, not just symptoms: when a Site's probe fails, what nginx logged for that request (the
// upstream's "Permission denied", php-fpm's "Primary script unknown" passed on by nginx) joins the
// verdict. The Site's own error log is marked before the probe and read after it with a bounded
// read, keeping only error lines about the probe's Host; no lines, no claimed cause.
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Site } from '../model/index.js';
import type { HealthVerdict } from './assess.js';

/** Read at most this much of the log after the mark: a busy site's log never costs more. */
const MAX_BYTES = 64 * 1024;
const MAX_LINES = 3;
const ERROR_LINE = /\[(error|crit|alert|emerg)\]/;

async function sizeOf(host: Host, path: string): Promise<number> {
  return (await host.fs.stat(path))?.size ?? 0;
}

async function readAfter(host: Host, path: string, mark: number): Promise<string> {
  const size = await sizeOf(host, path);
  // A log that shrank was rotated: all of the new one is after the mark.
  const from = Math.max(size < mark ? 0 : mark, size - MAX_BYTES);
  if (size <= from) return '';
  if (host.fs.readRange) return host.fs.readRange(path, from, size - from);
  return ((await host.fs.readFile(path)) ?? '').slice(from, size);
}

/**
 * One error line without its timestamp, pid and connection number, and without the client and
 * server fields: `connect() to unix:/run/php/x.sock failed (13: Permission denied) while connecting
 * to upstream, upstream: "fastcgi://unix:/run/php/x.sock:"`.
 */
export function conciseLogLine(line: string): string {
  const body = line.replace(/^\S+ \S+ \[\w+\] \d+#\d+: (\*\d+ )?/, '');
  return body
    .replace(/, client: [^,]+/, '')
    .replace(/, server: [^,]*/, '')
    .replace(/, request: "[^"]*"/, '')
    .replace(/, host: "[^"]*"/, '')
    .slice(0, 400);
}

/** The error lines about requests for `probeHost` in `text`, newest last, at most a few. */
export function causeLines(text: string, probeHost: string): string[] {
  const mine = text
    .split('\n')
    .filter((l) => ERROR_LINE.test(l) && l.includes(`host: "${probeHost}`))
    .map(conciseLogLine);
  return [...new Set(mine)].slice(-MAX_LINES);
}

/** Runs the probe; a failed verdict gets what nginx logged for it in the Site's error log. */
export async function withLoggedCause(
  host: Host | undefined,
  layout: Layout,
  site: Site,
  probeHost: string,
  probe: () => Promise<HealthVerdict>,
): Promise<HealthVerdict> {
  if (!host) return probe();
  const log = layout.nginx.siteLog(site.metadata.name, 'error');
  const mark = await sizeOf(host, log);
  const verdict = await probe();
  if (verdict.ok) return verdict;
  const lines = causeLines(await readAfter(host, log, mark), probeHost);
  if (lines.length === 0) return verdict;
  return {
    ...verdict,
    message: `${verdict.message}; nginx logged: ${lines.join(' | ')}`,
    details: { ...verdict.details, cause: lines, errorLog: log },
  };
}
