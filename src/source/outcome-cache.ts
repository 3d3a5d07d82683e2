// Checking a file (YAML parse + schema) is a pure function of its path, its text and tend's own
// code, and it is most of what a plan of an unchanged tree costs. The outcome cache remembers it by
// a hash of all three, so an in-sync `tend reconcile --plan` parses only what changed. See
// docs/decisions/0008-load-outcome-cache.md.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileOutcome } from './check-file.js';

export interface OutcomeCache {
  get(file: string, text: string): FileOutcome | undefined;
  set(file: string, text: string, outcome: FileOutcome): void;
  /** Persists what this load used (entries not used are dropped, so the cache tracks the tree). */
  save(): void;
}

const FORMAT = 1;

/** The nearest directory above `from` that holds tend's package.json (the install's root). */
function packageRoot(from: string): string | undefined {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'tend'))) return dir;
  }
  return undefined;
}

/**
 * Everything a verdict depends on: this room, the model, the error catalogue (messages and kinds),
 * tend's own version and build, and the exact dependency tree (a zod upgrade changes messages).
 */
export function fingerprintInputs(): string[] {
  const here = dirname(fileURLToPath(import.meta.url));
  const inputs = [here, join(here, '..', 'model'), join(here, '..', 'errors')];
  const root = packageRoot(here);
  if (root) inputs.push(join(root, 'package.json'), join(root, 'package-lock.json'));
  return inputs;
}

/** A hash of the given files and of the .js/.ts files directly inside the given directories. */
export function fingerprintOf(inputs: readonly string[]): string {
  const hash = createHash('sha256').update(`format ${FORMAT}\n`);
  for (const input of inputs) {
    if (!existsSync(input)) {
      hash.update(`missing ${input}\n`);
    } else if (statSync(input).isDirectory()) {
      for (const name of readdirSync(input).sort()) {
        if (!/\.(js|ts)$/.test(name) || name.endsWith('.d.ts')) continue;
        hash.update(`${name}\n`).update(readFileSync(join(input, name)));
      }
    } else {
      hash.update(`${input}\n`).update(readFileSync(input));
    }
  }
  return hash.digest('hex');
}

/**
 * Any change to a schema, a default, a message or a dependency makes every cached outcome stale,
 * without anyone remembering to bump a version.
 */
export function codeFingerprint(): string {
  // Not memoised here: the controller's snapshot computes it once per process (no module cache).
  return fingerprintOf(fingerprintInputs());
}

const keyOf = (file: string, text: string) =>
  createHash('sha256').update(file).update('\0').update(text).digest('base64');

interface CacheFile {
  fingerprint: string;
  entries: Record<string, FileOutcome>;
}

/** Only for a process's lifetime (the daemon between passes, tests). */
export function memoryOutcomeCache(): OutcomeCache {
  const entries = new Map<string, FileOutcome>();
  return {
    get: (file, text) => entries.get(keyOf(file, text)),
    set: (file, text, outcome) => entries.set(keyOf(file, text), outcome),
    save: () => undefined,
  };
}

/**
 * Backed by a JSON file in tend's state dir. Best effort on both sides: an unreadable, corrupt or
 * foreign-version file is an empty cache, and the file is written only when the directory already
 * exists (a plan against an empty root creates nothing) and only when something changed.
 */
export function fileOutcomeCache(path: string, fingerprint = codeFingerprint()): OutcomeCache {
  let stored: Record<string, FileOutcome> = {};
  try {
    const parsed = JSON.parse(readFileSync(path, 'utf8')) as Partial<CacheFile>;
    if (parsed.fingerprint === fingerprint && parsed.entries && typeof parsed.entries === 'object')
      stored = parsed.entries;
  } catch {
    // missing or unreadable: start empty
  }
  const used: Record<string, FileOutcome> = {};
  let dirty = false;
  return {
    get(file, text) {
      const key = keyOf(file, text);
      const hit = Object.hasOwn(stored, key) ? stored[key] : undefined;
      if (hit) used[key] = hit;
      return hit;
    },
    set(file, text, outcome) {
      used[keyOf(file, text)] = outcome;
      dirty = true;
    },
    save() {
      if (!dirty && Object.keys(used).length === Object.keys(stored).length) return;
      if (!existsSync(dirname(path))) return;
      const temp = `${path}.${process.pid}.tmp`;
      try {
        writeFileSync(temp, JSON.stringify({ fingerprint, entries: used } satisfies CacheFile), {
          mode: 0o600,
        });
        renameSync(temp, path);
        stored = { ...used };
        dirty = false;
      } catch {
        rmSync(temp, { force: true });
      }
    },
  };
}

/**
 * For a daemon: save() writes at most once per delay, off the pass that asked. The cache only
 * speeds up the next process's first load, so a save lost to a kill costs nothing but that.
 */
export function deferredSaves(cache: OutcomeCache, delayMs = 5_000): OutcomeCache {
  let timer: NodeJS.Timeout | undefined;
  return {
    get: (file, text) => cache.get(file, text),
    set: (file, text, outcome) => cache.set(file, text, outcome),
    save() {
      timer ??= setTimeout(() => {
        timer = undefined;
        cache.save();
      }, delayMs).unref();
    },
  };
}
