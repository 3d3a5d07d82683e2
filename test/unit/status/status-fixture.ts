// Shared by the status-writer tests: static Sites, their load at one generation, and a local HTTP
// server standing in for nginx (it answers every probe and counts them by Host header).
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ApplyResult } from '../../../src/apply/executor.js';
import { embeddedLayout, type Layout } from '../../../src/layout/layout.js';
import { siteResource } from '../../../src/model/site.js';
import type { ResourceKey } from '../../../src/model/index.js';
import type { LoadResult } from '../../../src/source/index.js';
import { tempDir } from '../../helpers/tmp.js';

export const staticSite = (name: string) =>
  siteResource.parse({
    apiVersion: 'tend/v1',
    kind: 'Site',
    metadata: { name },
    spec: { domains: [`${name}.unit.test`], preset: 'static', root: '/srv/x' },
  });

/** A clean load of these Sites, every one at `generation`. */
export function loadOfSites(names: readonly string[], generation: string): LoadResult {
  return {
    ok: true,
    resources: names.map((n) => ({
      resource: staticSite(n),
      key: `Site/${n}` as ResourceKey,
      file: `${n}.yaml`,
      line: 1,
      col: 1,
      generation,
    })),
    errors: [],
    unknownFiles: [],
    unknownKeys: [],
    invalidKeys: [],
    files: [],
  };
}

/** An apply of these outcomes (by key) and reloads. */
export function applyOf(
  outcomes: Record<string, 'update' | 'no-op'>,
  reloads: ApplyResult['reloads'] = [],
): ApplyResult {
  return {
    outcomes: Object.entries(outcomes).map(([key, action]) => ({
      key: key as ResourceKey,
      action,
      status: action === 'no-op' ? 'unchanged' : 'applied',
    })),
    reloads,
    validations: reloads.length,
    durationMs: 1,
  };
}

/** An embedded layout whose HTTP port is a server answering every probe; `hits` lists the Hosts asked. */
export async function nginxStandIn(
  t: Parameters<typeof tempDir>[0],
): Promise<{ layout: Layout; hits: string[] }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(String(req.headers.host).replace(/:\d+$/, ''));
    res.end('ok');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => server.close());
  return { layout: embeddedLayout(tempDir(t), { httpPort: (server.address() as AddressInfo).port }), hits };
}
