// Runs the compiled test suite with node's test runner. Node 20 does not expand globs in
// `--test`, so the files are listed here. An optional tier name (unit, integration, e2e) narrows the run.
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = 'dist/test';
const tier = process.argv[2];
const files = [];
const walk = (dir) => {
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (name !== 'fixtures') walk(path);
    } else if (name.endsWith('.test.js')) files.push(path);
  }
};
walk(tier ? join(root, tier) : root);
if (files.length === 0) {
  console.error(`no test files under ${tier ? join(root, tier) : root}`);
  process.exit(1);
}
// A hung test fails on its own after 10 minutes instead of waiting for CI's limit; the slowest
// test (crash safety, 50 kills) takes about 4 minutes on a busy 2-core machine.
const TEST_TIMEOUT_MS = 600_000;
// After the spec output: the slowest files (scripts/test-summary.mjs), then line coverage per room
// from V8's raw coverage of every process (scripts/coverage-summary.mjs; node 20's own
// --experimental-test-coverage cannot read tsc's source maps). TEND_TEST_COVERAGE=0 leaves it out.
const coverageDir =
  process.env.TEND_TEST_COVERAGE === '0' ? undefined : mkdtempSync(join(tmpdir(), 'tend-cov-'));
const reporters = [
  '--test-reporter=spec',
  '--test-reporter-destination=stdout',
  '--test-reporter=./scripts/test-summary.mjs',
  '--test-reporter-destination=stdout',
];
// Three files at once on two cores: most e2e time is spent waiting on nginx, php-fpm and daemons,
// and the crash-safety file alone holds one lane for minutes. TEND_TEST_CONCURRENCY overrides it.
const CONCURRENCY = Number(process.env.TEND_TEST_CONCURRENCY ?? 3);
const started = Date.now();
const result = spawnSync(
  process.execPath,
  [
    '--test',
    `--test-concurrency=${CONCURRENCY}`,
    `--test-timeout=${TEST_TIMEOUT_MS}`,
    ...reporters,
    ...files,
  ],
  {
    stdio: 'inherit',
    env: coverageDir ? { ...process.env, NODE_V8_COVERAGE: coverageDir } : process.env,
  },
);
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(0)} s`;
console.log(`\ntests ran for ${seconds(started)}`);
if (coverageDir) {
  const summarizing = Date.now();
  spawnSync(process.execPath, ['scripts/coverage-summary.mjs', coverageDir], { stdio: 'inherit' });
  rmSync(coverageDir, { recursive: true, force: true });
  console.log(`coverage summarized in ${seconds(summarizing)}`);
}
process.exit(result.status ?? 1);
