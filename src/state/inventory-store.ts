// The inventory on disk (<stateDir>/inventory.json): what tend created on this host, the only
// things it may ever delete. Loaded strictly: a corrupt file stops tend instead of reading as empty.
import { z } from 'zod';
import { KINDS, type ResourceKey } from '../model/index.js';
import { readThroughMemo, type Host } from '../host/index.js';
import type { Inventory, InventoryEntry } from '../plan/types.js';
import type { ServiceId } from '../render/types.js';
import { parseStateFile } from './state-fs.js';

export const INVENTORY_FILE = 'inventory.json';

const serviceId = z.custom<ServiceId>(
  (v) => typeof v === 'string' && /^(nginx|supervisord|none|php-fpm@[0-9][0-9.]*)$/.test(v),
  { message: 'expected a service id: nginx, supervisord, none or php-fpm@<version>' },
);

const entrySchema = z.strictObject({
  kind: z.enum(KINDS),
  name: z.string().min(1),
  generation: z.string(),
  files: z.array(z.string()),
  links: z.array(z.string()),
  services: z.array(serviceId),
  appliedAt: z.string(),
  sensitivePrefixes: z.array(z.string()).optional(),
  runtime: z.record(z.string(), z.string()).optional(),
});

const inventorySchema = z
  .strictObject({
    version: z.literal(1),
    resources: z.record(z.string(), entrySchema),
  })
  .superRefine((inv, ctx) => {
    for (const [key, entry] of Object.entries(inv.resources)) {
      if (key !== `${entry.kind}/${entry.name}`) {
        ctx.addIssue({
          code: 'custom',
          path: ['resources', key],
          message: `expected the key ${entry.kind}/${entry.name} for this entry`,
        });
      }
    }
  });

/** Explains a zod failure in one line: where, and what was expected. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.length ? i.path.join('.') : '(top level)'}: ${i.message}`)
    .join('; ');
}

export const emptyInventory = (): Inventory => ({ version: 1, resources: {} });

export const inventoryPath = (stateDir: string) => `${stateDir}/${INVENTORY_FILE}`;

/**
 * Missing file: an empty inventory (a first run). Corrupt file: TEND_ERR_STATE_CORRUPT, and the
 * file stays where it is so every later run refuses too, until an operator repairs it. A copy of
 * its bytes is kept aside, except with `readOnly` (`tend reconcile --plan` writes nothing at all).
 */
export async function loadInventory(
  host: Host,
  stateDir: string,
  opts: { readOnly?: boolean; memo?: InventoryMemo } = {},
): Promise<Inventory> {
  const memo = opts.memo;
  const path = inventoryPath(stateDir);
  // Through the read memo: a daemon's host skips the ~600 KB read while the file's identity holds.
  const content = await readThroughMemo(host.fs, path);
  if (content === undefined) return emptyInventory();
  // Validating 2,000 entries costs more than a pass's planning; the same bytes validate the same way.
  if (memo?.last && content === memo.last.text) {
    // The same bytes as the text this process wrote: keep the copy the read memo holds, not both
    // (1.4 MB each at 1,000 Sites + Pools).
    memo.last = { text: content, inventory: memo.last.inventory };
    return copyOf(memo.last.inventory);
  }
  const inv = await parseStateFile(
    host,
    path,
    content,
    (value) => {
      const r = inventorySchema.safeParse(value);
      return r.success ? { ok: true, value: r.data } : { ok: false, reason: describeIssues(r.error) };
    },
    'tend will not plan or prune without knowing what it owns: repair the file, or remove it to ' +
      'start over (files tend created then count as foreign and are never deleted).',
    opts,
  );
  return remember(memo, content, inv as Inventory);
}

/**
 * The last inventory validated or written, with its text (one, so memory stays bounded): a pass
 * loads the inventory several times, and a daemon's passes load what the one before saved. Held by
 * the controller's snapshot (pipeline/snapshot.ts), never by this module.
 * Entries are frozen and shared; callers get their own top-level maps to add and remove entries.
 */
export interface InventoryMemo {
  last?: { text: string; inventory: Inventory };
}

function remember(memo: InventoryMemo | undefined, text: string, inventory: Inventory): Inventory {
  for (const entry of Object.values(inventory.resources)) Object.freeze(entry);
  if (memo) memo.last = { text, inventory };
  return copyOf(inventory);
}

const copyOf = (inv: Inventory): Inventory => ({ version: 1, resources: { ...inv.resources } });

export async function saveInventory(
  host: Host,
  stateDir: string,
  inv: Inventory,
  memo?: InventoryMemo,
): Promise<void> {
  const sorted: Inventory = { version: 1, resources: {} };
  for (const key of Object.keys(inv.resources).sort()) sorted.resources[key] = inv.resources[key]!;
  const text = `${JSON.stringify(sorted, null, 2)}\n`;
  await host.fs.writeFileAtomic(inventoryPath(stateDir), text, 0o600);
  // What tend writes is valid by construction (every entry came from a validated load or a journal).
  remember(memo, text, sorted);
}

/** Returns a new inventory with the entry recorded under its key (replacing an older one). */
export function recordApplied(inv: Inventory, entry: InventoryEntry): Inventory {
  const key: ResourceKey = `${entry.kind}/${entry.name}`;
  return { version: 1, resources: { ...inv.resources, [key]: entry } };
}

/** Returns a new inventory without the key: only after its files are confirmed gone. */
export function forget(inv: Inventory, key: ResourceKey): Inventory {
  const { [key]: _dropped, ...rest } = inv.resources;
  return { version: 1, resources: rest };
}
