// The server blocks nginx loads now, for the domain rules (model/domain-claims.ts): `nginx -T`
// parsed once, and again only when a file it listed, or a directory holding one, changed in a way
// tend cannot follow by reading the file itself. A config nginx refuses, or no nginx, gives
// undefined: then nothing is judged against it (the validation gates report the refusal).
//
// A Site edit rewrites one tend-managed vhost; dumping all 1,000 again (nginx parses every file,
// as long as an `nginx -t`) sat on the next edit's path. So when the only changes since the last
// dump are tend-managed files that include nothing, and directories whose entries are the same,
// those files are re-read and re-parsed alone (see decision 0045). Anything else (nginx.conf, a
// foreign file, an include, a file added or removed) dumps again.
import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { ATOMIC_TEMP_PATTERN, type Host } from '../../host/host.js';
import type { Layout } from '../../layout/layout.js';
import type { LiveServerBlock, LiveVhosts } from '../../model/index.js';
import { parseManagedHeader } from '../../render/types.js';
import { dumpLiveConfig } from './config-check.js';
import { dumpSections, parseNginxFile, type ServerBlock } from './nginx-dump.js';

interface FileEntry {
  blocks: ServerBlock[];
  /** Re-readable alone: tend-managed, including nothing, listed once. */
  alone: boolean;
}

interface Cached {
  /** Stat signature of every path the value depends on. */
  signatures: Map<string, string>;
  /** The files in nginx's order, with their blocks. */
  files: Map<string, FileEntry>;
  /** Entries of each directory holding a listed file (tend's temp files left out). */
  listings: Map<string, string>;
  value: LiveVhosts | undefined;
}

const cache = new Map<string, Cached>();

async function signaturesOf(host: Host, paths: Iterable<string>): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const p of paths) {
    const st = await host.fs.stat(p);
    out.set(p, st ? `${st.mtimeMs}:${st.size}` : '-');
  }
  return out;
}

async function listingOf(host: Host, dir: string): Promise<string> {
  try {
    return (await host.fs.readdir(dir))
      .filter((n) => !ATOMIC_TEMP_PATTERN.test(n))
      .sort()
      .join('\n');
  } catch {
    return '-';
  }
}

/** A vhost that pulls in other files could change what they contribute: not followed alone. */
const includes = (text: string) => /(^|[\s;{}])include\s/.test(text);
const aloneOk = (text: string) => parseManagedHeader(text) !== undefined && !includes(text);

/**
 * Fresh strings: the parser's tokens are slices of the whole dump, and one kept name would keep the
 * 1.5 MB dump alive for the daemon's life.
 */
const detached = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** An unmanaged block in the file a Site of that name would render (its adopt: true takes it over). */
function markAdoptable(blocks: LiveServerBlock[], layout: Layout): LiveServerBlock[] {
  const n = layout.nginx;
  return blocks.map((b) => {
    if (b.site !== undefined) return b;
    const name = /([a-z0-9-]+)\.conf$/.exec(b.file)?.[1];
    if (name === undefined || (b.file !== n.siteFile(name) && b.file !== n.siteLink(name))) return b;
    return { ...b, adoptableBy: name };
  });
}

function valueOf(files: Map<string, FileEntry>, layout: Layout): LiveVhosts {
  const n = layout.nginx;
  const listen = { address: n.listenAddress, port: n.listenPort, tlsPort: n.tlsPort };
  const blocks = markAdoptable(
    [...files.values()].flatMap((f) => f.blocks),
    layout,
  );
  // What the rules read, and nothing else: a vhost rewritten with the same names, sockets and
  // lines (a header added) leaves the stamp, and so the daemon's load memo, as it was.
  const stamp = createHash('sha256')
    .update(JSON.stringify([blocks, listen]))
    .digest('hex')
    .slice(0, 32);
  return { stamp, blocks, listen };
}

/** The cached entry brought up to date by re-reading `changed` alone, or undefined when it cannot be. */
async function followed(
  host: Host,
  last: Cached,
  changed: readonly string[],
  signatures: Map<string, string>,
  layout: Layout,
): Promise<Cached | undefined> {
  if (!last.value) return undefined;
  const files = new Map(last.files);
  for (const path of changed) {
    if (path === layout.nginx.mainConfig) return undefined;
    const listing = last.listings.get(path);
    if (listing !== undefined) {
      // A directory: a rename over a file moves its mtime; a new or removed entry needs nginx.
      if ((await listingOf(host, path)) !== listing) return undefined;
      continue;
    }
    const entry = files.get(path);
    if (!entry?.alone) return undefined;
    const text = await host.fs.readFile(path);
    if (text === undefined || !aloneOk(text)) return undefined;
    files.set(path, { blocks: detached(parseNginxFile(path, text)), alone: true });
  }
  return { signatures, files, listings: last.listings, value: valueOf(files, layout) };
}

export async function liveVhosts(
  host: Host,
  layout: Layout,
  nginxBinary?: string,
): Promise<LiveVhosts | undefined> {
  const n = layout.nginx;
  const key = `${n.mainConfig}|${nginxBinary ?? ''}`;
  const last = cache.get(key);
  if (last) {
    const now = await signaturesOf(host, last.signatures.keys());
    const changed = [...now].filter(([p, s]) => last.signatures.get(p) !== s).map(([p]) => p);
    if (changed.length === 0) return last.value;
    const next = await followed(host, last, changed, now, layout);
    if (next) {
      cache.set(key, next);
      return next.value;
    }
  }
  let dump: string | undefined;
  try {
    if ((await host.fs.stat(n.mainConfig)) === undefined) return undefined;
    dump = await dumpLiveConfig({ host, layout, ...(nginxBinary ? { nginxBinary } : {}) });
  } catch {
    dump = undefined;
  }
  const sections = dump ? dumpSections(dump) : [];
  const listed = new Map<string, number>();
  for (const [file] of sections) listed.set(file, (listed.get(file) ?? 0) + 1);
  const files = new Map<string, FileEntry>();
  for (const [sliced, text] of sections) {
    // The file name too: 1,000 names kept as map keys kept the whole dump (0051).
    const file = detached(sliced);
    const blocks = detached(parseNginxFile(file, text));
    const prior = files.get(file);
    files.set(file, {
      blocks: prior ? [...prior.blocks, ...blocks] : blocks,
      alone: listed.get(file) === 1 && aloneOk(text),
    });
  }
  const dirs = [...new Set([n.includeDir, ...[...files.keys()].map((f) => dirname(f))])];
  const paths = [...new Set([n.mainConfig, ...dirs, ...files.keys()])];
  const signatures = await signaturesOf(host, paths);
  const listings = new Map<string, string>();
  for (const d of dirs) listings.set(d, await listingOf(host, d));
  const entry: Cached = {
    signatures,
    files,
    listings,
    value: dump ? valueOf(files, layout) : undefined,
  };
  cache.set(key, entry);
  return entry.value;
}
