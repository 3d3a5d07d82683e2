// `tend terminal` parses its options with the common parser: -d, --root, --profile as every other
// command, and a mistyped option is refused with the nearest known one.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { terminalCommand } from '../../../src/cli/terminal.js';
import type { CliIO } from '../../../src/cli/io.js';

function io(): CliIO & { out: string[] } {
  const out: string[] = [];
  return {
    out,
    stdout: (t) => out.push(t),
    stderr: (t) => out.push(t),
    cwd: '/tmp',
    env: {},
    isTTY: false,
  };
}

test('tend terminal: a mistyped option is a usage error naming the nearest option', async () => {
  await assert.rejects(terminalCommand(['token', 'ops', '--rot', '/x'], io()), (err: Error) => {
    assert.match(err.message, /Unknown option '--rot'/);
    assert.match(err.message, /did you mean "--root"/);
    assert.match(err.message, /usage: tend terminal open\|token <name>/);
    return true;
  });
});

test('tend terminal: --help prints the usage with the common options', async () => {
  const out = io();
  assert.equal(await terminalCommand(['--help', '-d', 'ds', '--profile', 'system'], out), 0);
  assert.match(out.out.join(''), /usage: tend terminal open\|token <name> \[-d DIR\] \[--root DIR\]/);
});

test('tend terminal: a missing name is a usage error, not a crash', async () => {
  await assert.rejects(terminalCommand(['open'], io()), /expected "open <name>" or "token <name>"/);
});
