// Terminal tokens on disk: created once with mode 0600, stable across reads, refused when readable by
// others or malformed, compared in constant time, and never created by the read used by the CLI.
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import { createRealHost } from '../../../src/host/index.js';
import {
  ensureTerminalToken,
  readTerminalToken,
  removeTerminalToken,
  terminalTokenPath,
  terminalTokensEqual,
} from '../../../src/terminal/token.js';
import { tempDir } from '../../helpers/tmp.js';

test('a token is created once, 0600 in a 0700 directory, and read back unchanged', async (t) => {
  const host = createRealHost();
  const stateDir = tempDir(t);
  await assert.rejects(readTerminalToken(host, stateDir, 'ops'), (e) => isTendError(e, 'TEND_ERR_NOT_FOUND'));
  const token = await ensureTerminalToken(host, stateDir, 'ops');
  assert.match(token, /^[0-9a-f]{64}$/);
  assert.equal(statSync(terminalTokenPath(stateDir, 'ops')).mode & 0o777, 0o600);
  assert.equal(statSync(`${stateDir}/terminals`).mode & 0o777, 0o700);
  assert.equal(await ensureTerminalToken(host, stateDir, 'ops'), token);
  assert.equal(await readTerminalToken(host, stateDir, 'ops'), token);
  assert.notEqual(await ensureTerminalToken(host, stateDir, 'other'), token);
  await removeTerminalToken(host, stateDir, 'ops');
  assert.notEqual(await ensureTerminalToken(host, stateDir, 'ops'), token, 'a removed token is rotated');
});

test('a token file others can read, or one holding something else, is refused without echoing it', async (t) => {
  const host = createRealHost();
  const stateDir = tempDir(t);
  const token = await ensureTerminalToken(host, stateDir, 'ops');
  chmodSync(terminalTokenPath(stateDir, 'ops'), 0o644);
  await assert.rejects(readTerminalToken(host, stateDir, 'ops'), (e) => {
    assert.ok(isTendError(e, 'TEND_ERR_AUTH'));
    assert.match(e.message, /0644/);
    assert.ok(!e.message.includes(token));
    return true;
  });
  writeFileSync(terminalTokenPath(stateDir, 'ops'), 'hunter2\n', { mode: 0o600 });
  chmodSync(terminalTokenPath(stateDir, 'ops'), 0o600);
  await assert.rejects(ensureTerminalToken(host, stateDir, 'ops'), (e) => {
    assert.ok(isTendError(e, 'TEND_ERR_AUTH'));
    assert.ok(!e.message.includes('hunter2'));
    return true;
  });
});

test('token comparison is exact', () => {
  const a = 'a'.repeat(64);
  assert.equal(terminalTokensEqual(a, a), true);
  assert.equal(terminalTokensEqual(a.slice(1), a), false);
  assert.equal(terminalTokensEqual('', a), false);
  assert.equal(terminalTokensEqual(`${a} `, a), false);
});
