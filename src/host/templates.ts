// Loads templates/ once (sync, cached per directory) into a parsed TemplateSet for the pure renderers.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TendError } from '../errors/catalogue.js';
import { createTemplateSet, type TemplateSet } from '../render/template-set.js';

const SUFFIX = '.mustache';
const here = dirname(fileURLToPath(import.meta.url));

/** The package's templates/: ../../templates from src/host, ../../../templates from dist/src/host. */
export function templatesDir(): string {
  const candidates = [resolve(here, '../../templates'), resolve(here, '../../../templates')];
  const found = candidates.find((dir) =>
    statSync(join(dir, 'nginx'), { throwIfNoEntry: false })?.isDirectory(),
  );
  if (!found)
    throw new TendError(
      'TEND_ERR_INTERNAL',
      `tend's templates/ directory was not found; looked in ${candidates.join(', ')}`,
    );
  return found;
}

/** Every `*.mustache` under dir, keyed by its relative path without the suffix (`nginx/site.conf`). */
export function readTemplateSources(dir: string): Record<string, string> {
  const sources: Record<string, string> = {};
  const walk = (at: string) => {
    for (const entry of readdirSync(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.isFile() && entry.name.endsWith(SUFFIX))
        sources[relative(dir, path).split(sep).join('/').slice(0, -SUFFIX.length)] = readFileSync(
          path,
          'utf8',
        );
    }
  };
  walk(dir);
  return sources;
}

const cache = new Map<string, TemplateSet>();

export function loadTemplates(dir: string = templatesDir()): TemplateSet {
  const key = resolve(dir);
  let set = cache.get(key);
  if (!set) {
    set = createTemplateSet(readTemplateSources(key));
    cache.set(key, set);
  }
  return set;
}
