// Token files: generated tokens are random, files others can read are refused, comparison is exact.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateToken, readTokenFile, tokensEqual, writeTokenFile } from '../../../src/api/token.js';
import { isTendError } from '../../../src/errors/catalogue.js';
import { tempDir } from '../../helpers/tmp.js';

test('generateToken makes distinct URL-safe tokens of 256 bits', () => {
  const a = generateToken();
  const b = generateToken();
  assert.notEqual(a, b);
  assert.match(a, /^[A-Za-z0-9_-]{43}$/);
});

test('readTokenFile reads a private file and trims the newline', async (t) => {
  const dir = tempDir(t, 'tend-token-');
  const path = join(dir, 'token');
  const token = await writeTokenFile(path);
  assert.equal(statSync(path).mode & 0o777, 0o600);
  assert.equal(await readTokenFile(path), token);
  await assert.rejects(writeTokenFile(path), /EEXIST/, 'never overwrites an existing token');
});

test('readTokenFile refuses a world-readable file with a clear message, without echoing the token', async (t) => {
  const dir = tempDir(t, 'tend-token-');
  const path = join(dir, 'token');
  const token = generateToken();
  writeFileSync(path, token);
  chmodSync(path, 0o644);
  await assert.rejects(readTokenFile(path), (err) => {
    assert.ok(isTendError(err, 'TEND_ERR_AUTH'));
    assert.match(err.message, /readable or writable by every user \(mode 0644\).*chmod 600/);
    assert.ok(!err.message.includes(token));
    return true;
  });
});

test('readTokenFile refuses missing, empty and short tokens', async (t) => {
  const dir = tempDir(t, 'tend-token-');
  await assert.rejects(readTokenFile(join(dir, 'absent')), /ENOENT/);
  const short = join(dir, 'short');
  writeFileSync(short, 'abc\n', { mode: 0o600 });
  await assert.rejects(readTokenFile(short), /at least 16/);
  const spaced = join(dir, 'spaced');
  writeFileSync(spaced, 'abcdefgh ijklmnopqrstu\n', { mode: 0o600 });
  await assert.rejects(readTokenFile(spaced), /without spaces/);
  await assert.rejects(readTokenFile(dir), /not a regular file/);
});

test('tokensEqual accepts only the exact token, whatever the lengths', () => {
  const token = generateToken();
  assert.equal(tokensEqual(token, token), true);
  assert.equal(tokensEqual(`${token}x`, token), false);
  assert.equal(tokensEqual(token.slice(1), token), false);
  assert.equal(tokensEqual('', token), false);
});
