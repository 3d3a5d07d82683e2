// The change for one desired resource: compare its rendered files and links with what observation
// found and what the inventory remembers, and say why in the words an operator reads.
import { KINDS, type Kind, type ResourceKey } from '../model/index.js';
import type { Rendered, RenderedFile, ServiceId } from '../render/types.js';
import { adoptionOf } from './adoption.js';
import { removeDiff, writeDiff } from './file-diff.js';
import { sensitivePrefixes } from './secrets.js';
import { fieldChanges, REVISION_FIELD, runtimeChange } from './runtime-change.js';
import type { Adoption, Change, FileOp, InventoryEntry, Observed, Owned, PendingResource } from './types.js';

export interface ResourceContext {
  generation?: string;
  adopt: boolean;
  observed: Observed;
  entry?: InventoryEntry;
}

export function servicesOf(ops: readonly FileOp[], extra: readonly ServiceId[] = []): ServiceId[] {
  if (ops.length === 0 && extra.length === 0) return [];
  const set = new Set<ServiceId>(extra);
  for (const op of ops) set.add(op.service);
  set.delete('none');
  return [...set];
}

/**
 * What a rendered resource owns depends on it alone, and a daemon's render memo hands back the same
 * Rendered while its inputs hold: computed once per Rendered, not again at every resync (0054).
 */
const ownedMemo = new WeakMap<Rendered, Owned>();

/** What the resource renders: its inventory entry lists exactly this, whatever the change wrote. */
export function ownedBy(r: Rendered): Owned {
  let owns = ownedMemo.get(r);
  if (!owns) ownedMemo.set(r, (owns = deepFreeze(ownedByNow(r))));
  return owns;
}

function ownedByNow(r: Rendered): Owned {
  const services = new Set<ServiceId>();
  for (const f of r.files) services.add(f.service);
  for (const l of r.links) services.add(l.service);
  services.delete('none');
  const prefixes = new Set<string>();
  for (const f of r.files)
    if (f.secrets.length > 0) for (const p of sensitivePrefixes(f.content, f.secrets)) prefixes.add(p);
  return {
    files: r.files.map((f) => f.path),
    links: r.links.map((l) => l.path),
    services: [...services],
    ...(prefixes.size > 0 ? { sensitivePrefixes: [...prefixes] } : {}),
    ...(r.runtime ? { runtime: r.runtime } : {}),
  };
}

/**
 * Shared between passes, so never changed in place: a write to one, or to a list it made, throws
 * instead of corrupting the next plan. Objects it only points to (the Rendered's runtime fields)
 * are its owner's, and left as they are.
 */
function deepFreeze<T extends object>(value: T): T {
  for (const v of Object.values(value)) if (Array.isArray(v)) Object.freeze(v);
  return Object.freeze(value);
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((x) => b.includes(x));

/** An entry written before entries listed everything (or by hand) is rewritten, never trusted short. */
function entryIncomplete(entry: InventoryEntry, owns: Owned): boolean {
  return (
    !sameSet(entry.files, owns.files) ||
    !sameSet(entry.links, owns.links) ||
    !sameSet(entry.services, owns.services)
  );
}

/** Paths in `recorded` that `current` no longer has; the common case (same list) allocates nothing. */
function stalePaths(recorded: readonly string[], current: readonly string[]): string[] {
  if (recorded.length === 0) return [];
  if (recorded.length === current.length && recorded.every((p, i) => p === current[i])) return [];
  const now = new Set(current);
  return recorded.filter((p) => !now.has(p));
}

function writeOp(
  f: RenderedFile,
  before: string | undefined,
  entry?: InventoryEntry,
  adoption?: Adoption,
): FileOp {
  const diff = writeDiff({
    path: f.path,
    before,
    after: f.content,
    secrets: f.secrets,
    knownPrefixes: entry?.sensitivePrefixes,
  });
  return {
    op: 'write',
    path: f.path,
    service: f.service,
    mode: f.mode,
    content: f.content,
    ...(before === undefined ? {} : { before }),
    diff,
    secrets: f.secrets,
    ...(adoption ? { adoption } : {}),
  };
}

function notOwned(path: string, key: ResourceKey, owner: ResourceKey | undefined): Change['blocked'] {
  const message = owner
    ? `${path} is managed by ${owner}, not ${key}: two resources claim the same file`
    : `${path} already exists and is not managed by tend; tend never overwrites a file it does not own. ` +
      `Move the file away, or set spec.adopt: true on ${key} to let tend take it over`;
  return { code: 'TEND_ERR_NOT_OWNED', message };
}

function base(key: ResourceKey, generation?: string) {
  // Keys come from keyOf(); a malformed one is a bug upstream, caught here rather than misplanned.
  const slash = key.indexOf('/');
  const kind = key.slice(0, slash) as Kind;
  if (slash < 0 || !KINDS.includes(kind)) throw new Error(`internal error: malformed resource key ${key}`);
  return { key, kind, name: key.slice(slash + 1), ...(generation ? { generation } : {}) };
}

/** A Program's field diff and restart verdict beside its file ops (none for other kinds). */
export function planResource(r: Rendered, ctx: ResourceContext): Change {
  let change = planFiles(r, ctx);
  if (!r.runtime || change.blocked) return change;
  // An entry from before fields were recorded, at the same generation: the spec did not change.
  const entry = ctx.entry;
  const before = entry?.runtime ?? (entry && entry.generation === ctx.generation ? r.runtime : undefined);
  // The spec is the same but what runs is not: a `restartOn: revision` Program at a new revision.
  if (change.action === 'no-op' && before && fieldChanges(before, r.runtime).length > 0) {
    const revision = fieldChanges(before, r.runtime).every((f) => f.field === REVISION_FIELD);
    const reason = revision ? 'the revision changed (restartOn: revision)' : 'what runs changed';
    change = { ...change, action: 'update', reason, owns: ownedBy(r) };
  }
  const runtime = runtimeChange(change.action, r.runtime, before, change.ops.length > 0);
  return runtime ? { ...change, runtime } : change;
}

function planFiles(r: Rendered, ctx: ResourceContext): Change {
  const { observed, entry, adopt } = ctx;
  const ops: FileOp[] = [];
  const drift: string[] = [];
  let foundOnHost = false;
  let blocked: Change['blocked'];

  for (const f of r.files) {
    const seen = observed.files.get(f.path);
    if (!seen) {
      ops.push(writeOp(f, undefined, entry));
      if (entry) drift.push(`drift: ${f.path} is missing`);
      continue;
    }
    foundOnHost = true;
    if (seen.managedBy !== r.key) {
      if (seen.managedBy !== undefined || !adopt) {
        blocked ??= notOwned(f.path, r.key, seen.managedBy);
        continue;
      }
      drift.push(`adopting ${f.path} (spec.adopt: true)`);
      const { kind, name } = base(r.key);
      const adoption = adoptionOf(kind, name, f, seen.content, entry?.sensitivePrefixes);
      ops.push(writeOp(f, seen.content, entry, adoption));
      continue;
    }
    if (seen.content === f.content) continue;
    drift.push(`drift: ${f.path} was edited by hand`);
    ops.push(writeOp(f, seen.content, entry));
  }

  for (const l of r.links) {
    const seen = observed.links.get(l.path);
    if (seen?.target === l.target) {
      foundOnHost = true;
      continue;
    }
    const occupant = observed.files.get(l.path);
    // A link tend did not record, or a plain file at the link's path, belongs to someone else.
    const foreign = occupant
      ? occupant.managedBy !== r.key
      : seen !== undefined && !entry?.links.includes(l.path);
    if (foreign && !adopt) {
      blocked ??= notOwned(l.path, r.key, occupant?.managedBy);
      continue;
    }
    if (seen) foundOnHost = true;
    drift.push(seen ? `drift: ${l.path} points to ${seen.target}` : `drift: ${l.path} is missing`);
    ops.push({ op: 'link', path: l.path, target: l.target, service: l.service });
  }

  const owns = ownedBy(r);
  if (entry) {
    for (const path of stalePaths(entry.files, owns.files)) {
      const seen = observed.files.get(path);
      if (seen?.managedBy !== r.key) continue;
      ops.push({
        op: 'remove',
        path,
        service: entry.services[0] ?? 'none',
        before: seen.content,
        diff: removeDiff(path, seen.content),
      });
      drift.push(`${path} is no longer rendered`);
    }
    for (const path of stalePaths(entry.links, owns.links))
      if (observed.links.has(path)) ops.push({ op: 'unlink', path, service: entry.services[0] ?? 'none' });
  }

  const head = base(r.key, ctx.generation);
  if (blocked) {
    const action = entry || foundOnHost ? 'update' : 'create';
    return { ...head, action, reason: blocked.message, ops: [], services: [], blocked };
  }
  const services = servicesOf(ops);
  if (!entry) {
    if (!foundOnHost) return { ...head, action: 'create', reason: 'not on the host', ops, services, owns };
    const reason =
      drift.find((d) => d.startsWith('adopting')) ?? 'resuming an interrupted apply (not in the inventory)';
    return { ...head, action: 'update', reason, ops, services, owns };
  }
  if (ctx.generation !== undefined && entry.generation !== ctx.generation)
    return { ...head, action: 'update', reason: 'spec changed', ops, services, owns };
  if (ops.length > 0) return { ...head, action: 'update', reason: drift.join('; '), ops, services, owns };
  if (entryIncomplete(entry, owns)) {
    const reason = 'the inventory entry does not list every file, link and service the resource renders';
    return { ...head, action: 'update', reason, ops, services, owns };
  }
  return inSync(r, head);
}

/** The in-sync change of a Rendered at a generation, one object for every resync that finds it so. */
const inSyncMemo = new WeakMap<Rendered, Change>();

function inSync(r: Rendered, head: ReturnType<typeof base>): Change {
  const last = inSyncMemo.get(r);
  if (last && last.generation === head.generation) return last;
  const change = deepFreeze<Change>({ ...head, action: 'no-op', reason: 'in sync', ops: [], services: [] });
  inSyncMemo.set(r, change);
  return change;
}

/** A desired resource that cannot be rendered yet: blocked, and never mistaken for a deletion. */
export function pendingChange(key: ResourceKey, pending: PendingResource, entry?: InventoryEntry): Change {
  return {
    ...base(key, pending.generation),
    action: entry ? 'update' : 'create',
    reason: pending.message,
    ops: [],
    services: [],
    blocked: { code: pending.code, message: pending.message },
  };
}
