// The one port rule every command's --http-port/--https-port goes through: digits only, 1-65535.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { portNumber, portOption, portOptionProblem } from '../../../src/cli/port-option.js';

test('ports 1-65535 written as digits are ports', () => {
  assert.equal(portNumber('1'), 1);
  assert.equal(portNumber('8080'), 8080);
  assert.equal(portNumber('65535'), 65535);
});

test('anything else is not a port: zero, too large, signs, exponents, spaces, newlines', () => {
  for (const bad of ['0', '65536', '99999', '-1', '+80', '1e3', '0x50', ' 80', '80\n', '8.0', ''])
    assert.equal(portNumber(bad), undefined, JSON.stringify(bad));
});

test('an optional port option: absent is undefined, invalid is a usage error naming the option', () => {
  assert.equal(portOption(undefined, '--http-port'), undefined);
  assert.equal(portOption('443', '--http-port'), 443);
  assert.throws(
    () => portOption('80;rm', '--http-port'),
    (e: Error & { code?: string }) =>
      e.code === 'TEND_ERR_USAGE' && e.message.includes('--http-port') && e.message.includes('"80;rm"'),
  );
});

test('reconcile reports the same problem without throwing: a message naming the option and the text', async () => {
  const { parseReconcileArgs } = await import('../../../src/cli/reconcile.js');
  assert.equal(portOptionProblem(undefined, '--http-port'), undefined);
  assert.equal(portOptionProblem('8080', '--http-port'), undefined);
  const parsed = parseReconcileArgs(['--http-port', '80\n'], '/');
  assert.deepEqual(parsed, { ok: false, message: portOptionProblem('80\n', '--http-port') });
  assert.match(portOptionProblem('80\n', '--http-port') ?? '', /--http-port between 1 and 65535, got "80\n"/);
});
