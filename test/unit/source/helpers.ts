// Shared by the loader and hostile-input tests: write desired-state trees and find the fixtures.
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { repoRoot } from '../../helpers/paths.js';
import type { LoadError, LoadResult } from '../../../src/source/index.js';

export { repoRoot };

export const fixtureDir = (name: string) => join(repoRoot(), 'test', 'fixtures', 'desired', name);

export function writeTree(root: string, files: Record<string, string | Buffer>): void {
  for (const [rel, content] of Object.entries(files)) {
    const abs = join(root, rel);
    mkdirSync(dirname(abs), { recursive: true });
    writeFileSync(abs, content);
  }
}

/** A document as YAML text, emitted by the yaml package so line numbers are predictable. */
export const docYaml = (doc: unknown) => stringify(doc, { lineWidth: 0 });

export const VALID_SPECS = {
  Site: { domains: ['ok.example.com'], preset: 'static', root: '/srv/ok' },
  Pool: { php: '8.2' },
  Program: { command: ['sleep', '1000'] },
  Terminal: { user: 'deploy' },
} as const;

/** Kinds without an entry above (Job) need their spec passed in. */
export function resourceDoc(
  kind: string,
  name: string,
  spec: unknown = (VALID_SPECS as Record<string, unknown>)[kind],
) {
  return { apiVersion: 'tend/v1', kind, metadata: { name }, spec };
}

export function describeErrors(r: LoadResult): string {
  return r.errors
    .map((e: LoadError) => `${e.file}:${e.line}:${e.col} ${e.key ?? ''} ${e.field ?? ''} ${e.message}`)
    .join('\n');
}
