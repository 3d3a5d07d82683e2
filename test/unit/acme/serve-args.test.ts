// `tend serve --https-port`: the embedded TLS port (default 8443 in the layout), checked like --http-port.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseServeArgs } from '../../../src/cli/serve-args.js';
import { isTendError } from '../../../src/errors/catalogue.js';

test('--https-port is parsed, and refused when out of range or equal to --http-port', () => {
  const opts = parseServeArgs(['--http-port', '8081', '--https-port', '8444'], '/tmp');
  assert.ok(opts !== 'help');
  assert.equal(opts.httpsPort, 8444);
  const none = parseServeArgs([], '/tmp');
  assert.ok(none !== 'help' && none.httpsPort === undefined);
  for (const bad of [
    ['--https-port', '0'],
    ['--https-port', 'x'],
    ['--http-port', '9000', '--https-port', '9000'],
  ])
    assert.throws(
      () => parseServeArgs(bad, '/tmp'),
      (e: unknown) => isTendError(e) && /--https-port/.test(e.message),
    );
});
