// What a service shows from the outside: its error log after a known offset (reload and start
// verification), and whether it really listens. Unix sockets come from /proc/net/unix (a socket file
// alone may be stale, left by a killed master), TCP ports from a bind test. Neither connects, so an
// ondemand php-fpm pool is not made to fork a worker just to be checked.
import type { Host } from '../../host/index.js';

/** The current end of a log (in characters); 0 when the log does not exist yet. */
export async function logOffset(host: Host, path: string): Promise<number> {
  return ((await host.fs.readFile(path)) ?? '').length;
}

/** Everything logged since `offset`; a log that shrank was rotated or truncated, so all of it. */
export async function logSince(host: Host, path: string, offset: number): Promise<string> {
  const text = (await host.fs.readFile(path)) ?? '';
  return text.length < offset ? text : text.slice(offset);
}

/** Lines carrying one of the given severity tags, e.g. nginx's "[emerg]" or php-fpm's "ERROR:". */
export function linesWith(text: string, tags: readonly string[]): string[] {
  return text.split('\n').filter((line) => tags.some((tag) => line.includes(tag)));
}

/** The last lines of a text, for error messages that must stay readable. */
export function lastLines(text: string, count = 20): string {
  return text.trimEnd().split('\n').slice(-count).join('\n');
}

export type ListenTarget = { socketPath: string } | { host: string; port: number };

export function describeTarget(target: ListenTarget): string {
  return 'socketPath' in target ? `unix:${target.socketPath}` : `${target.host}:${target.port}`;
}

/** __SO_ACCEPTCON in /proc/net/unix's Flags column: the socket is listening. */
const ACCEPTCON = 0x10000;

export function parseProcNetUnix(text: string): Set<string> {
  const paths = new Set<string>();
  for (const line of text.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    const flags = Number.parseInt(cols[3] ?? '', 16);
    const path = cols.slice(7).join(' ');
    if (path.startsWith('/') && (flags & ACCEPTCON) !== 0) paths.add(path);
  }
  return paths;
}

export async function listeningUnixSockets(host: Host): Promise<Set<string>> {
  return parseProcNetUnix((await host.fs.readFile('/proc/net/unix')) ?? '');
}

/** The targets not listening yet (one /proc read for all unix sockets, a bind test per port). */
export async function notListening(host: Host, targets: readonly ListenTarget[]): Promise<ListenTarget[]> {
  const unix = targets.some((t) => 'socketPath' in t) ? await listeningUnixSockets(host) : new Set<string>();
  const missing: ListenTarget[] = [];
  for (const target of targets) {
    const up =
      'socketPath' in target
        ? unix.has(target.socketPath)
        : !(await host.portIsFree(target.port, target.host));
    if (!up) missing.push(target);
  }
  return missing;
}
