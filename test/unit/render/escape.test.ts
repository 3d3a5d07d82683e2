// The escapers are the last line between a hostile string and a config file: each refuses what its
// format cannot hold and quotes what it can.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isTendError } from '../../../src/errors/catalogue.js';
import {
  guardInterpolation,
  hostPort,
  iniKey,
  iniMode,
  iniName,
  iniPath,
  iniQuoted,
  iniSeconds,
  iniSection,
  nginxDirective,
  nginxHeaderName,
  nginxPath,
  nginxProxyUrl,
  nginxQuoted,
  nginxRedirectTarget,
  nginxServerName,
  nginxSize,
  nginxToken,
  nginxUrlPath,
} from '../../../src/render/escape.js';

const HOSTILE = [
  'a\nb',
  'a\rb',
  'a\u0000b',
  'x; include /etc/passwd',
  'x { }',
  'x}',
  '"quoted"',
  "'single'",
  '../../etc/passwd',
  '$host',
  '# comment',
  'a b',
  'tab\there',
  '',
];

const unsafe = (fn: () => unknown) =>
  assert.throws(fn, (e: unknown) => isTendError(e, 'TEND_ERR_UNSAFE_VALUE'), `expected a refusal`);

const TOKEN_LIKE: Record<string, (v: string) => string> = {
  nginxToken,
  nginxPath,
  nginxServerName,
  nginxSize,
  nginxUrlPath,
  nginxRedirectTarget,
  nginxHeaderName,
  nginxProxyUrl,
  iniSection,
  iniKey,
  iniName,
  iniPath,
  iniMode,
  iniSeconds,
};

for (const [name, fn] of Object.entries(TOKEN_LIKE))
  test(`${name} refuses every hostile string`, () => {
    for (const h of HOSTILE) unsafe(() => fn(h));
  });

test('bare-token escapers pass ordinary values through unchanged', () => {
  assert.equal(nginxToken('index.php'), 'index.php');
  assert.equal(nginxPath('/srv/www/shop'), '/srv/www/shop');
  assert.equal(nginxServerName('Shop.Example.COM'), 'shop.example.com');
  assert.equal(nginxServerName('*.example.com'), '*.example.com');
  assert.equal(nginxSize('64m'), '64m');
  assert.equal(nginxUrlPath('/old/page.html'), '/old/page.html');
  assert.equal(nginxRedirectTarget('https://a.example.com:8443/x?y=1'), 'https://a.example.com:8443/x?y=1');
  assert.equal(nginxProxyUrl('http://[::1]:3000/api'), 'http://[::1]:3000/api');
  assert.equal(iniSection('shop-2'), 'shop-2');
  assert.equal(iniMode('660'), '0660');
  assert.equal(iniMode('0640'), '0640');
  assert.equal(iniSeconds('1500ms'), '2s');
  assert.equal(iniSeconds('5m'), '300s');
});

test('paths refuse "." and ".." segments even when every character is allowed', () => {
  unsafe(() => nginxPath('/srv/www/../etc'));
  unsafe(() => nginxPath('/srv/./www'));
  unsafe(() => iniPath('/srv/..'));
  unsafe(() => nginxPath('relative/path'));
  assert.equal(iniPath('/srv/www/a..b'), '"/srv/www/a..b"');
});

test('iniSection refuses "global", which would switch php-fpm to its global options', () => {
  unsafe(() => iniSection('global'));
  unsafe(() => iniSection('GLOBAL'));
});

test('nginxQuoted quotes, escapes backslash and quote, and refuses "$" and control characters', () => {
  assert.equal(nginxQuoted("default-src 'self'; img-src *"), `"default-src 'self'; img-src *"`);
  assert.equal(nginxQuoted('a"b\\c'), '"a\\"b\\\\c"');
  assert.equal(nginxQuoted('{ } # ;'), '"{ } # ;"');
  unsafe(() => nginxQuoted('$request_uri'));
  unsafe(() => nginxQuoted('a\nb'));
  unsafe(() => nginxQuoted('a\u0000b'));
  unsafe(() => nginxQuoted('a\u001bb'));
});

test('iniQuoted escapes \\, " and $ so ${…} never expands, and refuses control characters', () => {
  assert.equal(iniQuoted('plain'), '"plain"');
  assert.equal(iniQuoted('a"b'), '"a\\"b"');
  assert.equal(iniQuoted('${HOME}'), '"\\${HOME}"');
  assert.equal(iniQuoted('back\\'), '"back\\\\"');
  assert.equal(iniQuoted('; # = [x]'), '"; # = [x]"');
  assert.equal(iniQuoted(''), '""');
  unsafe(() => iniQuoted('a\nb'));
  unsafe(() => iniQuoted('a\rb'));
  unsafe(() => iniQuoted('a\u0000b'));
});

test('a refused secret never appears in the error', () => {
  const secret = 'hunter2\nsecret';
  try {
    iniQuoted(secret, 'env[DB_PASSWORD]', { secret: true });
    assert.fail('expected a refusal');
  } catch (e) {
    assert.ok(isTendError(e, 'TEND_ERR_UNSAFE_VALUE'));
    assert.ok(!e.message.includes('hunter2'), e.message);
    assert.ok(!JSON.stringify(e.details).includes('hunter2'));
  }
  try {
    guardInterpolation(secret);
    assert.fail('expected a refusal');
  } catch (e) {
    assert.ok(isTendError(e, 'TEND_ERR_UNSAFE_VALUE'));
    assert.ok(!e.message.includes('hunter2'), e.message);
  }
});

test('nginxDirective allows variables and regex escapes but nothing that ends or escapes a statement', () => {
  assert.equal(nginxDirective('gzip on'), 'gzip on');
  assert.equal(nginxDirective('add_header X-Host $host'), 'add_header X-Host $host');
  assert.equal(
    nginxDirective('rewrite ^/old\\.html$ /new permanent'),
    'rewrite ^/old\\.html$ /new permanent',
  );
  for (const bad of [
    'gzip on; include /etc/passwd',
    'gzip on\\',
    'return 200 \\;',
    'location / {',
    'gzip on}',
    'add_header X "y"',
    "add_header X 'y'",
    'gzip on # c',
    'gzip\non',
    'gzip on\u0000',
    ' gzip on',
    'Gzip on',
    '',
  ])
    unsafe(() => nginxDirective(bad));
});

test('hostPort brackets IPv6 and refuses names, ports out of range and junk', () => {
  assert.equal(hostPort('127.0.0.1', 9000), '127.0.0.1:9000');
  assert.equal(hostPort('::1', 9000), '[::1]:9000');
  unsafe(() => hostPort('localhost', 9000));
  unsafe(() => hostPort('127.0.0.1; x', 9000));
  unsafe(() => hostPort('127.0.0.1', 0));
  unsafe(() => hostPort('127.0.0.1', 65536));
  unsafe(() => hostPort('127.0.0.1', 80.5));
});

test('guardInterpolation accepts strings and finite numbers only', () => {
  assert.equal(guardInterpolation('a b'), 'a b');
  assert.equal(guardInterpolation(42), '42');
  unsafe(() => guardInterpolation('x\ny'));
  assert.throws(
    () => guardInterpolation({}),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
  assert.throws(
    () => guardInterpolation(Number.NaN),
    (e: unknown) => isTendError(e, 'TEND_ERR_INTERNAL'),
  );
});
