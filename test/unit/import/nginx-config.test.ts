// The nginx config reader behind `tend import`: directives, blocks, quotes, comments and the
// errors nginx -t would give, plus the flattened form import compares configs with.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  directiveText,
  flattenDirectives,
  missingFrom,
  NginxParseError,
  parseNginxConfig,
} from '../../../src/directives/nginx-config.js';

test('directives, nested blocks and line numbers', () => {
  const tree = parseNginxConfig(
    'server {\n  listen 80;\n  location ~ \\.php$ {\n    fastcgi_pass unix:/run/php/x.sock;\n  }\n}\n',
  );
  assert.equal(tree.length, 1);
  const server = tree[0]!;
  assert.equal(server.name, 'server');
  assert.deepEqual(server.args, []);
  assert.equal(server.block?.[0]?.name, 'listen');
  assert.deepEqual(server.block?.[0]?.args, ['80']);
  assert.equal(server.block?.[0]?.line, 2);
  const location = server.block?.[1];
  assert.deepEqual(location?.args, ['~', '\\.php$']);
  assert.equal(location?.block?.[0]?.line, 4);
});

test('comments end at the line end; a # inside quotes or a word is not a comment', () => {
  const tree = parseNginxConfig(
    '# a comment { ; }\nadd_header X-A "a#b; c" always; # trailing\nreturn 200 a#b;\n',
  );
  assert.deepEqual(
    tree.map((d) => [d.name, d.args]),
    [
      ['add_header', ['X-A', 'a#b; c', 'always']],
      ['return', ['200', 'a#b']],
    ],
  );
});

test('quotes: both kinds, escapes unescaped, braces and semicolons inside kept', () => {
  const [d] = parseNginxConfig(
    `add_header Content-Security-Policy 'default-src \\'self\\'; img-src {x}' "q\\"q";`,
  );
  assert.deepEqual(d?.args, ['Content-Security-Policy', "default-src 'self'; img-src {x}", 'q"q']);
});

test('${var} in a word is one token, not a block; an unquoted backslash keeps the next character', () => {
  const [a, b] = parseNginxConfig('set $x ${host}_suffix;\nrewrite ^/a\\;b$ /c;\n');
  assert.deepEqual(a?.args, ['$x', '${host}_suffix']);
  assert.deepEqual(b?.args, ['^/a\\;b$', '/c']);
});

test('a multi-line quoted value counts its lines for the next directive', () => {
  const tree = parseNginxConfig('add_header X "a\nb";\nlisten 80;\n');
  assert.equal(tree[1]?.line, 3);
});

for (const [title, text, line, pattern] of [
  ['an unclosed block', 'server {\n listen 80;\n', 1, /expecting "}"/],
  ['a stray closing brace', 'listen 80;\n}\n', 2, /unexpected "}"/],
  ['a missing semicolon before }', 'server {\n listen 80\n}\n', 3, /expecting ";"/],
  ['a missing semicolon at the end', 'listen 80', 1, /unexpected end of file/],
  ['an unterminated quote', 'server {\n add_header X "abc;\n}\n', 2, /unterminated double quote/],
  ['a lone semicolon', ';\n', 1, /unexpected ";"/],
] as const) {
  test(`refused with its line: ${title}`, () => {
    assert.throws(
      () => parseNginxConfig(text),
      (err: unknown) => err instanceof NginxParseError && err.line === line && pattern.test(err.message),
    );
  });
}

test('nesting deeper than nginx would ever need is refused, not a stack overflow', () => {
  assert.throws(() => parseNginxConfig(`${'a {'.repeat(40)}${'}'.repeat(40)}`), /nested deeper than 32/);
});

test('flattened: the same config with other comments, quoting and layout flattens the same', () => {
  const a = parseNginxConfig('server { listen 80; location / { try_files $uri $uri/ =404; } }');
  const b = parseNginxConfig(
    '# x\nserver {\n\tlisten "80";\n\n\tlocation / {\n\t\t# y\n\t\ttry_files $uri \'$uri/\' =404;\n\t}\n}\n',
  );
  assert.deepEqual(flattenDirectives(a), flattenDirectives(b));
  assert.deepEqual(flattenDirectives(a), [
    'server > listen 80',
    'server > location / > try_files $uri $uri/ =404',
  ]);
});

test('flattened text re-quotes what needs quotes, so it reads back the same', () => {
  const d = { name: 'add_header', args: ['X-A', 'a b;"c'] };
  assert.equal(directiveText(d), 'add_header X-A "a b;\\"c"');
  assert.deepEqual(parseNginxConfig(`${directiveText(d)};`)[0]?.args, d.args);
});

test('missingFrom counts repeats', () => {
  assert.deepEqual(missingFrom(['a', 'a', 'b'], ['a', 'c']), ['a', 'b']);
  assert.deepEqual(missingFrom(['a'], ['a', 'a']), []);
});
