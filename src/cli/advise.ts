// `tend advise Pool/x`: how many workers (pm.max_children) fit in this host's memory, from what the
// pool's workers were measured to use now, after a reserve for the other pools' worst case, nginx and
// a margin. Prints how it was computed; never changes the spec.
import { dirname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { optionHint } from './suggest.js';
import { hostMemoryBytes, pidFileTreeMemory } from '../drivers/health/memory.js';
import { readFpmStatus } from '../drivers/php-fpm/fpm-status.js';
import { createRealHost, type Host } from '../host/index.js';
import { layoutFor, type Layout, type Profile } from '../layout/layout.js';
import { sizeBytes } from '../model/primitives.js';
import type { Pool } from '../model/index.js';
import { statusSocketPath } from '../render/php-pool.js';
import { loadDesiredState } from '../source/index.js';
import { adviseMaxChildren, defaultMarginBytes } from '../status/capacity.js';
import { measureWorkers, type WorkerMeasure } from '../observe/pool-observe.js';
import type { CliIO } from './io.js';
import { parseWebBases, WEB_BASE_USAGE } from './web-base.js';

const USAGE = `usage: tend advise Pool/NAME [options]

  -d, --desired-state DIR   directory of YAML resources (default: ./desired-state)
  --profile embedded|system where managed files live (default: embedded)
  --root DIR                root of the layout (embedded: <desired-state>/../.tend; system: /)
  --memory SIZE             the host memory to plan for, e.g. 4g (default: MemTotal)
  --margin SIZE             memory kept free for the kernel, caches and tend (default: 10 %, at least 256m)
  --json                    print the advice as JSON
  --http-port N             embedded nginx listen port (accepted for symmetry with reconcile)
${WEB_BASE_USAGE}`;

async function measurePool(host: Host, layout: Layout, pool: Pool): Promise<WorkerMeasure | string> {
  try {
    const status = await readFpmStatus(
      { socketPath: statusSocketPath(pool, layout) },
      pool.spec.health.statusPath,
      true,
    );
    return (await measureWorkers(host, status)) ?? 'no worker is running to measure';
  } catch (err) {
    return (err as Error).message;
  }
}

export async function adviseCommand(
  args: string[],
  io: CliIO,
  host: Host = createRealHost(),
): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: {
        'desired-state': { type: 'string', short: 'd' },
        profile: { type: 'string' },
        root: { type: 'string' },
        memory: { type: 'string' },
        margin: { type: 'string' },
        json: { type: 'boolean' },
        'http-port': { type: 'string' },
        'web-base': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    const message = (err as Error).message;
    io.stderr(`tend advise: ${message}${optionHint(message, USAGE)}\n${USAGE}`);
    return 1;
  }
  if (values.help) {
    io.stdout(USAGE);
    return 0;
  }
  const target = positionals[0] ?? '';
  const name = /^Pool\/([a-z0-9-]+)$/.exec(target)?.[1];
  const profile = (values.profile ?? 'embedded') as Profile;
  const sizes = { memory: values.memory, margin: values.margin };
  const bad = Object.entries(sizes).find(([, v]) => v !== undefined && !Number.isFinite(sizeBytes(v)));
  if (!name || positionals.length !== 1 || (profile !== 'embedded' && profile !== 'system') || bad) {
    io.stderr(
      `tend advise: ${bad ? `--${bad[0]}: expected a size such as 512m or 4g, got "${bad[1]}"` : `expected one Pool/NAME and --profile embedded|system, got "${positionals.join(' ')}"`}\n${USAGE}`,
    );
    return 1;
  }
  const bases = parseWebBases(values['web-base'], io.cwd);
  if (!bases.ok) {
    io.stderr(`tend advise: ${bases.message}\n${USAGE}`);
    return 1;
  }
  const desiredDir = resolve(io.cwd, values['desired-state'] ?? 'desired-state');
  const root = values.root
    ? resolve(io.cwd, values.root)
    : profile === 'embedded'
      ? resolve(dirname(desiredDir), '.tend')
      : '/';
  const layout = layoutFor(profile, root);
  const loaded = await loadDesiredState(desiredDir, { ruleContext: { webBases: bases.webBases } });
  const pools = loaded.resources.map((r) => r.resource).filter((r): r is Pool => r.kind === 'Pool');
  const pool = pools.find((p) => p.metadata.name === name);
  if (!pool) {
    io.stderr(`tend advise: TEND_ERR_NOT_FOUND: ${target} is not a valid Pool in ${desiredDir}\n`);
    return 1;
  }
  const own = await measurePool(host, layout, pool);
  if (typeof own === 'string') {
    io.stderr(`tend advise: ${target}: cannot measure its workers: ${own}\n`);
    return 1;
  }
  let otherPoolsBytes = 0;
  const unmeasured: string[] = [];
  for (const other of pools) {
    if (other === pool) continue;
    const m = await measurePool(host, layout, other);
    if (typeof m === 'string') unmeasured.push(other.metadata.name);
    else otherPoolsBytes += m.perWorkerBytes * other.spec.pm.maxChildren;
  }
  const hostBytes = values.memory ? sizeBytes(values.memory) : await hostMemoryBytes(host);
  if (hostBytes === undefined) {
    io.stderr('tend advise: cannot read MemTotal from /proc/meminfo; give --memory\n');
    return 1;
  }
  const advice = adviseMaxChildren({
    hostBytes,
    marginBytes: values.margin ? sizeBytes(values.margin) : defaultMarginBytes(hostBytes),
    nginxBytes: await pidFileTreeMemory(host, layout.nginx.pidFile),
    otherPoolsBytes,
    perWorkerBytes: own.perWorkerBytes,
    workersMeasured: own.measured,
    source: own.source,
    currentMaxChildren: pool.spec.pm.maxChildren,
  });
  if (values.json) {
    io.stdout(`${JSON.stringify({ pool: target, ...advice, unmeasuredPools: unmeasured }, null, 2)}\n`);
    return 0;
  }
  io.stdout(
    `${target}: suggest pm.maxChildren ${advice.maxChildren} (now ${advice.current})\n` +
      `  ${advice.basis}\n` +
      (unmeasured.length > 0
        ? `  not measured (no running worker or no status): ${unmeasured.join(', ')}; their worst case is not reserved\n`
        : '') +
      '  advice only: the spec is unchanged\n',
  );
  return 0;
}
