// The shape of a loaded desired state: clean resources, located errors, and what the planner must hold.
import type { ErrorCode } from '../errors/catalogue.js';
import type { Resource, ResourceKey } from '../model/index.js';

export interface LoadedResource {
  resource: Resource;
  key: ResourceKey;
  /** Relative to the desired-state directory, with "/" separators. */
  file: string;
  line: number;
  col: number;
  generation: string;
}

export interface LoadError {
  code: ErrorCode;
  /** Relative to the desired-state directory; "." for the directory itself. */
  file: string;
  /** 1-based; 0 when the error is about the whole file or directory. */
  line: number;
  col: number;
  key?: ResourceKey;
  field?: string;
  message: string;
}

export interface LoadResult {
  /** True only when there are no errors and no unknown files. */
  ok: boolean;
  /** Resources that passed the schema and every cross rule; deep-frozen, in file order. */
  resources: LoadedResource[];
  errors: LoadError[];
  /**
   * Files whose resources cannot all be identified: YAML syntax errors, over a limit, unreadable,
   * or holding a document whose kind or name is unknown. Their resources are unknown, never absent.
   */
  unknownFiles: string[];
  /** Keys recovered (best effort) from unknownFiles: the planner must hold them. */
  unknownKeys: ResourceKey[];
  /** Keys declared but invalid (schema or cross rules): neither update nor delete them. */
  invalidKeys: ResourceKey[];
  /** Every YAML file read, relative, sorted. */
  files: string[];
  /** Fleet trees: the host names under hosts/ and in metadata.hosts (every slice, not just this one). */
  hostNames?: string[];
}

export const LIMITS = {
  maxFileBytes: 1024 * 1024,
  maxDocumentsPerFile: 1000,
  /** yaml's alias expansion budget; a desired state needs few aliases, a bomb needs many. */
  maxAliasCount: 50,
  maxFiles: 10_000,
} as const;
