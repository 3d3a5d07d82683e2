// `tend validate` with host checks on the real host: a Program or Job whose user does not exist, or
// whose command is not on its user's PATH (or not executable by it), is an error at file:line naming
// the field; a good one passes. Limits out of bounds are located schema errors.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateCommand } from '../../../src/cli/validate.js';
import { tempDir } from '../../helpers/tmp.js';

async function validate(dir: string): Promise<{ code: number; out: string }> {
  let out = '';
  const io = {
    stdout: (s: string) => (out += s),
    stderr: (s: string) => (out += s),
    cwd: dir,
    env: {},
    isTTY: false,
  };
  const code = await validateCommand(['-d', join(dir, 'ds')], io);
  return { code, out };
}

const doc = (kind: string, name: string, spec: string) =>
  `apiVersion: tend/v1\nkind: ${kind}\nmetadata: { name: ${name} }\nspec:\n${spec}`;

test('validate: an unknown user, a command missing from PATH and a non-executable file are located errors', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'ds'));
  const script = join(dir, 'private.sh');
  writeFileSync(script, '#!/bin/sh\nexit 0\n');
  chmodSync(script, 0o700); // root's alone: nobody may not run it
  writeFileSync(
    join(dir, 'ds', 'ghost.yaml'),
    doc('Job', 'ghost', '  command: [/bin/true]\n  user: no-such-user-4711\n'),
  );
  writeFileSync(
    join(dir, 'ds', 'nocmd.yaml'),
    `# a comment first\n${doc('Program', 'nocmd', '  command: [artisan-not-installed, queue:work]\n  user: nobody\n')}`,
  );
  writeFileSync(
    join(dir, 'ds', 'private.yaml'),
    doc('Job', 'private', `  command: [${script}]\n  user: nobody\n`),
  );
  writeFileSync(join(dir, 'ds', 'good.yaml'), doc('Job', 'good', '  command: [php, -v]\n  user: nobody\n'));
  const { code, out } = await validate(dir);
  assert.equal(code, 1, out);
  // Located at the `user:` line itself (the account rule of the loader), and said once.
  assert.match(
    out,
    /ghost\.yaml:6:9: Job\/ghost: spec\.user: user no-such-user-4711 does not exist on this host/,
  );
  assert.equal(out.match(/no-such-user-4711/g)?.length, 1, out);
  assert.match(
    out,
    /nocmd\.yaml:2:1: Program\/nocmd: spec\.command\[0\]: artisan-not-installed is not found on nobody's PATH/,
  );
  assert.match(
    out,
    /private\.yaml:1:1: Job\/private: spec\.command\[0\]: .*private\.sh is not an executable file that nobody may run/,
  );
  assert.doesNotMatch(out, /Job\/good/);
});

test('validate: limits out of bounds are schema errors naming the field', async (t) => {
  const dir = tempDir(t);
  mkdirSync(join(dir, 'ds'));
  writeFileSync(
    join(dir, 'ds', 'l.yaml'),
    doc(
      'Job',
      'l',
      '  command: [/bin/true]\n  user: nobody\n  limits: { memory: 1k, cpu: 0, processes: 0, openFiles: 99999999 }\n',
    ),
  );
  const { code, out } = await validate(dir);
  assert.equal(code, 1, out);
  assert.match(out, /l\.yaml:7:21: Job\/l: spec\.limits\.memory: expected a size between 4m and 1024g/);
  assert.match(out, /l\.yaml:7:30: Job\/l: spec\.limits\.cpu: expected a number from 0\.01 to 1024, got 0/);
  assert.match(out, /l\.yaml:7:44: Job\/l: spec\.limits\.processes: expected a whole number from 1/);
  assert.match(
    out,
    /l\.yaml:7:58: Job\/l: spec\.limits\.openFiles: expected a whole number from 16 to 1048576/,
  );
});
