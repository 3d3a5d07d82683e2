// Shared by the `tend import` e2e tests: a relocated copy of a Debian host (its packaged /etc/nginx
// with the default site on a test port, php8.2-fpm's www.conf, supervisord's conf.d), the CLI run
// against it, and the check that a file tend wrote differs from the host's by exactly what was listed.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { missingFrom } from '../../src/directives/nginx-config.js';
import { linesOf } from '../../src/directives/compare.js';
import { BIN, REPO, collect, ensureBuilt, freePort, killMasters, type Run } from '../helpers/e2e.js';
import { relocateStockNginx } from './stock-nginx.js';

const FIXTURES = join(REPO, 'test/fixtures/import');

export interface Listed {
  key: string;
  file: string;
  lost: { text: string; line: number; why: string }[];
  added: string[];
  steps: string[];
}
export interface Report {
  resources: Listed[];
  refused: { file: string; line?: number; text: string; why: string }[];
}

export interface ImportEnv {
  base: string;
  root: string;
  port: number;
  etc: string;
  pools: string;
  tend(...args: string[]): Promise<Run>;
  /** A fixture with @BASE@, @PORT@ and @UPSTREAM@ filled in, written to `path`. */
  fixture(name: string, path: string, upstream?: number): void;
  enable(file: string): void;
}

export async function importEnv(t: { after: (fn: () => Promise<void>) => void }): Promise<ImportEnv> {
  ensureBuilt();
  const base = mkdtempSync(join(tmpdir(), 'tend-e2e-import-'));
  chmodSync(base, 0o755);
  t.after(async () => {
    const survivors = await killMasters(base);
    if (!process.env.TEND_KEEP_TMP) rmSync(base, { recursive: true, force: true });
    assert.deepEqual(survivors, []);
  });
  const port = await freePort();
  const root = join(base, 'root');
  const etc = relocateStockNginx(root, port);
  const pools = join(root, 'etc/php/8.2/fpm/pool.d');
  mkdirSync(pools, { recursive: true });
  mkdirSync(join(root, 'etc/supervisor/conf.d'), { recursive: true });
  // Debian's stock pool, as php8.2-fpm installs it.
  copyFileSync('/etc/php/8.2/fpm/pool.d/www.conf', join(pools, 'www.conf'));
  const tend = (...args: string[]) =>
    collect(
      spawn(process.execPath, [BIN, ...args], {
        cwd: base,
        env: { ...process.env, NO_COLOR: '1' },
        stdio: 'pipe',
      }),
    );
  return {
    base,
    root,
    port,
    etc,
    pools,
    tend,
    fixture(name, path, upstream) {
      const text = readFileSync(join(FIXTURES, name), 'utf8')
        .replaceAll('@BASE@', base)
        .replaceAll('@PORT@', String(port))
        .replaceAll('@UPSTREAM@', String(upstream ?? 0));
      writeFileSync(path, text);
    },
    enable(file) {
      symlinkSync(file, join(etc, 'sites-enabled', file.slice(file.lastIndexOf('/') + 1)));
    },
  };
}

/** The flags every command here shares: the relocated root, tend's port, document roots under base. */
export const hostArgs = (env: ImportEnv) => [
  '--root',
  env.root,
  '--http-port',
  String(env.port),
  '--web-base',
  join(env.base, 'www'),
];

/** What tend wrote differs from the host file by exactly what the import listed for it. */
export function assertExactlyListed(listed: Listed, original: string, written: string): void {
  const [kind, name] = listed.key.split('/') as ['Site' | 'Pool' | 'Program', string];
  assert.match(written, new RegExp(`^[#;] managed by tend: ${listed.key} `), `${listed.key} is tend's now`);
  const before = linesOf(kind, name, original);
  const after = linesOf(kind, name, written, true);
  assert.deepEqual(
    missingFrom(before, after),
    listed.lost.map((l) => l.text),
    `${listed.key}: lost`,
  );
  assert.deepEqual(missingFrom(after, before), listed.added, `${listed.key}: added`);
}

export interface PlannedChange {
  key: string;
  reason: string;
  blocked?: unknown;
  files: {
    path: string;
    adoption: { sameDirectives: boolean; hostOnly: string[]; tendAdds: string[] } | null;
  }[];
}

/**
 * `tend reconcile --plan` on the imported documents says what the import listed: in JSON the
 * adopted file's hostOnly lines are the import's *not carried over* ones and its tendAdds the import's
 * *tend adds*; the text says "same directives as the host file" when nothing was left out, and
 * otherwise prints each line left out as `- line` (never the full text diff).
 */
export function assertPlanMatchesImport(listed: Listed, changes: PlannedChange[], text: string): void {
  const change = changes.find((c) => c.key === listed.key);
  const file = change?.files.find((f) => f.path === listed.file);
  assert.ok(file?.adoption, `${listed.key}: the plan compares ${listed.file} directive by directive`);
  const lost = listed.lost.map((l) => l.text);
  assert.deepEqual(file.adoption, {
    sameDirectives: lost.length === 0,
    hostOnly: lost,
    tendAdds: listed.added,
  });
  const lines = text.split('\n');
  const at = lines.findIndex((l) =>
    l.startsWith(`  ~ ${listed.key} will be updated (adopting ${listed.file} `),
  );
  assert.ok(at >= 0, `${listed.key} in the text plan:\n${text}`);
  const same = lines[at]!.includes('; same directives as the host file');
  assert.equal(same, lost.length === 0, lines[at]);
  const body: string[] = [];
  for (let i = at + 1; lines[i]?.startsWith('      '); i++) body.push(lines[i]!.trim());
  assert.deepEqual(
    body.filter((l) => l.startsWith('- ')),
    lost.map((l) => `- ${l}`),
    `${listed.key}: the lines not carried over, and only those`,
  );
  assert.ok(!body.some((l) => l.startsWith('@@') || l.startsWith('+++')), `${listed.key}: no text diff`);
}
