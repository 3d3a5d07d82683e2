// What `tend import` reads from a host in the system profile: the enabled nginx vhosts, every PHP
// version's pool.d and supervisord's conf.d, under `root` (/ on a real host; a copy in tests). Files
// tend already manages are skipped: they are in some desired state already.
import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { parseManagedHeader } from '../render/types.js';
import { parseNginxConfig } from '../directives/nginx-config.js';
import { poolListens, poolsFromFile } from './pools.js';
import { programsFromFile } from './programs.js';
import { resourceName, sitesFromConfig } from './sites.js';
import type { Finding, ImportReport } from './types.js';

/** Larger than any vhost, pool or program file a person writes; a bigger one is not read. */
const MAX_FILE = 1024 * 1024;

async function list(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).sort();
  } catch {
    return [];
  }
}

/** A link under the root names a host path: /etc/… means <root>/etc/… unless it is there already. */
function underRoot(root: string, from: string, target: string): string {
  if (!target.startsWith('/')) return resolve(dirname(from), target);
  return root === '/' || target.startsWith(`${root}/`) ? target : join(root, target);
}

async function readText(path: string, refused: Finding[]): Promise<string | undefined> {
  try {
    const info = await stat(path);
    if (!info.isFile()) return undefined;
    if (info.size > MAX_FILE) {
      refused.push({ file: path, text: '(the whole file)', why: `larger than ${MAX_FILE} bytes` });
      return undefined;
    }
    const text = await readFile(path, 'utf8');
    if (parseManagedHeader(text)) {
      refused.push({
        file: path,
        text: '(the whole file)',
        why: `already managed by tend (${parseManagedHeader(text)})`,
      });
      return undefined;
    }
    return text;
  } catch (err) {
    refused.push({ file: path, text: '(the whole file)', why: `unreadable: ${(err as Error).message}` });
    return undefined;
  }
}

export interface ReadOptions {
  root: string;
  /** tend's default listen port in this layout: a vhost on it needs no listenPort. */
  listenPort: number;
}

export async function readHost(opts: ReadOptions): Promise<ImportReport> {
  const { root } = opts;
  const report: ImportReport = { resources: [], refused: [] };
  const poolsByListen = new Map<string, string>();

  for (const php of await list(join(root, 'etc/php'))) {
    const dir = join(root, 'etc/php', php, 'fpm/pool.d');
    if (!/^\d\.\d$/.test(php)) continue;
    for (const entry of await list(dir)) {
      if (!entry.endsWith('.conf')) continue;
      const file = join(dir, entry);
      const text = await readText(file, report.refused);
      if (text === undefined) continue;
      const found = poolsFromFile(text, { file, php });
      report.resources.push(...found.resources);
      report.refused.push(...found.refused);
      for (const [listen, pool] of poolListens(text)) poolsByListen.set(listen, pool);
    }
  }

  const enabled = join(root, 'etc/nginx/sites-enabled');
  for (const entry of await list(enabled)) {
    const link = join(enabled, entry);
    const info = await lstat(link).catch(() => undefined);
    const file = info?.isSymbolicLink() ? underRoot(root, link, await readlink(link)) : link;
    const text = await readText(file, report.refused);
    if (text === undefined) continue;
    let tree;
    try {
      tree = parseNginxConfig(text);
    } catch (err) {
      const line = (err as { line?: number }).line;
      report.refused.push({
        file,
        ...(line ? { line } : {}),
        text: '(the whole file)',
        why: `not a config nginx would read: ${(err as Error).message}`,
      });
      continue;
    }
    const baseName = entry.replace(/\.conf$/, '');
    const found = sitesFromConfig(tree, { file, baseName, listenPort: opts.listenPort, poolsByListen });
    report.refused.push(...found.refused);
    // tend adopts a vhost at sites-available/<name>.conf (its link in sites-enabled): another file
    // would stay enabled beside tend's, serving the same names.
    const name = resourceName(baseName);
    const expected = join(root, 'etc/nginx/sites-available', `${name}.conf`);
    if (found.resources.length > 0 && (file !== expected || entry !== `${name}.conf`))
      report.refused.push({
        file,
        text: `Site/${name}`,
        why: `tend adopts a vhost as ${expected}, linked from sites-enabled under that name; rename this file (and its link) to ${name}.conf and import again`,
      });
    else report.resources.push(...found.resources);
  }

  const confD = join(root, 'etc/supervisor/conf.d');
  for (const entry of await list(confD)) {
    if (!entry.endsWith('.conf')) continue;
    const file = join(confD, entry);
    const text = await readText(file, report.refused);
    if (text === undefined) continue;
    const found = programsFromFile(text, file);
    report.resources.push(...found.resources);
    report.refused.push(...found.refused);
  }
  return report;
}
