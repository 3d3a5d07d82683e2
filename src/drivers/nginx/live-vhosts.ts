// The server blocks nginx loads now, for the domain rules (model/domain-claims.ts): `nginx -T`
// parsed once, and again only when a file it listed, or a directory holding one, changed (a new
// file in conf.d changes conf.d's mtime). A config nginx refuses, or no nginx, gives undefined:
// then nothing is judged against it (the validation gates report the refusal).
import { dirname } from 'node:path';
import type { Host } from '../../host/host.js';
import type { Layout } from '../../layout/layout.js';
import type { LiveServerBlock, LiveVhosts } from '../../model/index.js';
import { dumpLiveConfig } from './config-check.js';
import { parseNginxDump } from './nginx-dump.js';

interface Cached {
  signature: string;
  paths: string[];
  value: LiveVhosts | undefined;
}

const cache = new Map<string, Cached>();

async function signatureOf(host: Host, paths: readonly string[]): Promise<string> {
  const parts: string[] = [];
  for (const p of paths) {
    const st = await host.fs.stat(p);
    parts.push(st ? `${p}:${st.mtimeMs}:${st.size}` : `${p}:-`);
  }
  return parts.join('|');
}

function filesOf(dump: string): string[] {
  return [...dump.matchAll(/^# configuration file (.+):\r?$/gm)].map((m) => m[1]!);
}

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

export async function liveVhosts(
  host: Host,
  layout: Layout,
  nginxBinary?: string,
): Promise<LiveVhosts | undefined> {
  const n = layout.nginx;
  const key = `${n.mainConfig}|${nginxBinary ?? ''}`;
  const last = cache.get(key);
  if (last && (await signatureOf(host, last.paths)) === last.signature) return last.value;
  let dump: string | undefined;
  try {
    if ((await host.fs.stat(n.mainConfig)) === undefined) return undefined;
    dump = await dumpLiveConfig({ host, layout, ...(nginxBinary ? { nginxBinary } : {}) });
  } catch {
    dump = undefined;
  }
  const files = dump ? filesOf(dump) : [];
  const paths = [...new Set([n.mainConfig, n.includeDir, ...files, ...files.map((f) => dirname(f))])];
  const signature = await signatureOf(host, paths);
  const value: LiveVhosts | undefined = dump
    ? {
        stamp: signature,
        blocks: markAdoptable(parseNginxDump(dump), layout),
        listen: { address: n.listenAddress, port: n.listenPort, tlsPort: n.tlsPort },
      }
    : undefined;
  cache.set(key, { signature, paths, value });
  return value;
}
