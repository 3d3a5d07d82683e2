// Shared by the controller-loop fault tests: a `tend serve` with a few PHP sites on real nginx and
// php-fpm, a checker fetching every site, and readers for /readyz, the event log and the daemon log.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { phpPairYaml } from '../helpers/e2e.js';
import { startChecker, type CheckedSite, type Checker } from '../helpers/checker.js';
import { parseEvents, type TendEvent } from '../../src/state/events.js';
import { serveEnv, type ServeEnv } from '../e2e/serve-harness.js';

export const SITES = ['a', 'b', 'c'];

export interface LoopFault {
  env: ServeEnv;
  checker: Checker;
  sites: CheckedSite[];
  /** The YAML of site `n`, with extra site spec lines. */
  yaml(n: string, siteSpec?: string): string;
  readyz(): Promise<{ status: number; reason: string }>;
  /** The event log as persisted (global events included), folded. */
  events(): TendEvent[];
  /** Daemon log lines (JSON) whose msg matches. */
  logLines(msg: string): Record<string, unknown>[];
}

/**
 * Writes the sites into `dsDir` (default: the env's desired state), starts the daemon with `extra`
 * flags, and waits until every site answers with its marker.
 */
export async function loopFault(
  t: { after: (fn: () => Promise<void> | void) => void },
  opts: { extra?: string[]; beforeStart?: (env: ServeEnv) => void } = {},
): Promise<LoopFault> {
  const env = await serveEnv(t);
  const sites = SITES.map((n) => ({ host: `${n}.fault.test`, marker: `site-${n}` }));
  const roots = new Map<string, string>();
  for (const n of SITES) {
    const dir = join(env.www, n);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'index.php'), `<?php echo "site-${n} " . (6 * 7) . "\\n";\n`);
    roots.set(n, dir);
  }
  const yaml = (n: string, siteSpec = '') =>
    phpPairYaml({
      pool: n,
      site: n,
      domain: `${n}.fault.test`,
      root: roots.get(n)!,
      maxChildren: 2,
      siteSpec,
    });
  opts.beforeStart?.(env);
  for (const n of SITES) env.write(`${n}.yaml`, yaml(n));
  await env.start(opts.extra ?? []);
  const checker = startChecker(env.port, sites);
  t.after(() => checker.stop());
  await checker.healthy(60_000);
  return {
    env,
    checker,
    sites,
    yaml,
    async readyz() {
      const r = await env.api('GET', '/readyz', undefined, false);
      return { status: r.status, reason: String((r.body as { reason?: string }).reason ?? '') };
    },
    events: () => {
      try {
        return parseEvents(readFileSync(join(env.root, 'state/events.jsonl'), 'utf8'));
      } catch {
        return [];
      }
    },
    logLines(msg) {
      const out: Record<string, unknown>[] = [];
      for (const line of env.daemon.log().split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          const j = JSON.parse(line) as Record<string, unknown>;
          if (typeof j.msg === 'string' && j.msg.includes(msg)) out.push(j);
        } catch {
          /* a line cut mid-write */
        }
      }
      return out;
    },
  };
}
