// servingProblem: the checks every certificate passes before nginx sees it (parse, key, dates, names).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { factsOf, nameCovers, servingProblem } from '../../../src/acme/pem.js';
import { selfSigned } from './certs.js';

const pair = selfSigned(['shop.example.com', '*.img.example.com']);
const now = Date.now();

test('a matching, current certificate that covers the names has no problem', () => {
  assert.equal(
    servingProblem(pair.cert, pair.key, ['shop.example.com', 'a.img.example.com'], now),
    undefined,
  );
  const f = factsOf(pair.cert);
  assert.deepEqual(f.domains, ['shop.example.com', '*.img.example.com']);
  assert.match(f.serial, /^[0-9a-f]+$/);
});

test('garbage, a foreign key, expiry and an uncovered name are each named', () => {
  assert.match(servingProblem('garbage', pair.key, [], now) ?? '', /does not parse/);
  assert.match(servingProblem(pair.cert, 'not a key', [], now) ?? '', /key does not parse/);
  assert.match(servingProblem(pair.cert, pair.otherKey, [], now) ?? '', /key does not match/);
  assert.match(servingProblem(pair.cert, pair.key, [], now + 40 * 86_400_000) ?? '', /expired at/);
  assert.match(
    servingProblem(pair.cert, pair.key, ['www.example.com'], now) ?? '',
    /does not cover www\.example\.com/,
  );
  assert.match(servingProblem(pair.cert, pair.key, ['a.b.img.example.com'], now) ?? '', /does not cover/);
});

test('a key parse failure never quotes the key', () => {
  const secret = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n';
  assert.doesNotMatch(servingProblem(pair.cert, secret, [], now) ?? '', /c2VjcmV0/);
});

test('wildcards cover exactly one label', () => {
  assert.equal(nameCovers('*.example.com', 'a.example.com'), true);
  assert.equal(nameCovers('*.example.com', 'example.com'), false);
  assert.equal(nameCovers('*.example.com', 'a.b.example.com'), false);
  assert.equal(nameCovers('Shop.Example.com', 'shop.example.COM'), true);
});
