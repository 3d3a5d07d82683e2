// Host slices (docs/decisions/0037): which files and resources of one tree apply to one host of a fleet.
import { hostname } from 'node:os';
import type { Resource } from '../model/index.js';

export interface HostSlice {
  /** This host's name (`--host-name`, default the hostname). */
  name: string;
  labels: Readonly<Record<string, string>>;
  /** Whether a resource naming neither hosts nor hostSelector applies here (`--host-default`). */
  default: 'all' | 'none';
}

/** The hostname's first label, lower-cased: the default --host-name, what an operator writes in hosts/. */
export function defaultHostName(): string {
  return (hostname().split('.')[0] ?? '').toLowerCase() || 'localhost';
}

const HOSTS_DIR = /^hosts\/([^/]+)\//;

/** The host a file is reserved to (`hosts/<name>/…`), or undefined for a file every host reads. */
export function hostOfFile(rel: string): string | undefined {
  return HOSTS_DIR.exec(rel)?.[1];
}

/** Whether a file may hold resources for this host: anything outside hosts/, and hosts/<name>/. */
export function fileInSlice(rel: string, slice: HostSlice): boolean {
  const owner = hostOfFile(rel);
  return owner === undefined || owner === slice.name;
}

/** Whether a resource read from `file` applies to this host. */
export function resourceInSlice(resource: Resource, file: string, slice: HostSlice): boolean {
  // The directory already chose the host; metadata cannot widen a hosts/<name>/ file to others.
  if (hostOfFile(file) !== undefined) return hostOfFile(file) === slice.name;
  const { hosts, hostSelector } = resource.metadata as {
    hosts?: string[];
    hostSelector?: Record<string, string>;
  };
  if (hosts === undefined && hostSelector === undefined) return slice.default === 'all';
  if (hosts?.includes(slice.name)) return true;
  return hostSelector !== undefined && Object.entries(hostSelector).every(([k, v]) => slice.labels[k] === v);
}

/** Every host a tree names: directories under hosts/ and metadata.hosts entries (for `tend validate`). */
export function hostNamesIn(
  files: readonly string[],
  resources: readonly { resource: Resource }[],
): string[] {
  const names = new Set<string>();
  for (const f of files) {
    const h = hostOfFile(f);
    if (h !== undefined) names.add(h);
  }
  for (const r of resources)
    for (const h of (r.resource.metadata as { hosts?: string[] }).hosts ?? []) names.add(h);
  return [...names].sort();
}
