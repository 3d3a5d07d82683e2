// What `tend import` produces: desired-state documents read off a host, each with what tend's own
// rendering of it would change, and what could not be imported at all (decision 0043).

import type { ConfigKind } from '../directives/normalise.js';

export type ImportKind = ConfigKind;

/** One thing in a host file, at a line when known, and why it is listed. */
export interface Finding {
  file: string;
  line?: number;
  text: string;
  why: string;
}

export interface ImportedResource {
  kind: ImportKind;
  name: string;
  /** The host file it was read from. */
  file: string;
  line: number;
  /** apiVersion, kind, metadata and spec, as the YAML file will hold them. */
  document: { apiVersion: 'tend/v1'; kind: ImportKind; metadata: { name: string }; spec: object };
  /** The host's config for it, one normalised line each (see `configLines` in verify.ts). */
  original: { text: string; line: number }[];
  /** Why a line of the host file was not mapped to a field (its line → reason), for `lost` below. */
  reasons: Map<number, string>;
  /** Host-side steps an operator must take, such as removing a file tend will not replace. */
  steps: string[];
  /**
   * Set by the round trip (verify.ts): the lines of the host file that tend's rendering of this
   * document lacks (the inexpressible parts), and those it adds. Normalised directives or `key = value`.
   */
  lost: Finding[];
  added: string[];
}

export interface ImportReport {
  resources: ImportedResource[];
  /** Server blocks, pools, programs or whole files that became no resource, with why. */
  refused: Finding[];
}

/** A note of the given text, safe on one line of a YAML comment or a terminal (no control chars). */
export function oneLine(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}
