// What rendering produces: the files a resource needs, which service reads them, and which of their
// substrings are secrets to mask in every output.
import type { ResourceKey } from '../model/index.js';
import type { ServiceId } from '../model/service.js';

/** Re-exported for render's own consumers; other rooms import it from model/service.ts. */
export type { ServiceId };

export interface RenderedFile {
  path: string;
  content: string;
  /** File mode, e.g. 0o644. */
  mode: number;
  service: ServiceId;
  /** Values in `content` that must never be shown (secret env values). */
  secrets: string[];
}

export interface RenderedLink {
  /** The symlink path (e.g. sites-enabled/x.conf). */
  path: string;
  target: string;
  service: ServiceId;
}

export interface Rendered {
  key: ResourceKey;
  files: RenderedFile[];
  links: RenderedLink[];
  /** Values published in status (socket path, URL, port). */
  outputs: Record<string, string | number>;
  /** Directories the service needs before it can load the files (log and socket dirs); optional. */
  directories?: string[];
  /** Directories a tenant's processes write to (a pool's tmp and sessions): tend creates them for `owner`. */
  tenantDirs?: TenantDir[];
  /** A system account the resource asks tend to create before its service validates (never deleted). */
  account?: { name: string; home: string };
  /** Opt-ins that weaken isolation (e.g. listen.unsafe): every plan prints them. */
  warnings?: string[];
  /**
   * A runtime resource's spec fields (plan/runtime-change.ts), recorded when applied so a later plan
   * shows a field diff and whether its instances restart.
   */
  runtime?: Record<string, string>;
}

export interface TenantDir {
  path: string;
  /** A user name; its primary group owns the directory too. */
  owner: string;
  mode: number;
  /** The root-owned parent to create first (mode 0711: traversable, not listable). */
  parent: string;
}

/** The first line of every managed file; observation parses it back to learn ownership. */
export const MANAGED_MARKER = 'managed by tend:';
export function managedHeader(comment: '#' | ';', key: ResourceKey): string {
  return `${comment} ${MANAGED_MARKER} ${key} (do not edit: tend reverts manual changes)\n`;
}
export function parseManagedHeader(content: string): ResourceKey | undefined {
  const m = /^[#;] managed by tend: ([A-Za-z]+\/[a-z0-9-]+) /.exec(content);
  return m ? (m[1] as ResourceKey) : undefined;
}
