// Handcrafted planner inputs: rendered resources, observation and inventory, built from small specs.
import type { ResourceKey } from '../../../src/model/index.js';
import type { Inventory, Observed, ObservedFile, PlanInput } from '../../../src/plan/index.js';
import { managedHeader, type Rendered, type ServiceId } from '../../../src/render/types.js';

export function content(key: ResourceKey, body: string): string {
  return `${managedHeader('#', key)}${body}\n`;
}

const SERVICE: Record<string, ServiceId> = {
  Site: 'nginx',
  Pool: 'php-fpm@8.2',
  Program: 'supervisord',
  Terminal: 'none',
};

export function rendered(key: ResourceKey, body = 'v1', secrets: string[] = []): Rendered {
  const [kind, name] = key.split('/') as [string, string];
  return {
    key,
    files: [
      {
        path: `/r/${kind.toLowerCase()}/${name}.conf`,
        content: content(key, body),
        mode: 0o644,
        service: SERVICE[kind]!,
        secrets,
      },
    ],
    links: [],
    outputs: {},
  };
}

/** Observation as if every rendered file were on disk exactly (the in-sync host). */
export function observedFrom(rs: readonly Rendered[], extra: ObservedFile[] = []): Observed {
  const files = new Map<string, ObservedFile>();
  const links = new Map<string, { path: string; target: string }>();
  for (const r of rs) {
    for (const f of r.files) files.set(f.path, { path: f.path, content: f.content, managedBy: r.key });
    for (const l of r.links) links.set(l.path, { path: l.path, target: l.target });
  }
  for (const f of extra) files.set(f.path, f);
  return { files, links, phpVersions: ['8.2'] };
}

export function inventoryFrom(rs: readonly Rendered[], gen = (_k: ResourceKey) => 'g1'): Inventory {
  const inv: Inventory = { version: 1, resources: {} };
  for (const r of rs) {
    const [kind, name] = r.key.split('/') as [Inventory['resources'][string]['kind'], string];
    inv.resources[r.key] = {
      kind,
      name,
      generation: gen(r.key),
      files: r.files.map((f) => f.path),
      links: r.links.map((l) => l.path),
      services: [...new Set(r.files.map((f) => f.service))],
      appliedAt: '2026-01-01T00:00:00Z',
    };
  }
  return inv;
}

export function input(
  desired: Rendered[],
  observed: Observed,
  inventory: Inventory,
  more: Partial<PlanInput> = {},
): PlanInput {
  return {
    desired,
    generations: new Map(desired.map((r) => [r.key, 'g1'])),
    adopt: new Set(),
    observed,
    inventory,
    load: { unknownFiles: [], unknownKeys: [], invalidKeys: [] },
    options: {},
    ...more,
  };
}

export const EMPTY_INVENTORY: Inventory = { version: 1, resources: {} };
