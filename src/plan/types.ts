// The Plan: what tend would do, change by change. The same object drives the text output, the
// JSON output (formatVersion 1) and the executor.
import type { ErrorCode } from '../errors/catalogue.js';
import type { Kind, ResourceKey } from '../model/index.js';
import type { Rendered, ServiceId } from '../render/types.js';
import type { RuntimeChange } from './runtime-change.js';

export type ChangeAction = 'create' | 'update' | 'delete' | 'no-op';

export type FileOp =
  | {
      op: 'write';
      path: string;
      service: ServiceId;
      mode: number;
      content: string;
      before?: string;
      diff: string;
      secrets: string[];
      /** An adopting write over a host file tend did not manage: its change directive by directive. */
      adoption?: Adoption;
    }
  | { op: 'remove'; path: string; service: ServiceId; before?: string; diff: string }
  | { op: 'link'; path: string; target: string; service: ServiceId }
  | { op: 'unlink'; path: string; service: ServiceId };

/**
 * What adopting a host file changes, compared directive by directive (decision 0043): the host's
 * lines tend's rendering lacks (dropped or changed) and the lines tend adds, secrets masked.
 */
export interface Adoption {
  /** Every directive of the host file is in tend's rendering: only tend's own lines are added. */
  sameDirectives: boolean;
  hostOnly: string[];
  tendAdds: string[];
}

export interface Change {
  key: ResourceKey;
  kind: Kind;
  name: string;
  action: ChangeAction;
  /** Why: "not on the host", "spec changed", "drift: file edited by hand", "removed from desired state". */
  reason: string;
  /** Generation of the desired spec (absent for deletes). */
  generation?: string;
  ops: FileOp[];
  /** The services this change needs validated and reloaded. */
  services: ServiceId[];
  /** A change that cannot be applied (e.g. a file tend does not own) carries the reason. */
  blocked?: { code: string; message: string };
  /**
   * Everything the resource renders once this change is applied (absent for deletes): the inventory
   * records this, not the ops, so a change that writes nothing still lists every file it owns.
   */
  owns?: Owned;
  /** A runtime resource (a Program): the spec fields that change and what happens to its instances. */
  runtime?: RuntimeChange;
}

/** The files, links and services one resource renders: what its inventory entry must list. */
export interface Owned {
  files: string[];
  links: string[];
  services: ServiceId[];
  /** Line prefixes of the secrets in those files (see InventoryEntry.sensitivePrefixes). */
  sensitivePrefixes?: string[];
  /** A runtime resource's spec fields (see InventoryEntry.runtime). */
  runtime?: Record<string, string>;
}

export interface PlanSummary {
  create: number;
  update: number;
  delete: number;
  noop: number;
  blocked: number;
}

export interface PruneHeld {
  reason: string;
  /** The inventory keys that would have been deleted. */
  keys: ResourceKey[];
  /** TEND_ERR_MASS_DELETE when the mass-delete guard refused (the CLI exits 1 and names the flag). */
  code?: ErrorCode;
}

/** Something the operator must know although nothing fails: an unsafe opt-in, an account left behind. */
export interface PlanWarning {
  key: ResourceKey;
  message: string;
}

export interface Plan {
  formatVersion: 1;
  /** Git commit of the desired state, when it is a work tree. */
  revision?: string;
  /** Deletions were held back (e.g. a source file failed to load, or the mass-delete guard). */
  pruneHeld?: PruneHeld;
  changes: Change[];
  summary: PlanSummary;
  /** Printed by every plan; absent when there are none. */
  warnings?: PlanWarning[];
}

/** A file as observation found it at a path tend manages. */
export interface ObservedFile {
  path: string;
  content: string;
  /** The resource named by its managed header, or undefined when tend does not own it. */
  managedBy?: ResourceKey;
}

export interface ObservedLink {
  path: string;
  target: string;
}

export interface Observed {
  /** Files found at the paths the desired state and the inventory name; absent paths are missing. */
  files: ReadonlyMap<string, ObservedFile>;
  links: ReadonlyMap<string, ObservedLink>;
  phpVersions: readonly string[];
  nginxBinary?: string;
  /** Files in tend's directories (vhosts, pool.d, conf.d) that tend does not manage. Informational. */
  unmanaged?: readonly string[];
}

export interface InventoryEntry {
  kind: Kind;
  name: string;
  generation: string;
  files: string[];
  links: string[];
  /** Services the files belong to, so a prune knows what to reload. */
  services: ServiceId[];
  appliedAt: string;
  /**
   * Line prefixes (never values) of the lines that held secrets when applied, e.g. `env[DB_PASS] = "`;
   * lets a later plan mask a secret that has since been removed from the spec. See plan/secrets.ts.
   */
  sensitivePrefixes?: string[];
  /**
   * A runtime resource's spec fields as applied (plan/runtime-change.ts): secret values only as a
   * digest. Lets a later plan show a Program's field diff.
   */
  runtime?: Record<string, string>;
}

/** What tend has created on this host. Only what is listed here may ever be deleted. */
export interface Inventory {
  version: 1;
  resources: Record<string, InventoryEntry>;
}

/** A desired resource that cannot be rendered yet (e.g. a Site waiting for a Program's port). */
export interface PendingResource {
  code: ErrorCode;
  message: string;
  generation?: string;
}

/** Everything the pure planner needs; gathered by pipeline/compute-plan.ts. */
export interface PlanInput {
  desired: readonly Rendered[];
  generations: ReadonlyMap<ResourceKey, string>;
  /** Resources whose spec.adopt is true: they may take over a file tend does not manage. */
  adopt: ReadonlySet<ResourceKey>;
  observed: Observed;
  inventory: Inventory;
  load: {
    unknownFiles: readonly string[];
    unknownKeys: readonly ResourceKey[];
    invalidKeys: readonly ResourceKey[];
  };
  /** Desired resources that could not be rendered now; they are blocked, never deleted. */
  pending?: ReadonlyMap<ResourceKey, PendingResource>;
  revision?: string;
  /** Pool key → the system account tend created for it (state/accounts.json): deleting says it stays. */
  accounts?: ReadonlyMap<ResourceKey, string>;
  options: { allowMassDelete?: boolean; massDeleteShare?: number; only?: ResourceKey };
}
