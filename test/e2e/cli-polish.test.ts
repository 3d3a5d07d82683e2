// The CLI's polish, through the real binary: --version, "did you mean" for commands and options,
// the common options on every command, schema --help, colour only on a TTY and never with NO_COLOR
// (a real pty through script(1)), and a reader that goes away (`| head`) ends it without a trace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, collect, ensureBuilt, REPO, staticSiteYaml } from '../helpers/e2e.js';

const tend = (args: string[], env: NodeJS.ProcessEnv = {}) =>
  collect(spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: 'pipe' }));
const sh = (cmd: string, env: NodeJS.ProcessEnv = {}) =>
  collect(spawn('sh', ['-c', cmd], { env: { ...process.env, ...env }, stdio: 'pipe' }), 60_000);

function tempDesired(t: { after: (fn: () => void) => void }): { base: string; ds: string } {
  const base = mkdtempSync(join(tmpdir(), 'tend-cli-'));
  chmodSync(base, 0o755); // www-data must reach the Site root below it (0042)
  t.after(() => rmSync(base, { recursive: true, force: true }));
  const ds = join(base, 'ds');
  mkdirSync(ds);
  mkdirSync(join(base, 'www'));
  writeFileSync(join(ds, 's.yaml'), staticSiteYaml('s', join(base, 'www')));
  return { base, ds };
}

test('tend --version, did-you-mean, schema --help and the common options everywhere', async (t) => {
  ensureBuilt();
  const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
  const v = await tend(['--version']);
  assert.equal(v.code, 0);
  assert.equal(v.stdout, `tend ${pkg.version}\n`);

  const typo = await tend(['statsu']);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /unknown command "statsu" \(did you mean "status"\?\)/);
  const opt = await tend(['status', '--rot', '/tmp/x']);
  assert.equal(opt.code, 1);
  assert.match(opt.stderr, /Unknown option '--rot' \(did you mean "--root"\?\)/);
  const logsOpt = await tend(['logs', 'Site/x', '--tial', '5']);
  assert.match(logsOpt.stderr, /did you mean "--tail"/);
  // Commands with their own parser hint too.
  assert.match((await tend(['reconcile', '--plna'])).stderr, /did you mean "--plan"/);
  assert.match((await tend(['serve', '--resyn', '3s'])).stderr, /did you mean "--resync"/);

  const help = await tend(['schema', '--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: tend schema/);

  const { base, ds } = tempDesired(t);
  const status = await tend(['status', '-d', ds, '--root', join(base, 'root')]);
  assert.equal(status.code, 0, status.stderr);
  const validate = await tend(['validate', '--profile', 'system', '-d', ds, '--web-base', base]);
  assert.equal(validate.code, 0, validate.stderr + validate.stdout);
  assert.match(validate.stdout, /^ok: 1 resource valid/m);
});

test('colour on a TTY only, never with NO_COLOR; no stack trace when the reader goes away', async (t) => {
  const { base, ds } = tempDesired(t);
  const cmd = `${process.execPath} ${BIN} validate -d ${ds} --web-base ${base}`;
  // script(1) gives the command a real terminal.
  const tty = await sh(`script -qec '${cmd}' /dev/null`, { NO_COLOR: '' });
  assert.match(tty.stdout, /\x1b\[32mok\x1b\[0m: 1 resource valid/);
  const noColour = await sh(`script -qec '${cmd}' /dev/null`, { NO_COLOR: '1' });
  assert.match(noColour.stdout, /ok: 1 resource valid/);
  assert.doesNotMatch(noColour.stdout, /\x1b\[/);
  const piped = await sh(cmd, { NO_COLOR: '' });
  assert.doesNotMatch(piped.stdout, /\x1b\[/, 'no colour into a pipe');

  // `tend status --watch | head`: head exits after its lines; tend must end quietly, not hang or trace.
  const watch = await sh(
    `${process.execPath} ${BIN} status --watch --root ${join(base, 'root')} 2>${join(base, 'err')} | head -n 2; sleep 5; cat ${join(base, 'err')}`,
  );
  assert.equal(watch.code, 0);
  assert.doesNotMatch(watch.stdout, /EPIPE|Error|at .*\.js:\d+/);
  const big = await sh(
    `${process.execPath} ${BIN} schema 2>&1 | head -c 100 >/dev/null; echo "exit=\${PIPESTATUS:-done}"`,
  );
  assert.doesNotMatch(big.stdout + big.stderr, /EPIPE|Error/);
});
