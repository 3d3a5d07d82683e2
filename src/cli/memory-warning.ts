// `tend validate`'s warning when every Pool at once could need more memory than the host has: each
// worker may grow to its memory_limit, so a pool's worst case is maxChildren × memory_limit.
import type { Pool } from '../model/index.js';

/** PHP's default memory_limit. */
const PHP_DEFAULT_LIMIT = 128 * 2 ** 20;
const UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30 };

/** memory_limit in bytes; undefined for -1 (unlimited) or a value PHP would not read as a size. */
export function memoryLimitBytes(pool: Pool): number | undefined {
  const v = pool.spec.phpAdminValues.memory_limit;
  if (v === undefined) return PHP_DEFAULT_LIMIT;
  const m = /^\s*(\d+)\s*([kKmMgG]?)\s*$/.exec(v);
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : undefined;
}

const mib = (b: number) => `${Math.round(b / 2 ** 20)} MiB`;

export function worstCaseWarning(pools: readonly Pool[], hostBytes: number): string | undefined {
  const each = pools.map((p) => ({ p, limit: memoryLimitBytes(p) }));
  const total = each.reduce((sum, e) => sum + (e.limit ?? 0) * e.p.spec.pm.maxChildren, 0);
  if (total <= hostBytes) return undefined;
  const top = each
    .filter((e) => e.limit !== undefined)
    .sort((a, b) => b.limit! * b.p.spec.pm.maxChildren - a.limit! * a.p.spec.pm.maxChildren)
    .slice(0, 3)
    .map((e) => `Pool/${e.p.metadata.name} ${e.p.spec.pm.maxChildren} × ${mib(e.limit!)}`);
  const unlimited = each.filter((e) => e.limit === undefined).length;
  return (
    `warning: the Pools' worst case (Σ maxChildren × memory_limit = ${mib(total)}) exceeds this host's memory ` +
    `(${mib(hostBytes)}); largest: ${top.join(', ')}` +
    (unlimited > 0 ? `; ${unlimited} pool(s) with memory_limit -1 not counted` : '') +
    '. Run `tend advise Pool/<name>` for a measured figure.'
  );
}
