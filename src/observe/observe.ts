// Observation, read-only: the files and links at the paths tend cares about (with the owner their
// managed header names), the PHP-FPM versions and nginx binary installed, and foreign files in
// tend's directories. Reads run with bounded parallelism so thousands of files stay fast.
import { dirname } from 'node:path';
import type { Host } from '../host/host.js';
import type { Layout } from '../layout/layout.js';
import type { Observed, ObservedFile, ObservedLink } from '../plan/types.js';
import { parseManagedHeader } from '../render/types.js';

/** Enough to keep the disk busy without exhausting file descriptors. */
export const OBSERVE_PARALLELISM = 64;

export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

const PHP_FPM = /^php-fpm(\d+\.\d+)$/;

/**
 * Installed PHP-FPM versions: those whose `layout.php.binary(v)` (the binary the php-fpm driver runs)
 * exists, found by listing its directory (e.g. /usr/sbin/php-fpm8.2 → 8.2). The one source of truth
 * for `tend validate`, the plan and observation, so they cannot disagree about what is installed.
 */
export async function detectPhpVersions(host: Host, layout: Layout): Promise<string[]> {
  const sbin = dirname(layout.php.binary('0.0'));
  const versions = (await host.fs.readdir(sbin))
    .map((n) => ({ n, v: PHP_FPM.exec(n)?.[1] }))
    .filter(
      (e): e is { n: string; v: string } => e.v !== undefined && layout.php.binary(e.v) === `${sbin}/${e.n}`,
    )
    .map((e) => e.v);
  const num = (v: string) => v.split('.').map(Number) as [number, number];
  return [...new Set(versions)].sort((a, b) => num(a)[0] - num(b)[0] || num(a)[1] - num(b)[1]);
}

export async function detectNginx(host: Host, layout: Layout): Promise<string | undefined> {
  const beside = `${dirname(layout.php.binary('0.0'))}/nginx`;
  if ((await host.fs.stat(beside))?.isFile) return beside;
  return host.which('nginx');
}

function toObserved(path: string, content: string): ObservedFile {
  const managedBy = parseManagedHeader(content);
  return managedBy ? { path, content, managedBy } : { path, content };
}

/** Directories whose every file the services load: a foreign file there changes what they serve. */
function managedDirs(layout: Layout, phpVersions: readonly string[]): string[] {
  const dirs = [
    dirname(layout.nginx.siteFile('x')),
    layout.nginx.includeDir,
    layout.supervisord.includeDir,
    ...phpVersions.map((v) => layout.php.poolDir(v)),
  ];
  return [...new Set(dirs)];
}

async function findUnmanaged(host: Host, dirs: string[], known: ReadonlySet<string>): Promise<string[]> {
  const listed = await mapLimit(dirs, OBSERVE_PARALLELISM, async (dir) =>
    (await host.fs.readdir(dir)).map((n) => `${dir}/${n}`),
  );
  const candidates = listed.flat().filter((p) => !known.has(p));
  const foreign = await mapLimit(candidates, OBSERVE_PARALLELISM, async (path) => {
    const content = await host.fs.readFile(path);
    return content !== undefined && parseManagedHeader(content) === undefined ? path : undefined;
  });
  return foreign.filter((p) => p !== undefined).sort();
}

const readAll = (host: Host, paths: readonly string[]) =>
  host.fs.readFiles
    ? host.fs.readFiles(paths)
    : mapLimit(paths, OBSERVE_PARALLELISM, (p) => host.fs.readFile(p));

export async function observe(
  host: Host,
  layout: Layout,
  want: { files: readonly string[]; links: readonly string[] },
): Promise<Observed> {
  const filePaths = [...new Set(want.files)];
  const linkPaths = [...new Set(want.links)];
  const [phpVersions, nginxBinary, fileContents, linkTargets] = await Promise.all([
    detectPhpVersions(host, layout),
    detectNginx(host, layout),
    readAll(host, filePaths),
    mapLimit(linkPaths, OBSERVE_PARALLELISM, (p) => host.fs.readlink(p)),
  ]);

  const files = new Map<string, ObservedFile>();
  filePaths.forEach((path, i) => {
    const content = fileContents[i];
    if (content !== undefined) files.set(path, toObserved(path, content));
  });
  const links = new Map<string, ObservedLink>();
  const notLinks: string[] = [];
  linkPaths.forEach((path, i) => {
    const target = linkTargets[i];
    if (target !== undefined) links.set(path, { path, target });
    else if (!files.has(path)) notLinks.push(path);
  });
  // A plain file squatting on a link path must be seen, or the planner would replace it blindly.
  const squatters = await readAll(host, notLinks);
  notLinks.forEach((path, i) => {
    const content = squatters[i];
    if (content !== undefined) files.set(path, toObserved(path, content));
  });

  const known = new Set([...filePaths, ...linkPaths]);
  const unmanaged = await findUnmanaged(host, managedDirs(layout, phpVersions), known);
  return { files, links, phpVersions, ...(nginxBinary ? { nginxBinary } : {}), unmanaged };
}
