// The optional tend.yaml config file of `tend serve` (embedded: <root>/tend.yaml; system:
// /etc/tend/tend.yaml): the git source's settings, so a unit file need not carry them. Flags given
// on the command line win over the file.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { TendError } from '../errors/catalogue.js';
import type { Profile } from '../layout/layout.js';

const CONFIG = z
  .object({
    git: z
      .object({
        url: z.string(),
        branch: z.string().optional(),
        path: z.string().optional(),
        interval: z.string().optional(),
        sshKey: z.string().optional(),
        maxSize: z.number().int().positive().optional(),
        verify: z.string().optional(),
      })
      .strict()
      .optional(),
    partialApply: z.boolean().optional(),
  })
  .strict();

/** The flag values the file stands for, in parseArgs' shape. */
export type ConfigValues = Record<string, string | boolean | string[] | undefined>;

export function serveConfigPath(profile: Profile, root: string): string {
  return profile === 'system' ? join(root, 'etc/tend/tend.yaml') : join(root, 'tend.yaml');
}

/** Reads the file when it exists; a bad one is refused with its file, line and field. */
export function readServeConfig(file: string): ConfigValues {
  if (!existsSync(file)) return {};
  const text = readFileSync(file, 'utf8');
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const where = (offset: number | undefined) =>
    `${file}:${offset === undefined ? 0 : lines.linePos(offset).line}`;
  if (doc.errors.length > 0)
    throw new TendError(
      'TEND_ERR_USAGE',
      `${where(doc.errors[0]!.pos[0])}: expected YAML: ${doc.errors[0]!.message}`,
    );
  const parsed = CONFIG.safeParse(doc.toJS() ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map(String);
    const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
    const unknown = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new TendError(
      'TEND_ERR_USAGE',
      `${where(node?.range?.[0])}: ${path.join('.') || '(top)'}: ${issue.message}${unknown}`,
    );
  }
  const c = parsed.data;
  const base = dirname(file);
  return {
    ...(c.git
      ? {
          git: c.git.url,
          'git-branch': c.git.branch,
          'git-path': c.git.path,
          'git-interval': c.git.interval,
          'git-ssh-key': c.git.sshKey === undefined ? undefined : resolve(base, c.git.sshKey),
          'git-max-size': c.git.maxSize === undefined ? undefined : String(c.git.maxSize),
          'git-verify': c.git.verify === undefined ? undefined : resolve(base, c.git.verify),
        }
      : {}),
    'partial-apply': c.partialApply,
  };
}

/** The file's values under the flags given: a flag always wins. */
export function withServeConfig<T extends ConfigValues>(flags: T, file: string): T {
  const merged: ConfigValues = { ...readServeConfig(file) };
  for (const [k, v] of Object.entries(flags)) if (v !== undefined) merged[k] = v;
  for (const k of Object.keys(merged)) if (merged[k] === undefined) delete merged[k];
  return merged as T;
}
